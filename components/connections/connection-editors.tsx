"use client";

import { useRouter } from "next/navigation";
import type { ConnectionFormValues } from "@/lib/connections/schemas";
import { ConnectionForm } from "./connection-form";
import type { SaveResult } from "./types";

const LIST = "/settings/event-streaming";

export function NewConnection({ createAction, eventTypes }: { createAction: (input: unknown) => Promise<SaveResult>; eventTypes: string[] }) {
  const router = useRouter();
  return (
    <ConnectionForm
      mode="create"
      eventTypes={eventTypes}
      cancelHref={LIST}
      onSubmit={(values) => createAction(values)}
      onDone={() => {
        router.push(LIST);
        router.refresh();
      }}
    />
  );
}

export function EditConnection({
  id,
  initial,
  valueHints,
  eventTypes,
  updateAction,
}: {
  id: string;
  initial: ConnectionFormValues;
  valueHints: string[];
  eventTypes: string[];
  updateAction: (id: string, input: unknown) => Promise<SaveResult>;
}) {
  const router = useRouter();
  return (
    <ConnectionForm
      mode="edit"
      eventTypes={eventTypes}
      initial={initial}
      valueHints={valueHints}
      cancelHref={LIST}
      onSubmit={(values) => updateAction(id, values)}
      onDone={() => {
        router.push(LIST);
        router.refresh();
      }}
    />
  );
}
