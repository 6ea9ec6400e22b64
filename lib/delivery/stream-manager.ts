import pg from "pg";
import { enabledConnections } from "../connections/stream-state";
import { CONNECTIONS_CHANNEL, EVENTS_CHANNEL } from "../events/channels";
import { ConnectionStreamer, type StreamerDeps } from "./streamer";

/** A connection's advisory-lock key: the first 64 bits of its UUID. */
export function lockKey(connectionId: string): string {
  return BigInt.asIntN(64, BigInt(`0x${connectionId.replace(/-/g, "").slice(0, 16)}`)).toString();
}

type Running = { streamer: ConnectionStreamer; updatedAt: number };

/**
 * Runs the streamers of this worker process. A connection is streamed by whichever worker holds its
 * session advisory lock, so there is exactly one streamer per connection across all workers; when a
 * worker dies its database session ends, the lock is released at once, and another worker's next
 * reconcile (every `pollMs`) takes the connection over from its last written cursor.
 * LISTEN/NOTIFY wakes streamers within milliseconds of a commit; the poll is the fallback.
 */
export class StreamManager {
  private readonly running = new Map<string, Running>();
  private lockClient: pg.Client | null = null;
  private listenClient: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reconciling: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deps: StreamerDeps & { databaseUrl: string },
    private readonly options: { pollMs?: number } = {},
  ) {}

  async start(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => this.reconcileSoon(), this.options.pollMs ?? 500);
    // Reconciles never overlap: advisory locks are re-entrant within a session, so two concurrent
    // passes could both "win" the same connection.
    this.reconcileSoon();
    await this.reconciling;
  }

  /** Connection ids this worker streams now. */
  get owned(): string[] {
    return [...this.running.keys()];
  }

  streamer(connectionId: string): ConnectionStreamer | undefined {
    return this.running.get(connectionId)?.streamer;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.reconciling;
    await Promise.all([...this.running.values()].map((r) => r.streamer.stop()));
    this.running.clear();
    await this.lockClient?.end().catch(() => undefined);
    await this.listenClient?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    await this.connectLock();
    await this.connectListen();
  }

  private async connectLock(): Promise<void> {
    const lock = new pg.Client({ connectionString: this.deps.databaseUrl, application_name: "tributary-stream-locks" });
    lock.on("error", (err) => this.lostLocks(lock, err));
    lock.on("end", () => this.lostLocks(lock, new Error("lock connection ended")));
    await lock.connect();
    this.lockClient = lock;
  }

  private async connectListen(): Promise<void> {
    const listen = new pg.Client({ connectionString: this.deps.databaseUrl, application_name: "tributary-stream-listen" });
    listen.on("notification", (msg) => {
      if (msg.channel === EVENTS_CHANNEL) {
        for (const r of this.running.values()) if (r.streamer.organizationId === msg.payload) r.streamer.wake();
      } else if (msg.channel === CONNECTIONS_CHANNEL) {
        this.running.get(msg.payload ?? "")?.streamer.reload();
        this.reconcileSoon();
      }
    });
    const lost = (err: Error) => {
      if (this.listenClient !== listen || this.stopped) return;
      this.deps.logger.warn({ err }, "LISTEN connection lost; polling until it is back");
      this.listenClient = null;
      listen.end().catch(() => undefined);
    };
    listen.on("error", lost);
    listen.on("end", () => lost(new Error("listen connection ended")));
    await listen.connect();
    await listen.query(`LISTEN ${EVENTS_CHANNEL}`);
    await listen.query(`LISTEN ${CONNECTIONS_CHANNEL}`);
    this.listenClient = listen;
  }

  /** The lock session is gone, so another worker may already stream these connections: stop at once. */
  private lostLocks(client: pg.Client, err: Error): void {
    if (this.lockClient !== client || this.stopped) return;
    this.deps.logger.error({ err }, "lost the stream-lock connection; stopping this worker's streamers");
    this.lockClient = null;
    const streamers = [...this.running.values()];
    this.running.clear();
    for (const r of streamers) void r.streamer.stop();
    client.end().catch(() => undefined);
  }

  private reconcileSoon(): void {
    if (this.stopped) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = this.reconcile()
      .catch((err) => this.deps.logger.error({ err }, "stream reconcile failed"))
      .finally(() => {
        this.reconciling = null;
        if (this.again) {
          this.again = false;
          this.reconcileSoon();
        }
      });
  }

  /** Starts streamers for enabled connections nobody streams, stops those disabled or deleted. */
  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    // After losing a session, reconnect; a new lock session starts only once the old streamers are gone.
    if (!this.lockClient && this.running.size === 0) await this.connectLock();
    if (!this.listenClient) await this.connectListen().catch((err) => this.deps.logger.warn({ err }, "could not LISTEN; polling"));
    const lock = this.lockClient;
    if (!lock) return;
    const wanted = new Map((await enabledConnections(this.deps.pool)).map((r) => [r.id, r]));
    for (const [id, r] of this.running) {
      const row = wanted.get(id);
      if (!row) {
        this.running.delete(id);
        void r.streamer.stop().then(() => lock.query("SELECT pg_advisory_unlock($1::bigint)", [lockKey(id)]).catch(() => undefined));
      } else if (row.updated_at.getTime() !== r.updatedAt) {
        r.updatedAt = row.updated_at.getTime();
        r.streamer.reload();
      }
    }
    for (const [id, row] of wanted) {
      if (this.running.has(id) || this.stopped) continue;
      const got = await lock.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [lockKey(id)]);
      if (!got.rows[0]?.ok) continue;
      const streamer = new ConnectionStreamer(this.deps, id, row.organization_id);
      if (await streamer.start()) {
        this.running.set(id, { streamer, updatedAt: row.updated_at.getTime() });
        this.deps.logger.info({ connectionId: id }, "streaming connection");
      } else {
        await lock.query("SELECT pg_advisory_unlock($1::bigint)", [lockKey(id)]);
      }
    }
  }
}
