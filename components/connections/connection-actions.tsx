"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert } from "../ui/alert";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { SecretReveal } from "./secret-reveal";
import { TestResult } from "./test-result";
import type { ActionResult, TestOutcome } from "./types";

export function SendTestButton({ id, action }: { id: string; action: (id: string) => Promise<ActionResult<{ test: TestOutcome }>> }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-3">
      <Button
        variant="secondary"
        busy={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          setOutcome(null);
          const result = await action(id);
          setBusy(false);
          if (result.ok) setOutcome(result.test);
          else setError(result.message);
        }}
      >
        {busy ? "Sending…" : "Send test event"}
      </Button>
      {outcome && <TestResult outcome={outcome} />}
      {error && <Alert tone="error">{error}</Alert>}
    </div>
  );
}

export function DeleteConnectionButton({
  id,
  name,
  action,
}: {
  id: string;
  name: string;
  action: (id: string) => Promise<ActionResult>;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete connection
      </Button>
      {error && <Alert tone="error">{error}</Alert>}
      <ConfirmDialog
        open={open}
        title={`Delete “${name}”?`}
        confirmLabel="Delete connection"
        busy={busy}
        onCancel={() => setOpen(false)}
        onConfirm={async () => {
          setBusy(true);
          const result = await action(id);
          setBusy(false);
          setOpen(false);
          if (!result.ok) return setError(result.message);
          router.push("/settings/event-streaming");
          router.refresh();
        }}
      >
        Streaming to this destination stops at once, and its settings and secrets are deleted. Events are not deleted. This cannot be undone.
      </ConfirmDialog>
    </>
  );
}

type Secret = { id: string; created_at: string; hint: string };

export function HmacSecretsPanel({
  id,
  secrets,
  addAction,
  retireAction,
}: {
  id: string;
  secrets: Secret[];
  addAction: (id: string) => Promise<ActionResult<{ secret: string; secretId: string }>>;
  retireAction: (id: string, secretId: string) => Promise<ActionResult>;
}) {
  const router = useRouter();
  const [revealed, setRevealed] = useState<string | null>(null);
  const [retiring, setRetiring] = useState<Secret | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      {revealed && (
        <SecretReveal secret={revealed}>
          <Button variant="secondary" onClick={() => setRevealed(null)}>
            I have saved the secret
          </Button>
        </SecretReveal>
      )}
      {error && <Alert tone="error">{error}</Alert>}
      <ul className="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200" aria-label="HMAC secrets">
        {secrets.map((s, i) => (
          <li key={s.id} className="flex flex-wrap items-center justify-between gap-3 px-4 py-3 text-sm">
            <div>
              <p className="font-mono text-slate-900">{s.hint}</p>
              <p className="text-xs text-slate-500">
                Secret {i + 1} · added {new Date(s.created_at).toLocaleString()}
              </p>
            </div>
            <Button
              variant="ghost"
              className="text-red-700"
              disabled={secrets.length <= 1}
              title={secrets.length <= 1 ? "The last secret cannot be retired. Add a new one first." : undefined}
              onClick={() => setRetiring(s)}
            >
              Retire
            </Button>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-center gap-3">
        <Button
          variant="secondary"
          busy={busy && !retiring}
          disabled={secrets.length >= 2}
          onClick={async () => {
            setBusy(true);
            setError(null);
            const result = await addAction(id);
            setBusy(false);
            if (!result.ok) return setError(result.message);
            setRevealed(result.secret);
            router.refresh();
          }}
        >
          Add secret
        </Button>
        <p className="text-xs text-slate-500">
          {secrets.length >= 2
            ? "Two secrets are active: every request carries both signatures. Retire the old one once your receiver uses the new one."
            : "To rotate without downtime: add a second secret, update your receiver, then retire the old one."}
        </p>
      </div>
      <ConfirmDialog
        open={retiring !== null}
        title="Retire this secret?"
        confirmLabel="Retire secret"
        busy={busy}
        onCancel={() => setRetiring(null)}
        onConfirm={async () => {
          if (!retiring) return;
          setBusy(true);
          const result = await retireAction(id, retiring.id);
          setBusy(false);
          setRetiring(null);
          if (!result.ok) setError(result.message);
          router.refresh();
        }}
      >
        Requests stop carrying a signature made with the secret ending {retiring?.hint.slice(-4)}. Receivers still verifying with it will reject
        events.
      </ConfirmDialog>
    </div>
  );
}
