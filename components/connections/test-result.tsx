import type { TestOutcome } from "./types";
import { Alert } from "../ui/alert";

/** What the destination did with the test event: status, latency, error, an excerpt of its answer. */
export function TestResult({ outcome, title }: { outcome: TestOutcome; title?: string }) {
  return (
    <Alert tone={outcome.ok ? "success" : "error"} title={title ?? (outcome.ok ? "Test event delivered" : "Test event failed")}>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1" data-testid="test-result">
        <dt className="font-medium">Status</dt>
        <dd>{outcome.status ?? "no response"}</dd>
        <dt className="font-medium">Latency</dt>
        <dd>{outcome.latency_ms} ms</dd>
        {outcome.error && (
          <>
            <dt className="font-medium">Error</dt>
            <dd>{outcome.error}</dd>
          </>
        )}
        {outcome.response_excerpt && (
          <>
            <dt className="font-medium">Response</dt>
            <dd>
              <pre className="max-h-32 overflow-auto whitespace-pre-wrap break-all rounded bg-white/60 p-2 font-mono text-xs">{outcome.response_excerpt}</pre>
            </dd>
          </>
        )}
      </dl>
    </Alert>
  );
}
