"use client";

import Link from "next/link";
import { useState } from "react";
import { type FieldPath, useFieldArray } from "react-hook-form";
import { originOf } from "@/lib/connections/origin-change";
import { PRESETS, type PresetId } from "@/lib/connections/presets";
import { type ConnectionFormValues, type ConnectionSettings, MAX_API_KEYS } from "@/lib/connections/schemas";
import { Alert } from "../ui/alert";
import { Button, buttonClass } from "../ui/button";
import { SelectField, TextField } from "../ui/field";
import { CatchUpField } from "./catch-up-field";
import { DeliveryFields } from "./delivery-fields";
import { EventFilterField } from "./event-filter-field";
import { PresetFields } from "./preset-fields";
import { SecretReveal } from "./secret-reveal";
import { TestResult } from "./test-result";
import type { SaveResult, TestOutcome } from "./types";
import { useConnectionForm } from "./use-connection-form";

const AUTH_TYPES = [
  { value: "NONE", label: "None", help: "No authorization. Only for destinations that need none." },
  { value: "API_KEY", label: "API Key", help: "Key/value pairs sent as headers or query parameters." },
  { value: "HMAC", label: "HMAC", help: "Tributary signs every request with a secret it generates." },
] as const;

type Props = {
  mode: "create" | "edit";
  initial?: ConnectionFormValues;
  /** Hints (last 4 characters) of stored API key values, by position, when editing. */
  valueHints?: string[];
  /** Event types to suggest for the filter (seen in the last 30 days, and Tributary's own). */
  eventTypes: string[];
  cancelHref: string;
  /** Receives the form's values in the API's shape. */
  onSubmit: (values: ConnectionSettings) => Promise<SaveResult>;
  onDone: () => void;
};

export function ConnectionForm({ mode, initial, valueHints = [], eventTypes, cancelHref, onSubmit, onDone }: Props) {
  const [preset, setPreset] = useState<PresetId>("custom");
  const [failure, setFailure] = useState<{ message: string; test?: TestOutcome } | null>(null);
  const [revealed, setRevealed] = useState<string | null>(null);
  const form = useConnectionForm(mode, initial);
  const {
    register,
    control,
    handleSubmit,
    reset,
    setError,
    watch,
    formState: { errors, isSubmitting },
  } = form;
  const keys = useFieldArray({ control, name: "auth.keys" });
  const authType = watch("auth.type");
  // An edit that points the connection at another origin cannot keep the stored credentials (see origin-change.ts).
  const url = watch("url");
  const newOrigin = mode === "edit" && initial ? originOf(url ?? "") : null;
  const movedOrigin = newOrigin !== null && initial !== undefined && newOrigin !== originOf(initial.url) ? newOrigin : null;

  const choosePreset = (id: PresetId) => {
    setPreset(id);
    setFailure(null);
    reset(structuredClone(PRESETS.find((p) => p.id === id)!.values));
  };
  const chosen = PRESETS.find((p) => p.id === preset)!;

  const submit = handleSubmit(async (values) => {
    setFailure(null);
    const result = await onSubmit(values);
    if (!result.ok) {
      for (const f of result.fields ?? []) setError(f.path as FieldPath<ConnectionFormValues>, { message: f.message });
      const details = result.details as TestOutcome | undefined;
      // A refused destination is explained next to the URL field, where it can be fixed.
      if (result.code === "INSECURE_DESTINATION" || result.code === "DESTINATION_NOT_ALLOWED") {
        setError("url", { message: result.message });
        setFailure({ message: "Tributary cannot send to this URL; see below." });
      } else {
        setFailure({ message: result.message, test: result.code === "DESTINATION_TEST_FAILED" ? details : undefined });
      }
      return;
    }
    if (result.hmacSecret) setRevealed(result.hmacSecret);
    else onDone();
  });

  if (revealed) {
    return (
      <div className="space-y-4">
        <Alert tone="success" title={mode === "create" ? "Connection added" : "Connection saved"}>
          The test event was delivered and the connection is streaming.
        </Alert>
        <SecretReveal secret={revealed}>
          <Button onClick={onDone}>I have saved the secret</Button>
        </SecretReveal>
      </div>
    );
  }

  const keysError = errors.auth?.keys;

  return (
    <form onSubmit={submit} noValidate className="space-y-6">
      {mode === "create" && (
        <fieldset>
          <legend className="text-sm font-medium text-slate-900">Destination</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
            {PRESETS.map((p) => (
              <label
                key={p.id}
                className={`cursor-pointer rounded-lg p-3 ring-1 focus-within:ring-2 focus-within:ring-indigo-600 ${
                  preset === p.id ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-200 hover:ring-slate-300"
                }`}
              >
                <input type="radio" name="preset" value={p.id} checked={preset === p.id} onChange={() => choosePreset(p.id)} className="sr-only" />
                <span className="block text-sm font-semibold text-slate-900">{p.label}</span>
                <span className="mt-0.5 block text-xs text-slate-600">{p.description}</span>
              </label>
            ))}
          </div>
          <p className="mt-3 text-sm text-slate-700" data-testid="preset-explains">
            {chosen.explains}
          </p>
        </fieldset>
      )}

      {failure && (
        <div className="space-y-3">
          <Alert tone="error" title="Not saved">
            {failure.message}
          </Alert>
          {failure.test && <TestResult outcome={failure.test} />}
        </div>
      )}

      <TextField label="Name" placeholder="Datadog production" error={errors.name?.message} {...register("name")} />

      {mode === "create" && <PresetFields key={preset} preset={preset} form={form} />}

      <TextField
        label="URL"
        type="url"
        inputMode="url"
        placeholder={preset === "sumo" ? "https://endpoint1.collection.sumologic.com/receiver/v1/http/…" : "https://logs.example.com/intake"}
        hint="Tributary POSTs events here in the format chosen below. It sends a test event before saving."
        error={errors.url?.message}
        {...register("url")}
      />


      <fieldset>
        <legend className="text-sm font-medium text-slate-900">Authorization Type</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-3">
          {AUTH_TYPES.map((t) => (
            <label
              key={t.value}
              className={`flex cursor-pointer gap-2 rounded-lg p-3 ring-1 focus-within:ring-2 focus-within:ring-indigo-600 ${
                authType === t.value ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-200"
              }`}
            >
              <input
                type="radio"
                value={t.value}
                className="mt-0.5"
                {...register("auth.type", {
                  onChange: (e) => {
                    if (e.target.value === "API_KEY" && keys.fields.length === 0) keys.append({ key: "", value: "", add_to: "HEADER" });
                  },
                })}
              />
              <span>
                <span className="block text-sm font-semibold text-slate-900">{t.label}</span>
                <span className="block text-xs text-slate-600">{t.help}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {authType === "API_KEY" && (
        <div className="space-y-3">
          {movedOrigin && initial?.auth.type === "API_KEY" && (
            <Alert tone="warning" title="Enter the key values again">
              The URL now points to {movedOrigin}, another origin than before. Stored values are never sent to a new origin, so every
              value must be entered again.
            </Alert>
          )}
          {keys.fields.map((field, i) => {
            const itemErrors = errors.auth?.keys?.[i];
            const hint = valueHints[i];
            return (
              // Key and value get a row of their own; the long "Add to" choice sits below instead of squeezing them.
              <div key={field.id} className="space-y-3 rounded-lg bg-white p-3 ring-1 ring-slate-200">
                <div className="grid gap-3 sm:grid-cols-2">
                  <TextField label={`Key ${i + 1}`} autoComplete="off" placeholder="DD-API-KEY" error={itemErrors?.key?.message} {...register(`auth.keys.${i}.key`)} />
                  <TextField
                    label={`Value ${i + 1}`}
                    type="password"
                    autoComplete="new-password"
                    placeholder={mode === "edit" && hint && !movedOrigin ? `Leave blank to keep ${hint}` : ""}
                    error={itemErrors?.value?.message}
                    {...register(`auth.keys.${i}.value`)}
                  />
                </div>
                <div className="flex flex-wrap items-end justify-between gap-3">
                  <SelectField id={`add-to-${i}`} label="Add to" className="w-full sm:w-auto sm:min-w-72" {...register(`auth.keys.${i}.add_to`)}>
                    <option value="HEADER">Header (recommended)</option>
                    <option value="QUERY">Query Parameter (not recommended for secrets)</option>
                  </SelectField>
                  <Button type="button" variant="ghost" aria-label={`Remove key ${i + 1}`} onClick={() => keys.remove(i)} disabled={keys.fields.length <= 1}>
                    Remove
                  </Button>
                </div>
              </div>
            );
          })}
          {(keysError?.message || keysError?.root?.message) && (
            <p role="alert" className="text-sm text-red-600">
              {keysError.message ?? keysError.root?.message}
            </p>
          )}
          <Button
            type="button"
            variant="secondary"
            disabled={keys.fields.length >= MAX_API_KEYS}
            onClick={() => keys.append({ key: "", value: "", add_to: "HEADER" })}
          >
            + Add key
          </Button>
          {keys.fields.length >= MAX_API_KEYS && <p className="text-xs text-slate-500">A connection can have at most {MAX_API_KEYS} keys.</p>}
        </div>
      )}

      {authType === "HMAC" && (
        <Alert tone="info">
          {mode === "edit" && initial?.auth.type === "HMAC" && movedOrigin
            ? `The URL now points to ${movedOrigin}, another origin than before. Saving generates a new signing secret, shown once, and retires the current ones: they are never used for a new origin.`
            : mode === "edit" && initial?.auth.type === "HMAC"
            ? "Signing secrets are managed in the HMAC secrets section of this page."
            : "When you save, Tributary generates a signing secret and shows it once. Every request carries X-Opal-Request-Timestamp and X-Opal-Signature."}
        </Alert>
      )}

      <section aria-labelledby="delivery-heading" className="space-y-5 border-t border-slate-200 pt-5">
        <div>
          <h3 id="delivery-heading" className="text-base font-semibold text-slate-900">
            Delivery
          </h3>
          <p className="mt-1 text-sm text-slate-600">How events reach the destination, and which ones.</p>
        </div>
        <DeliveryFields form={form} />
        <EventFilterField form={form} eventTypes={eventTypes} />
        <CatchUpField form={form} />
      </section>

      <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 pt-5">
        <Button type="submit" busy={isSubmitting}>
          {isSubmitting ? "Sending test event…" : mode === "create" ? "Add Connection" : "Save changes"}
        </Button>
        <Link href={cancelHref} className={buttonClass("secondary")}>
          Cancel
        </Link>
        <p className="text-xs text-slate-500">
          A test event is sent first; only a 2xx answer saves{mode === "edit" ? " a changed URL, authorization or format" : ""}.
        </p>
      </div>
    </form>
  );
}
