import pg from "pg";
import {
  connectionsUpdatedSinceSql,
  enabledConnectionsInSlots,
  type StreamedConnection,
  streamedConnection,
} from "../connections/stream-state";
import { CONNECTIONS_CHANNEL, EVENTS_CHANNEL, WORKERS_CHANNEL } from "../events/channels";
import { CursorWriter } from "../connections/cursor-writer";
import { type LoadedTarget, loadTargets, openSecrets } from "../connections/target";
import { LATEST_SEQ_SQL, organizationsWithEventsAfter, organizationsWithEventsAfterEach, readEventsAfterCursors } from "../events/event-store";
import { takeOverRetryingEach } from "../failures/failure-store";
import { claimPresence, LIVE_WORKERS_SQL, SLOT_LOCK } from "../worker-presence";
import { assignSlots, slotOf } from "./stream-slots";
import { ConnectionStreamer, type StreamerDeps } from "./streamer";

export type StreamManagerOptions = {
  /**
   * How often the manager asks PostgreSQL which workers are alive, how far the event sequence has
   * gone and which connections changed: its one query per interval when idle. A dead worker's
   * slots are taken over within about this long.
   */
  tickMs?: number;
  /** How often streamers with nothing to do are stopped (after two idle looks) until events come. */
  sweepMs?: number;
};

/** A connection in one of this worker's slots; its streamer runs only while it has work. */
type Owned = {
  id: string;
  organizationId: string;
  slot: number;
  updatedMs: number;
  /** Where the next read starts while no streamer runs: the cursor when taken over, or where the last streamer stopped. */
  position: bigint;
  streamer: ConnectionStreamer | null;
  /** Waiting for its group start (queued, in a group in flight, or after its previous streamer). */
  starting: boolean;
  wokenWhileStarting: boolean;
  changedWhileStarting: boolean;
  idleSweeps: number;
};

// A notification missed while LISTEN was down is caught by comparing updated_at over this window
// (the web app stamps updated_at with its own clock).
const CHANGE_WINDOW_MS = 60_000;
// Groups of streamers starting at once; kicks meanwhile gather for the next group.
const STARTS_IN_FLIGHT = 2;
// At most this many streamers start in one group, each with at most FIRST_READ events read for it
// (a worker taking over thousands of connections with backlogs starts them in bounded steps).
const GROUP_MAX = 128;
const FIRST_READ = 100;

/**
 * Runs this worker's share of the streamers. Connections fall into SLOT_COUNT slots; live workers
 * (each holds a presence advisory lock) share the slots by rendezvous hashing, and a worker streams
 * the connections of a slot only while it holds that slot's session advisory lock (the fence: one
 * streamer per connection across all workers). When a worker dies its session ends, its locks go
 * with it, and the others take its slots at their next tick.
 *
 * Nothing here costs anything per connection while idle: a connection's streamer is started when
 * its organization's events arrive (LISTEN/NOTIFY names the organization) and stopped again once
 * idle. The fallback for a missed notification is part of the one tick query per worker: when the
 * sequence moved, one more query asks which organizations have events since (a BRIN index scan of
 * what was written), never one query per connection.
 */
export class StreamManager {
  private control: pg.Client | null = null;
  private listen: pg.Client | null = null;
  private key: number | null = null;
  private members: number[] = [];
  private mine = new Set<number>();
  private readonly held = new Set<number>();
  private readonly releasing = new Map<number, Promise<void>>();
  private readonly entries = new Map<string, Owned>();
  private readonly byOrg = new Map<string, Set<string>>();
  /** Streamers of connections that left this worker, still finishing their requests in flight. */
  private readonly stopping = new Map<string, Promise<void>>();
  private connectionChanges: Promise<void> = Promise.resolve();
  private controlQueue: Promise<unknown> = Promise.resolve();
  private tickTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private stopped = false;
  /** The last sequence number drawn, at the last three ticks (oldest first). */
  private seqs: bigint[] = [];
  private changesSince: Date | null = null;
  private resyncNeeded = false;
  /** Connections kicked with no streamer, waiting for the next group start. */
  private readonly toStart = new Set<Owned>();
  /** Group starts in flight. */
  private readonly groups = new Set<Promise<void>>();
  private startsScheduled = false;
  private startsInFlight = 0;

  /** What its streamers share: the worker's pool, HTTP client and cursor writer. */
  private readonly streamerDeps: StreamerDeps & { cursors: CursorWriter };

  constructor(
    private readonly deps: StreamerDeps & { databaseUrl: string },
    private readonly options: StreamManagerOptions = {},
  ) {
    this.streamerDeps = { ...deps, cursors: new CursorWriter(deps.pool) };
  }

  async start(): Promise<void> {
    this.tickSoon();
    await this.ticking;
    this.tickTimer = setInterval(() => this.tickSoon(), this.options.tickMs ?? 1_000);
    this.sweepTimer = setInterval(() => this.sweep(), this.options.sweepMs ?? 30_000);
  }

  /** Connection ids in this worker's slots now (streaming or idle). */
  get owned(): string[] {
    return [...this.entries.keys()];
  }

  /** The slots this worker holds. */
  get slots(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  /** This worker's presence key (null while it has no control session). */
  get workerKey(): number | null {
    return this.key;
  }

  /** The running streamer of a connection, if it has one now. */
  streamer(connectionId: string): ConnectionStreamer | undefined {
    return this.entries.get(connectionId)?.streamer ?? undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.ticking;
    await this.connectionChanges;
    for (const entry of [...this.entries.values()]) this.drop(entry);
    await Promise.all([...this.stopping.values(), ...this.releasing.values(), ...this.groups]);
    const wasPresent = this.control !== null;
    await this.control?.end().catch(() => undefined);
    await this.listen?.end().catch(() => undefined);
    this.control = null;
    this.listen = null;
    // The others would see this worker gone at their next tick; tell them now.
    if (wasPresent) await this.deps.pool.query("SELECT pg_notify($1, 'left')", [WORKERS_CHANNEL]).catch(() => undefined);
  }

  // --- sessions -------------------------------------------------------------------------------

  private async connectControl(): Promise<void> {
    // The server notices a vanished worker machine within seconds (keepalives), not hours, and frees its slots.
    const control = new pg.Client({
      connectionString: this.deps.databaseUrl,
      application_name: "tributary-stream-control",
      keepAlive: true,
      options: "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3",
    });
    control.on("error", (err) => this.lostControl(control, err));
    control.on("end", () => this.lostControl(control, new Error("control connection ended")));
    await control.connect();
    try {
      this.key = await claimPresence(control);
    } catch (err) {
      await control.end().catch(() => undefined);
      throw err;
    }
    this.control = control;
    this.members = [];
    this.seqs = [];
    await control.query("SELECT pg_notify($1, $2)", [WORKERS_CHANNEL, `joined ${this.key}`]);
  }

  /** The control session is gone with its locks: another worker may stream these connections already. */
  private lostControl(client: pg.Client, err: Error): void {
    if (this.control !== client || this.stopped) return;
    this.deps.logger.error({ err }, "lost the stream control connection; stopping this worker's streamers");
    this.control = null;
    this.key = null;
    this.held.clear();
    this.mine = new Set();
    for (const entry of [...this.entries.values()]) this.drop(entry);
    client.end().catch(() => undefined);
  }

  private async connectListen(): Promise<void> {
    const listen = new pg.Client({ connectionString: this.deps.databaseUrl, application_name: "tributary-stream-listen", keepAlive: true });
    listen.on("notification", (msg) => this.notified(msg.channel, msg.payload ?? ""));
    const lost = (err: Error) => {
      if (this.listen !== listen || this.stopped) return;
      this.deps.logger.warn({ err }, "LISTEN connection lost; the tick's fallback finds new events until it is back");
      this.listen = null;
      listen.end().catch(() => undefined);
    };
    listen.on("error", lost);
    listen.on("end", () => lost(new Error("listen connection ended")));
    await listen.connect();
    await listen.query(`LISTEN ${EVENTS_CHANNEL}; LISTEN ${CONNECTIONS_CHANNEL}; LISTEN ${WORKERS_CHANNEL}`);
    this.listen = listen;
  }

  private notified(channel: string, payload: string): void {
    if (channel === EVENTS_CHANNEL) {
      for (const id of this.byOrg.get(payload) ?? []) this.kick(this.entries.get(id)!);
    } else if (channel === CONNECTIONS_CHANNEL) {
      this.connectionChanged(payload);
    } else if (channel === WORKERS_CHANNEL) {
      this.tickSoon();
    }
  }

  // --- the tick --------------------------------------------------------------------------------

  private tickSoon(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err) => this.deps.logger.error({ err }, "stream tick failed"))
      .finally(() => {
        this.ticking = null;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.tickSoon();
        }
      });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (!this.control) {
      // A new control session only once the streamers of the lost one have stopped.
      if (this.stopping.size > 0) return;
      await this.connectControl();
    }
    if (!this.listen) {
      const wasListening = this.changesSince !== null;
      await this.connectListen().catch((err) => this.deps.logger.warn({ err }, "could not LISTEN; the tick's fallback finds new events"));
      // Notifications sent while it was down are lost: look at everything this worker streams once.
      if (this.listen && wasListening) this.resyncNeeded = true;
    }
    const control = this.control!;
    const { rows } = await this.onControl(() =>
      control.query<{ workers: number[]; seq: string; at: Date; changed: StreamedConnection[] }>(
        `SELECT (${LIVE_WORKERS_SQL}) AS workers, (${LATEST_SEQ_SQL})::text AS seq, now() AS at,
                CASE WHEN $1::timestamptz IS NULL THEN '[]'::json ELSE (${connectionsUpdatedSinceSql("$1")}) END AS changed`,
        [this.changesSince],
      ),
    );
    const { workers, seq, at, changed } = rows[0]!;
    this.changesSince = new Date(at.getTime() - CHANGE_WINDOW_MS);

    const members = [...new Set([...workers, this.key!])].sort((a, b) => a - b);
    if (members.join() !== this.members.join()) {
      this.members = members;
      this.mine = new Set(assignSlots(members).get(this.key!) ?? []);
    }
    for (const slot of this.held) if (!this.mine.has(slot) && !this.releasing.has(slot)) this.release(slot);
    // Slots this worker should have but another still holds are tried again each tick until it lets go.
    const missing = [...this.mine].filter((s) => !this.held.has(s) && !this.releasing.has(s));
    if (missing.length > 0) await this.acquire(control, missing);

    this.connectionsChanged(changed);

    this.seqs.push(BigInt(seq));
    if (this.seqs.length > 3) this.seqs.shift();
    // Events written since two ticks ago (a transaction may commit a little after it drew its number).
    if (this.seqs.at(-1)! > this.seqs[0]!) {
      for (const [organizationId, newest] of await this.onControl(() => organizationsWithEventsAfter(control, this.seqs[0]!))) {
        for (const id of this.byOrg.get(organizationId) ?? []) {
          const entry = this.entries.get(id)!;
          if ((entry.streamer?.readPosition ?? entry.position) < newest) this.kick(entry);
        }
      }
    }
    if (this.resyncNeeded) {
      this.resyncNeeded = false;
      await this.resync();
    }
  }

  /**
   * Runs a statement on the control session after the ones before it (a slot released in the
   * background and the tick share the session; node-postgres's own queueing of concurrent queries on
   * one client is deprecated).
   */
  private onControl<T>(run: () => Promise<T>): Promise<T> {
    const result = this.controlQueue.then(run, run);
    this.controlQueue = result.catch(() => undefined);
    return result;
  }

  // --- slots -----------------------------------------------------------------------------------

  private async acquire(control: pg.Client, slots: number[]): Promise<void> {
    const { rows } = await this.onControl(() =>
      control.query<{ slot: number }>(`SELECT s AS slot FROM unnest($1::int[]) AS s WHERE pg_try_advisory_lock(${SLOT_LOCK}, s)`, [slots]),
    );
    const got = rows.map((r) => r.slot);
    if (got.length === 0) return;
    for (const slot of got) this.held.add(slot);
    const connections = await enabledConnectionsInSlots(this.deps.pool, got);
    const adopted = connections.map((c) => this.adopt(c)).filter((e): e is Owned => e !== null);
    await this.catchUp(adopted);
    this.deps.logger.info({ slots: got.length, connections: adopted.length, held: this.held.size }, "took stream slots");
  }

  /** Stops the streamers of a slot, writes their cursors, then unlocks it for its new owner. */
  private release(slot: number): void {
    this.held.delete(slot);
    const leaving = [...this.entries.values()].filter((e) => e.slot === slot);
    for (const entry of leaving) this.drop(entry);
    const control = this.control;
    const done = Promise.all(leaving.map((e) => this.stopping.get(e.id)))
      .then(() => control && this.onControl(() => control.query(`SELECT pg_advisory_unlock(${SLOT_LOCK}, $1)`, [slot])))
      .then(() => control && this.onControl(() => control.query("SELECT pg_notify($1, 'released')", [WORKERS_CHANNEL])))
      .then(() => undefined)
      .catch((err) => this.deps.logger.warn({ err, slot }, "releasing a stream slot failed"))
      .finally(() => this.releasing.delete(slot));
    this.releasing.set(slot, done);
  }

  /** After LISTEN was down: the enabled connections of the held slots as they are now, and any backlog. */
  private async resync(): Promise<void> {
    const current = await enabledConnectionsInSlots(this.deps.pool, [...this.held]);
    const ids = new Set(current.map((c) => c.id));
    for (const entry of [...this.entries.values()]) if (!ids.has(entry.id)) this.drop(entry);
    this.connectionsChanged(current);
    await this.connectionChanges;
    await this.catchUp([...this.entries.values()]);
  }

  // --- connections -----------------------------------------------------------------------------

  private adopt(c: StreamedConnection): Owned | null {
    if (!c.enabled || this.entries.has(c.id) || !this.held.has(slotOf(c.id))) return null;
    const entry: Owned = {
      id: c.id,
      organizationId: c.organization_id,
      slot: slotOf(c.id),
      updatedMs: c.updated_ms,
      position: BigInt(c.cursor),
      streamer: null,
      starting: false,
      wokenWhileStarting: false,
      changedWhileStarting: false,
      idleSweeps: 0,
    };
    this.entries.set(c.id, entry);
    let ids = this.byOrg.get(c.organization_id);
    if (!ids) this.byOrg.set(c.organization_id, (ids = new Set()));
    ids.add(c.id);
    return entry;
  }

  /** Takes the connection out of this worker; its streamer (if any) stops in the background. */
  private drop(entry: Owned): void {
    if (this.entries.get(entry.id) !== entry) return;
    this.entries.delete(entry.id);
    const ids = this.byOrg.get(entry.organizationId);
    ids?.delete(entry.id);
    if (ids?.size === 0) this.byOrg.delete(entry.organizationId);
    // A group start in flight sees it gone and gives it no streamer.
    entry.starting = false;
    this.toStart.delete(entry);
    const previous = this.stopping.get(entry.id);
    const stopped = Promise.resolve(previous)
      .then(() => entry.streamer?.stop())
      .catch((err) => this.deps.logger.error({ err, connectionId: entry.id }, "stopping a streamer failed"))
      .finally(() => {
        if (this.stopping.get(entry.id) === stopped) this.stopping.delete(entry.id);
      });
    this.stopping.set(entry.id, stopped);
  }

  /** Wakes the connection's streamer, starting one if it has none. */
  private kick(entry: Owned | undefined): void {
    if (!entry || this.stopped) return;
    if (entry.streamer) {
      entry.streamer.wake();
      return;
    }
    if (entry.starting) {
      entry.wokenWhileStarting = true;
      return;
    }
    entry.starting = true;
    this.toStart.add(entry);
    this.startSoon();
  }

  /**
   * Starts the streamers kicked since the last start together: one query loads all their
   * connections, one takes over their retrying attempts and one reads their organizations' first
   * events, whatever their number. While STARTS_IN_FLIGHT groups are starting, kicks gather for the
   * next, so a burst of organizations waking at once costs a few round trips, not four per connection.
   */
  private startSoon(): void {
    if (this.startsScheduled || this.startsInFlight >= STARTS_IN_FLIGHT || this.toStart.size === 0) return;
    this.startsScheduled = true;
    // Kicks of the same notification burst (and the tick's fallback) join this group.
    setImmediate(() => {
      this.startsScheduled = false;
      const group: Owned[] = [];
      for (const entry of this.toStart) {
        if (group.length === GROUP_MAX) break;
        group.push(entry);
      }
      for (const entry of group) this.toStart.delete(entry);
      if (group.length === 0) return;
      this.startsInFlight++;
      this.startSoon();
      const run: Promise<void> = this.startGroup(group)
        .catch((err) => {
          this.deps.logger.error({ err, connections: group.length }, "starting streamers failed; trying again in 1 s");
          this.startLater(group.filter((e) => this.isStarting(e)));
        })
        .finally(() => {
          this.groups.delete(run);
          this.startsInFlight--;
          this.startSoon();
        });
      this.groups.add(run);
    });
  }

  private async startGroup(group: readonly Owned[]): Promise<void> {
    const ready: Owned[] = [];
    for (const entry of group) {
      if (!this.isStarting(entry)) continue;
      const previous = this.stopping.get(entry.id);
      if (!previous) {
        ready.push(entry);
        continue;
      }
      // Its previous streamer (dropped, or retired a moment ago) writes its cursor first; then it
      // joins a later group, without holding this one up.
      void previous.then(() => {
        if (!this.isStarting(entry)) return;
        this.toStart.add(entry);
        this.startSoon();
      });
    }
    if (ready.length === 0) return;
    for (const entry of ready) {
      entry.wokenWhileStarting = false;
      entry.changedWhileStarting = false;
    }
    const { pool, box, delivery, logger } = this.deps;
    // Three statements at once, each reading the cursors as they are (no streamer of these runs now).
    const ids = ready.map((e) => e.id);
    const readLimit = Math.min(FIRST_READ, delivery.batchSize);
    const [found, earlier, reads] = await Promise.allSettled([
      loadTargets(pool, ready),
      takeOverRetryingEach(pool, ids),
      readEventsAfterCursors(pool, ids, readLimit),
    ]);
    if (found.status === "rejected" || earlier.status === "rejected") {
      this.startLater(ready, found.status === "rejected" ? found.reason : earlier.status === "rejected" ? earlier.reason : null);
      return;
    }
    // Without the first read each streamer reads for itself (and retries that on its own).
    if (reads.status === "rejected") logger.warn({ err: reads.reason }, "the first read of starting streamers failed; each reads on its own");
    const loaded = new Map<string, LoadedTarget>();
    for (const entry of ready) {
      const open = found.value.get(entry.id);
      if (!open) {
        // Deleted meanwhile (its notification drops it too).
        this.drop(entry);
        continue;
      }
      try {
        loaded.set(entry.id, open(openSecrets(box)));
      } catch (err) {
        logger.error({ err, connectionId: entry.id }, "could not open the connection's secrets; trying again with the next events");
        entry.starting = false;
      }
    }
    const starting = ready.filter((e) => loaded.has(e.id));
    let started = 0;
    for (const entry of starting) {
      if (!this.isStarting(entry) || this.stopped) continue;
      entry.starting = false;
      const target = loaded.get(entry.id)!;
      const taken = earlier.value.get(entry.id);
      if (taken?.cursor !== target.cursor) {
        // The cursor moved between the two statements (enabled again and skipped ahead): start again.
        entry.starting = true;
        this.deps.logger.info({ connectionId: entry.id }, "the cursor moved while the streamer was starting; starting it again in 1 s");
        this.startLater([entry]);
        continue;
      }
      const read = reads.status === "fulfilled" ? reads.value.get(entry.organizationId) : undefined;
      const streamer = new ConnectionStreamer(this.streamerDeps, entry.id, entry.organizationId);
      try {
        streamer.begin({ loaded: target, earlierAttempts: taken.attempts, firstRead: read && { ...read, full: read.events.length === readLimit } });
      } catch (err) {
        logger.error({ err, connectionId: entry.id }, "could not start a streamer; trying again with the next events");
        continue;
      }
      entry.streamer = streamer;
      entry.idleSweeps = 0;
      started++;
      if (entry.wokenWhileStarting) streamer.wake();
      // Edited after the load read it: read it again.
      if (entry.changedWhileStarting) streamer.reload();
    }
    logger.debug({ connections: started, group: group.length }, "streamers started");
  }

  /** Still this worker's and waiting for its start (not dropped meanwhile). */
  private isStarting(entry: Owned): boolean {
    return entry.starting && this.entries.get(entry.id) === entry;
  }

  /** A group start failed (`err`) or must be done again: its connections are kicked again in a second. */
  private startLater(entries: readonly Owned[], err?: unknown): void {
    if (this.stopped || entries.length === 0) return;
    if (err !== undefined) this.deps.logger.error({ err, connections: entries.length }, "could not start streamers; trying again in 1 s");
    setTimeout(() => {
      for (const entry of entries) {
        if (!this.isStarting(entry)) continue;
        entry.starting = false;
        this.kick(entry);
      }
    }, 1_000).unref();
  }

  /** Starts the streamers of these connections that have events after their position. */
  private async catchUp(entries: readonly Owned[]): Promise<void> {
    const positions = new Map<string, bigint>();
    for (const e of entries) {
      const p = e.streamer?.readPosition ?? e.position;
      const known = positions.get(e.organizationId);
      if (known === undefined || p < known) positions.set(e.organizationId, p);
    }
    const behind = await organizationsWithEventsAfterEach(this.deps.pool, positions);
    for (const e of entries) if (behind.has(e.organizationId)) this.kick(e);
  }

  /** A connection was created, changed, enabled, disabled or deleted (notified: its row is read). */
  private connectionChanged(id: string): void {
    this.connectionChanges = this.connectionChanges
      .then(async () => {
        if (this.stopped) return;
        const row = await streamedConnection(this.deps.pool, id);
        await this.applyChanges(row ? [row] : [], row ? [] : [id]);
      })
      .catch((err) => this.deps.logger.error({ err, connectionId: id }, "could not apply a connection change"));
  }

  /** Connections changed, as they are now (the tick's list of those updated lately). */
  private connectionsChanged(rows: readonly StreamedConnection[]): void {
    if (rows.length === 0) return;
    this.connectionChanges = this.connectionChanges
      .then(() => (this.stopped ? undefined : this.applyChanges(rows, [])))
      .catch((err) => this.deps.logger.error({ err }, "could not apply connection changes"));
  }

  /**
   * Applies connection rows as they are now (and ids that no longer exist). A connection new to this
   * worker is only adopted: its streamer starts if it has events to send (one query for all of them),
   * so a bulk import of connections starts no streamer.
   */
  private async applyChanges(rows: readonly StreamedConnection[], deleted: readonly string[]): Promise<void> {
    for (const id of deleted) {
      const entry = this.entries.get(id);
      if (entry) this.drop(entry);
    }
    const adopted: Owned[] = [];
    for (const row of rows) {
      const entry = this.entries.get(row.id);
      if (!row.enabled) {
        if (entry) this.drop(entry);
        continue;
      }
      if (entry && BigInt(row.cursor) > (entry.streamer?.cursor ?? entry.position)) {
        // Someone else moved the cursor (enabled again after 7 days: it skips to the latest events).
        this.drop(entry);
        const again = this.adopt(row);
        if (again) adopted.push(again);
      } else if (!entry) {
        // New, or enabled again: it may have a backlog.
        const added = this.adopt(row);
        if (added) adopted.push(added);
      } else if (row.updated_ms !== entry.updatedMs) {
        entry.updatedMs = row.updated_ms;
        if (entry.streamer) entry.streamer.reload();
        else if (entry.starting) entry.changedWhileStarting = true;
      }
    }
    if (adopted.length > 0) await this.catchUp(adopted);
  }

  /** Stops streamers idle at two looks in a row; their connections cost nothing until events come. */
  private sweep(): void {
    for (const entry of this.entries.values()) {
      const streamer = entry.streamer;
      if (!streamer || !streamer.idle) {
        entry.idleSweeps = 0;
        continue;
      }
      if (++entry.idleSweeps < 2) continue;
      entry.streamer = null;
      entry.position = streamer.readPosition;
      entry.idleSweeps = 0;
      const previous = this.stopping.get(entry.id);
      const stopped = Promise.all([previous, streamer.stop()])
        .then(() => undefined)
        .catch((err) => this.deps.logger.error({ err, connectionId: entry.id }, "stopping an idle streamer failed"))
        .finally(() => {
          if (this.stopping.get(entry.id) === stopped) this.stopping.delete(entry.id);
        });
      this.stopping.set(entry.id, stopped);
    }
  }
}
