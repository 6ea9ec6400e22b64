import http from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verify } from "../../lib/delivery/hmac-signature";

// A real HTTP receiver on loopback, like a SIEM's intake: it records every request (headers, raw
// body, query) and answers with whatever the test asks for. Signature checks use production verify(),
// on the body re-serialised from the parsed JSON — exactly what the seed's sample receiver does — or,
// for batches, on the raw body after gunzip. It parses each delivery format into its events.

export type ReceivedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The body as the receiver reads it: gunzipped when sent with Content-Encoding: gzip. */
  rawBody: string;
  /** Bytes on the wire (compressed when gzipped). */
  wireBytes: number;
  json: unknown;
  /** The events of the request, whatever its format: the array, the NDJSON lines, the HEC envelopes' events, or the one event. */
  events: Array<Record<string, unknown>>;
  /** Splunk HEC envelopes as received (empty for other formats). */
  envelopes: Array<{ time: number; sourcetype: string; event: Record<string, unknown> }>;
  at: number;
  /** The status this receiver answered with. */
  status?: number;
};

export type Reply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

export type Receiver = {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** The most requests this receiver was answering at the same moment. */
  readonly maxConcurrent: number;
  /** Answer every following request this way (default 200). */
  respondWith: (reply: Reply | ((req: ReceivedRequest) => Reply)) => void;
  /** True when the request's X-Opal-Signature carries a valid signature for this secret. */
  verifies: (req: ReceivedRequest, secret: string) => boolean;
  /** The same over the raw (uncompressed) body, as a batch receiver checks it. */
  verifiesRaw: (req: ReceivedRequest, secret: string) => boolean;
  waitFor: (count: number, timeoutMs?: number) => Promise<ReceivedRequest[]>;
  close: () => Promise<void>;
};

export async function startReceiver(path = "/intake"): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let reply: Reply | ((req: ReceivedRequest) => Reply) = { status: 200, body: '{"ok":true}' };
  let active = 0;
  let maxConcurrent = 0;
  const server = http.createServer((req, res) => {
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    // 'finish' fires when the answer is handed to the OS, before the client can send its next
    // request; 'close' can come after that next request arrives and would count it as overlap.
    let counted = true;
    const done = () => {
      if (counted) active--;
      counted = false;
    };
    res.on("finish", done);
    res.on("close", done);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const wire = Buffer.concat(chunks);
      const rawBody = (req.headers["content-encoding"] === "gzip" ? gunzipSync(wire) : wire).toString("utf8");
      let json: unknown = undefined;
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
      const { events, envelopes } = parseEvents(rawBody, json, String(req.headers["content-type"] ?? ""));
      const url = new URL(req.url ?? "/", "http://receiver");
      const record: ReceivedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody,
        wireBytes: wire.length,
        json,
        events,
        envelopes,
        at: Date.now(),
      };
      requests.push(record);
      const r = typeof reply === "function" ? reply(record) : reply;
      record.status = r.status;
      const send = () => {
        res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
        res.end(r.body ?? "");
      };
      if (r.delayMs) setTimeout(send, r.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    respondWith: (r) => {
      reply = r;
    },
    verifies: (req, secret) =>
      verify(
        secret,
        {
          signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
          timestamp: req.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
        },
        JSON.stringify(req.json),
      ),
    verifiesRaw: (req, secret) =>
      verify(
        secret,
        {
          signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
          timestamp: req.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
        },
        req.rawBody,
      ),
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${requests.length} requests, expected ${count}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Objects concatenated with nothing (or whitespace) between them, as Splunk HEC takes a batch. */
export function splitConcatenatedJson(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

type Envelope = ReceivedRequest["envelopes"][number];

function parseEvents(rawBody: string, json: unknown, contentType: string): Pick<ReceivedRequest, "events" | "envelopes"> {
  if (contentType.startsWith("application/x-ndjson")) {
    return { events: rawBody.split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>), envelopes: [] };
  }
  if (Array.isArray(json)) return { events: json as Array<Record<string, unknown>>, envelopes: [] };
  if (rawBody.startsWith('{"time":')) {
    const envelopes = splitConcatenatedJson(rawBody) as Envelope[];
    return { events: envelopes.map((e) => e.event), envelopes };
  }
  return { events: json && typeof json === "object" ? [json as Record<string, unknown>] : [], envelopes: [] };
}
