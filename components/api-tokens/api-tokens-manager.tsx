"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { newApiTokenSchema, type NewApiTokenInput } from "@/lib/auth/token-schemas";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ChoiceCards } from "../ui/choice-cards";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { CopyButton } from "../ui/copy-button";
import { TextField } from "../ui/field";
import { TableHead } from "../ui/table-head";

export type TokenRow = {
  id: string;
  name: string;
  scope: "ADMIN" | "PUBLISH";
  hint: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** The admin who created it; null when the operator did. */
  ownerEmail: string | null;
};
type Result = { ok: true; token?: string } | { ok: false; message: string };

const SCOPES = [
  { value: "ADMIN", label: "Admin", help: "Every API route: connections, failed deliveries, tokens, publishing." },
  { value: "PUBLISH", label: "Publish only", help: "Only POST /api/v1/events — for the backend that sends your events." },
] as const;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "Never");

function ScopeBadge({ scope }: { scope: TokenRow["scope"] }) {
  return scope === "ADMIN" ? <Badge tone="indigo">Admin</Badge> : <Badge tone="emerald">Publish only</Badge>;
}

export function ApiTokensManager({
  tokens,
  createAction,
  revokeAction,
}: {
  tokens: TokenRow[];
  createAction: (input: { name: string; scope: string }) => Promise<Result>;
  revokeAction: (id: string) => Promise<Result>;
}) {
  const router = useRouter();
  const [created, setCreated] = useState<{ token: string; scope: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const [busy, setBusy] = useState(false);
  const {
    register,
    handleSubmit,
    reset,
    watch,
    formState: { errors, isSubmitting },
  } = useForm<NewApiTokenInput>({ resolver: zodResolver(newApiTokenSchema), defaultValues: { name: "", scope: "ADMIN" } });

  const onCreate = handleSubmit(async (values) => {
    setError(null);
    const result = await createAction(values);
    if (!result.ok) return setError(result.message);
    setCreated({ token: result.token ?? "", scope: values.scope });
    reset({ name: "", scope: values.scope });
    router.refresh();
  });

  return (
    <div className="space-y-6">
      {created && (
        <Alert tone="success" title="Copy your new API token now">
          <p>
            It will not be shown again. Store it in your secret manager.
            {created.scope === "PUBLISH" ? " It can only publish events." : ""}
          </p>
          <div className="mt-3 flex flex-wrap items-center gap-2">
            <code data-testid="new-api-token" className="break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-emerald-200">
              {created.token}
            </code>
            <CopyButton value={created.token} />
            <Button variant="ghost" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}

      <form onSubmit={onCreate} noValidate aria-label="Create an API token" className="space-y-4 rounded-xl bg-white p-4 ring-1 ring-slate-200">
        <TextField label="Token name" placeholder="SIEM publisher" error={errors.name?.message} {...register("name")} />
        <ChoiceCards legend="Scope" choices={SCOPES} selected={watch("scope")} registration={register("scope")} error={errors.scope?.message} />
        <Button type="submit" busy={isSubmitting}>
          Create token
        </Button>
      </form>

      {tokens.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          No API tokens yet. Create a <strong>Publish only</strong> token for the backend that sends your events, or an <strong>Admin</strong> token to
          manage connections through the REST API (<code>/api/v1</code>).
        </div>
      ) : (
        <>
          <ul className="space-y-3 md:hidden" aria-label="API tokens">
            {tokens.map((t) => (
              <li key={t.id} data-testid="api-token-card" className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
                <div className="flex items-start justify-between gap-3">
                  <div className="min-w-0">
                    <p className="font-medium text-slate-900">{t.name}</p>
                    <p className="font-mono text-xs text-slate-600">{t.hint}</p>
                  </div>
                  <ScopeBadge scope={t.scope} />
                </div>
                <p className="mt-2 text-xs text-slate-600">
                  Created {when(t.createdAt)} by {t.ownerEmail ?? "the operator"} · last used {when(t.lastUsedAt).toLowerCase()}
                </p>
                <Button variant="ghost" className="mt-2 text-red-700" onClick={() => setRevoking(t)}>
                  Revoke
                </Button>
              </li>
            ))}
          </ul>
          <div className="relative hidden overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200 md:block">
            <table className="min-w-full divide-y divide-slate-200 text-sm">
              <TableHead columns={["Name", "Scope", "Token", "Created by", "Created", "Last used", { hidden: "Actions" }]} />
              <tbody className="divide-y divide-slate-100">
                {tokens.map((t) => (
                  <tr key={t.id} data-testid="api-token-row">
                    <td className="px-4 py-3 font-medium text-slate-900">{t.name}</td>
                    <td className="px-4 py-3">
                      <ScopeBadge scope={t.scope} />
                    </td>
                    <td className="px-4 py-3 font-mono text-slate-600">{t.hint}</td>
                    <td className="px-4 py-3 text-slate-600">{t.ownerEmail ?? <span className="italic">Operator</span>}</td>
                    <td className="px-4 py-3 text-slate-600">{when(t.createdAt)}</td>
                    <td className="px-4 py-3 text-slate-600">{when(t.lastUsedAt)}</td>
                    <td className="px-4 py-3 text-right">
                      <Button variant="ghost" className="text-red-700" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                        Revoke
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke token"
        busy={busy}
        onCancel={() => setRevoking(null)}
        onConfirm={async () => {
          if (!revoking) return;
          setBusy(true);
          const result = await revokeAction(revoking.id);
          setBusy(false);
          setRevoking(null);
          if (!result.ok) setError(result.message);
          router.refresh();
        }}
      >
        Anything using this token gets 401 Unauthorized from its next request. This cannot be undone.
      </ConfirmDialog>
    </div>
  );
}
