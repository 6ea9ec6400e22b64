"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { apiTokenNameSchema } from "@/lib/auth/schemas";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { CopyButton } from "../ui/copy-button";
import { TextField } from "../ui/field";
import { TableHead } from "../ui/table-head";

export type TokenRow = { id: string; name: string; hint: string; createdAt: string; lastUsedAt: string | null; ownerEmail: string };
type Result = { ok: true; token?: string } | { ok: false; message: string };


const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "Never");

export function ApiTokensManager({
  tokens,
  createAction,
  revokeAction,
}: {
  tokens: TokenRow[];
  createAction: (input: { name: string }) => Promise<Result>;
  revokeAction: (id: string) => Promise<Result>;
}) {
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const [busy, setBusy] = useState(false);
  const {
    register,
    handleSubmit,
    reset,
    formState: { errors, isSubmitting },
  } = useForm<z.input<typeof apiTokenNameSchema>>({ resolver: zodResolver(apiTokenNameSchema) });

  const onCreate = handleSubmit(async (values) => {
    setError(null);
    const result = await createAction(values);
    if (!result.ok) return setError(result.message);
    setCreated(result.token ?? null);
    reset();
    router.refresh();
  });

  return (
    <div className="space-y-6">
      {created && (
        <Alert tone="success" title="Copy your new API token now">
          <p>It will not be shown again. Store it in your secret manager.</p>
          <div className="mt-3 flex flex-wrap items-center gap-2">
            <code data-testid="new-api-token" className="break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-emerald-200">
              {created}
            </code>
            <CopyButton value={created} />
            <Button variant="ghost" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
        </Alert>
      )}
      {error && <Alert tone="error">{error}</Alert>}

      <form onSubmit={onCreate} noValidate className="flex flex-col gap-3 rounded-xl bg-white p-4 ring-1 ring-slate-200 sm:flex-row sm:items-start">
        <TextField label="Token name" placeholder="SIEM publisher" className="flex-1" error={errors.name?.message} {...register("name")} />
        <Button type="submit" busy={isSubmitting} className="sm:mt-6">
          Create token
        </Button>
      </form>

      {tokens.length === 0 ? (
        <div className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600">
          No API tokens yet. Create one to call the REST API (<code>/api/v1</code>) or publish events.
        </div>
      ) : (
        <div className="relative overflow-x-auto rounded-xl bg-white ring-1 ring-slate-200">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <TableHead columns={["Name", "Token", "Owner", "Created", "Last used", { hidden: "Actions" }]} />
            <tbody className="divide-y divide-slate-100">
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td className="px-4 py-3 font-medium text-slate-900">{t.name}</td>
                  <td className="px-4 py-3 font-mono text-slate-600">{t.hint}</td>
                  <td className="px-4 py-3 text-slate-600">{t.ownerEmail}</td>
                  <td className="px-4 py-3 text-slate-600">{when(t.createdAt)}</td>
                  <td className="px-4 py-3 text-slate-600">{when(t.lastUsedAt)}</td>
                  <td className="px-4 py-3 text-right">
                    <Button variant="ghost" className="text-red-700" onClick={() => setRevoking(t)}>
                      Revoke
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
