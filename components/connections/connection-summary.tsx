import type { ConnectionDto } from "@/lib/connections/dto";
import { deliverySummary } from "./delivery-summary";

const AUTH_LABEL = { NONE: "None", API_KEY: "API Key", HMAC: "HMAC" } as const;

/** A connection's settings as read-only text (what members see instead of the edit form): hints, never secrets. */
export function ConnectionSummary({ connection: c }: { connection: ConnectionDto }) {
  return (
    <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
      <dt className="font-medium text-slate-900">Name</dt>
      <dd className="text-slate-700">{c.name}</dd>
      <dt className="font-medium text-slate-900">URL</dt>
      <dd className="break-all font-mono text-xs text-slate-700">{c.url}</dd>
      <dt className="font-medium text-slate-900">Delivery</dt>
      <dd className="text-slate-700">{deliverySummary(c)}</dd>
      <dt className="font-medium text-slate-900">Authorization</dt>
      <dd className="text-slate-700">{AUTH_LABEL[c.auth.type]}</dd>
      {c.auth.type === "API_KEY" && (
        <>
          <dt className="font-medium text-slate-900">Keys</dt>
          <dd>
            <ul className="space-y-1">
              {c.auth.keys.map((k) => (
                <li key={`${k.key}:${k.add_to}`} className="text-slate-700">
                  <span className="font-mono text-xs">{k.key}</span> as a {k.add_to === "HEADER" ? "header" : "query parameter"}, value ending{" "}
                  <span className="font-mono text-xs">{k.value_hint}</span>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
      {c.auth.type === "HMAC" && (
        <>
          <dt className="font-medium text-slate-900">HMAC secrets</dt>
          <dd>
            <ul className="space-y-1">
              {c.auth.hmac_secrets.map((s) => (
                <li key={s.id} className="text-slate-700">
                  <span className="font-mono text-xs">{s.hint}</span>, added {new Date(s.created_at).toLocaleString()}
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
    </dl>
  );
}
