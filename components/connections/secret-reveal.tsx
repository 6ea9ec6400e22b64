import { Alert } from "../ui/alert";
import { CopyButton } from "../ui/copy-button";

/** A newly generated HMAC secret, shown this once. */
export function SecretReveal({ secret, children }: { secret: string; children?: React.ReactNode }) {
  return (
    <Alert tone="warning" title="Copy the signing secret now — it will not be shown again">
      <p>Save it in your destination (for example RunReveal&apos;s HMAC settings) to verify the X-Opal-Signature header.</p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <code data-testid="hmac-secret" className="break-all rounded bg-white px-2 py-1 font-mono text-xs ring-1 ring-amber-200">
          {secret}
        </code>
        <CopyButton value={secret} label="Copy secret" />
      </div>
      {children && <div className="mt-3">{children}</div>}
    </Alert>
  );
}
