// Recovery across instances (`createServer({ recovery, adapter })` with an adapter that has
// a `recoveryStore`, as the Redis one does). The session lives in the store while the
// connection is live, so an instance that is SIGKILLed leaves it behind; each instance
// numbers what it sends (its origin, a local counter: no round trip before delivery) and
// appends it to its own bounded log in the store. A client that comes back anywhere names
// the last number it received of each origin; the instance it reaches reads the logs after
// them, replays what was meant for the session, and only then subscribes the new socket.
// See docs/recovery.md.
import type { Adapter, RecoveryStore } from "./adapter.ts";
import type { Connection, ServerCore } from "./connection.ts";
import { connectionId, ID_LENGTH } from "./id.ts";
import { json } from "../core/frames.ts";
import { HELLO, MAX_ORIGINS, SEQ } from "../core/protocol.ts";
import { background } from "../core/liveness.ts";
import { recoveryOptions, type Marks, type RecoveryOptions, type Session } from "./recovery.ts";
import type { State } from "./types.ts";

/** A session whose record is in the store. */
export interface SharedSession extends Session {
  /** The token's SHA-256 (hex): what the store keeps. */
  readonly hash: Promise<string>;
  /** The store's epoch when the session began (see `RecoveryStore.read`). */
  epoch: string | undefined;
  /** The record was written once (or taken): later writes go over the same hash only. */
  created: boolean;
  /** No longer in the store (taken by another socket, or the store lost it): nothing more is written. */
  lost: boolean;
  /** When the window of a dropped session ends (`Date.now()` ms). */
  expires: number | undefined;
  /** Writes, one after another; `queued` is the next one, which reads the session when it runs. */
  chain: Promise<void>;
  queued: Promise<void> | undefined;
}

/** What the store keeps of a session (JSON): its epoch, topics with their marks, its state and presence metas. */
interface SessionRecord {
  e?: string;
  t: [string, Marks][];
  s?: State;
  /** Topic → meta JSON (server/presence.ts). */
  p?: [string, string][];
}

/** A frame that reached this instance while a session was being recovered here. */
interface Captured {
  readonly topic: string;
  readonly origin: string;
  readonly k: number;
  readonly frame: string;
  readonly from: string | undefined;
}

interface Recovering {
  readonly id: string;
  readonly topics: ReadonlySet<string>;
  readonly frames: Captured[];
}

const TOKEN_LENGTH = 2 * ID_LENGTH;
const SEQ_PREFIX = `[${SEQ},`;
const DONE = Promise.resolve();

export class SharedRecovery {
  readonly window: number;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxSessions: number;
  /** How often live sessions' expiry is pushed on; a live record is kept `window + refresh` ms. */
  private readonly refreshEvery: number;
  private core!: ServerCore;
  private readonly live = new Set<Connection>();
  /** Dropped sessions this instance wrote, oldest first (for `maxSessions`). */
  private readonly dropped = new Map<string, { hash: Promise<string>; expires: number }>();
  private recovering: Recovering[] = [];
  private readonly writes = new Set<Promise<void>>();
  /** Every origin's latest number known at the last two refreshes, the older first. */
  private snapshots: Map<string, number>[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  /** With an adapter that has a store: recovery across instances. */
  static over(adapter: Adapter | undefined, options: RecoveryOptions | true): SharedRecovery | undefined {
    if (!adapter?.recoveryStore) return undefined;
    const { window, maxMessages, maxBytes, maxSessions } = recoveryOptions(options);
    return new SharedRecovery(adapter.recoveryStore({ window, maxMessages }), window, maxMessages, maxBytes, maxSessions);
  }

  private constructor(
    readonly store: RecoveryStore,
    window: number,
    maxMessages: number,
    maxBytes: number,
    maxSessions: number,
  ) {
    this.window = window;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    this.maxSessions = maxSessions;
    this.refreshEvery = Math.max(100, Math.min(window / 2, 30_000));
    this.timer = background(setInterval(() => void this.refresh(), this.refreshEvery));
    store.onReset(() => {
      // The store lost every session: the live ones can no longer be recovered (a fresh session on their next socket).
      for (const connection of this.live) (connection.session as SharedSession).lost = true;
      this.dropped.clear();
    });
  }

  attach(core: ServerCore): void {
    this.core = core;
  }

  // ── Numbering ─────────────────────────────────────────────────────────────

  /** Numbers this instance's `frame` for `topic`'s subscribers and logs it: the SEQ frame to send. */
  record(topic: string, frame: string, from?: string): string {
    const k = this.store.next();
    const origin = this.store.origin;
    const wrapped = `${SEQ_PREFIX}${k},${frame},"${origin}"]`;
    this.store.append(k, topic, wrapped, from);
    if (this.recovering.length) this.capture({ topic, origin, k, frame: wrapped, from });
    return wrapped;
  }

  /** Another instance's frame for `topic`: a SEQ frame numbered there, delivered as it is; undefined for one that is not. */
  received(topic: string, frame: string): string | undefined {
    if (!frame.startsWith(SEQ_PREFIX) || frame.charCodeAt(frame.length - 12) !== 44) return undefined; // ends `,"<origin>"]`
    const k = Number(frame.slice(SEQ_PREFIX.length, frame.indexOf(",", SEQ_PREFIX.length)));
    const origin = frame.slice(-10, -2);
    if (Number.isSafeInteger(k)) this.store.heard(origin, k);
    if (this.recovering.length) this.capture({ topic, origin, k, frame, from: undefined });
    return frame;
  }

  /** Where a subscription begins: each origin's latest number known here (a lower bound of what it sent before). */
  mark(): Marks {
    const marks: Record<string, number> = { [this.store.origin]: this.store.current };
    for (const [origin, k] of this.store.known) marks[origin] = k;
    return marks;
  }

  private capture(frame: Captured): void {
    // One more than the bound is enough to know the session is past it.
    for (const r of this.recovering) if (r.topics.has(frame.topic) && frame.from !== r.id && r.frames.length <= this.maxMessages) r.frames.push(frame);
  }

  // ── Sessions ──────────────────────────────────────────────────────────────

  private open(id: string, recovered: boolean): SharedSession {
    const token = id + connectionId();
    return { token, hash: hashToken(token), topics: undefined, since: 0, recovered, epoch: this.store.epoch, created: recovered, lost: false, expires: undefined, chain: DONE, queued: undefined };
  }

  /** The session's topics or state changed: it is written soon (once for every change in the same tick); resolves once written or failed. */
  touch(connection: Connection): Promise<void> {
    const session = connection.session as SharedSession | undefined;
    if (!session || session.lost) return DONE;
    if (session.queued) return session.queued;
    const queued = (session.queued = session.chain.then(() => {
      session.queued = undefined;
      return this.write(connection, session);
    }));
    session.chain = queued;
    this.track(queued);
    return queued;
  }

  /** Writes what the session is now: live, dropped (for what is left of its window) or ended. */
  private async write(connection: Connection, session: SharedSession, end = false): Promise<void> {
    if (session.lost || connection.session !== session) return;
    const live = connection.phase !== "closed";
    const ttl = live ? this.window + this.refreshEvery : (session.expires ?? 0) - Date.now();
    if (!live && !session.created) return; // never reached the store: nothing to drop or end
    try {
      const record = end || ttl <= 0 ? undefined : this.recordOf(connection, session);
      const outcome = await this.store.save(connection.id, await session.hash, record, Math.max(ttl, 1), !session.created);
      if (outcome === "ok") session.created = true;
      else if (outcome === "taken") this.evict(connection, session);
      else session.lost = true;
    } catch {} // the store is unreachable (the adapter reports it): the next change, or the refresh, tries again (never rejects: the chain goes on)
  }

  /** The session as the store keeps it: JSON, so a `get`/`set` state JSON cannot carry is reported and not kept (never changed). */
  private recordOf(connection: Connection, session: SharedSession): string {
    const record: SessionRecord = { t: [...(session.topics ?? [])] as [string, Marks][] };
    if (session.epoch !== undefined) record.e = session.epoch;
    if (session.presence?.size) record.p = [...session.presence];
    if (!connection.store) return JSON.stringify(record);
    try {
      return json({ ...record, s: connection.store });
    } catch (error) {
      this.core.report(error, undefined, connection); // a BigInt, a cycle, NaN or ±Infinity (NotJson): the state is not kept
      return JSON.stringify(record);
    }
  }

  /** Another socket took the session (on another instance): this one, half-open or not, is closed and keeps nothing. */
  private evict(connection: Connection, session: SharedSession): void {
    session.lost = true;
    if (connection.phase !== "closed") connection.close(1001, "the session moved to another connection");
  }

  /** The socket closed; `keep` for a drop: the session stays `window` ms, else it ends. */
  closed(connection: Connection, keep: boolean): void {
    this.live.delete(connection);
    const session = connection.session as SharedSession | undefined;
    if (!session || session.lost) return;
    if (!keep) {
      const ended = (session.chain = session.chain.then(() => this.write(connection, session, true)));
      return this.track(ended);
    }
    const expires = (session.expires = Date.now() + this.window);
    this.touch(connection);
    const now = Date.now();
    for (const [id, kept] of this.dropped) {
      if (kept.expires > now && this.dropped.size < this.maxSessions) break;
      this.dropped.delete(id);
      if (kept.expires > now) this.forget(id, kept.hash);
    }
    this.dropped.delete(connection.id);
    this.dropped.set(connection.id, { hash: session.hash, expires });
  }

  /** Past `maxSessions`: the oldest dropped session is deleted (unless another socket took it since). */
  private forget(id: string, hash: Promise<string>): void {
    this.track(hash.then((h) => this.store.save(id, h, undefined, 1, false)).then(() => {}, () => {}));
  }

  private track(write: Promise<void>): void {
    this.writes.add(write);
    write.finally(() => this.writes.delete(write));
  }

  /**
   * Moves a live session's marks on to every origin's number two refreshes ago, for a client
   * heard from since the last one: what was sent before then reached this instance and the
   * client a refresh ago. A quiet topic's marks must not fall behind what the logs keep, or a
   * busy instance elsewhere would make the session unrecoverable. Written once a mark lags by
   * a tenth of `maxMessages`.
   */
  private advance(connection: Connection, session: SharedSession, before: ReadonlyMap<string, number>): boolean {
    let moved = false;
    for (const [topic, mark] of session.topics ?? []) {
      const marks = mark as Marks;
      let next: Record<string, number> | undefined;
      for (const [origin, k] of before) if (k - (marks[origin] ?? 0) >= this.maxMessages / 10) (next ??= { ...marks })[origin] = k;
      if (!next) continue;
      for (const [origin, k] of before) if (k > (next[origin] ?? 0)) next[origin] = k;
      session.topics!.set(topic, next);
      moved = true;
    }
    return moved;
  }

  private async refresh(): Promise<void> {
    this.snapshots.push(new Map(this.store.known).set(this.store.origin, this.store.current));
    const before = this.snapshots.length > 2 ? this.snapshots.shift() : undefined;
    const live = [...this.live].filter((c) => !(c.session as SharedSession).lost);
    for (const connection of live) {
      if (before && connection.spoke && this.advance(connection, connection.session as SharedSession, before)) void this.touch(connection);
      connection.spoke = false;
    }
    for (const connection of live) if (!(connection.session as SharedSession).created) void this.touch(connection); // Redis was down at its start
    const written = live.filter((c) => (c.session as SharedSession).created);
    if (!written.length) return;
    try {
      const pairs = await Promise.all(written.map(async (c) => [c.id, await (c.session as SharedSession).hash] as const));
      const outcomes = await this.store.refresh(pairs, this.window + this.refreshEvery);
      outcomes.forEach((outcome, i) => {
        const connection = written[i]!;
        const session = connection.session as SharedSession;
        if (outcome === "taken") this.evict(connection, session);
        else if (outcome === "gone") session.lost = true;
      });
    } catch {}
  }

  /** Waits (a second at most) for the writes on their way, then stops: at shutdown, before the adapter closes. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.allSettled([...this.writes]), new Promise((resolve) => (timer = background(setTimeout(resolve, 1_000))))]);
    clearTimeout(timer);
    this.store.close();
  }

  // ── Recovering ────────────────────────────────────────────────────────────

  /** `hello` is the client's `[HELLO, params, token?, last?]`, `last` each origin's last number it received. */
  async admit(connection: Connection, hello: unknown[]): Promise<void> {
    const token = hello[2];
    if (typeof token === "string") this.core.takeOver(token); // a socket of this instance the client left half-open
    if (typeof token !== "string" || token.length !== TOKEN_LENGTH) return this.fresh(connection);
    const id = token.slice(0, ID_LENGTH);
    const session = this.open(id, true);
    const old = await hashToken(token);
    let json: string | undefined;
    try {
      json = await this.store.take(id, old, await session.hash, this.window + this.refreshEvery);
    } catch {} // the store is unreachable: a fresh session
    // Closed meanwhile: the session goes back under the token the client still holds, for its next socket.
    const giveBack = async () => this.track(this.store.take(id, await session.hash, old, this.window).then(() => {}, () => {}));
    if (connection.phase !== "authenticating") return void (json !== undefined && giveBack());
    const record = json === undefined ? undefined : parseRecord(json);
    if (!record) return this.fresh(connection);
    session.epoch = record.e;
    session.topics = new Map(record.t);
    const missed = await this.missed(connection, id, session, lastReceived(hello[3]));
    if (connection.phase !== "authenticating") return void giveBack();
    if (!missed) {
      this.core.interest?.drop(connection);
      this.forget(id, session.hash);
      return this.fresh(connection);
    }
    // All at once: nothing reaches this instance between the replay and the subscribes.
    connection.id = id;
    connection.session = session;
    connection.open();
    connection.peer.write(`[${HELLO},"${session.token}",1,0]`);
    if (record.s) connection.store = Object.assign(Object.create(null) as State, record.s, connection.store);
    for (const topic of session.topics.keys()) void connection.join(topic);
    for (const frame of missed) connection.peer.write(frame);
    this.live.add(connection);
    this.core.admitted(connection);
    if (Array.isArray(record.p)) this.core.presence.restore(connection, new Map(record.p.filter((p) => typeof p?.[0] === "string" && typeof p[1] === "string")));
    void this.touch(connection); // the state merged with this socket's
  }

  private fresh(connection: Connection): void {
    connection.session = this.open(connection.id, false);
    connection.open();
    connection.peer.write(`[${HELLO},"${connection.session.token}",0,0]`);
    this.live.add(connection);
    this.core.admitted(connection); // joins its client topic: the first write
    void this.touch(connection);
  }

  /**
   * What the session missed, in each origin's order, then what reached this instance while
   * it was read; undefined when some of it is gone or it is past `maxMessages` / `maxBytes`.
   */
  private async missed(connection: Connection, id: string, session: SharedSession, last: Map<string, number>): Promise<string[] | undefined> {
    const topics = session.topics as Map<string, Marks>;
    const recovering: Recovering = { id, topics: new Set(topics.keys()), frames: [] };
    this.recovering.push(recovering);
    try {
      // This instance hears the topics first, so whatever the logs lack when read comes here live.
      await Promise.all([...topics.keys()].map((topic) => this.core.interest?.add(connection, topic)));
      if (connection.phase !== "authenticating") return undefined;
      const origins = new Set([this.store.origin, ...this.store.known.keys(), ...last.keys()]);
      for (const marks of topics.values()) for (const origin of Object.keys(marks)) origins.add(origin);
      /** A frame of `origin` numbered `k` is the session's when it is past both what the client received and where the topic began. */
      const after = (origin: string, marks: Marks | undefined) => Math.max(last.get(origin) ?? 0, marks?.[origin] ?? 0);
      const start = (origin: string) => (topics.size ? Math.min(...[...topics.values()].map((marks) => after(origin, marks))) : after(origin, undefined));
      const from = [...origins].map((origin) => [origin, start(origin)] as const);
      const reads = await Promise.all(from.map(([origin, start]) => this.store.read(origin, start, this.maxMessages, session.epoch)));
      if (connection.phase !== "authenticating" || reads.some((entries) => !entries)) return undefined;
      const missed: string[] = [];
      const top = new Map<string, number>();
      let bytes = 0;
      const take = (topic: string, origin: string, k: number, frame: string, sender: string | undefined) => {
        const marks = topics.get(topic);
        if (!marks || sender === id || k <= after(origin, marks)) return;
        missed.push(frame);
        bytes += frame.length;
      };
      from.forEach(([origin, start], i) => {
        const entries = reads[i]!;
        top.set(origin, entries.at(-1)?.k ?? start);
        for (const entry of entries) if (entry.epoch === undefined) take(entry.topic, origin, entry.k, entry.frame, entry.from);
      });
      for (const c of recovering.frames) {
        if (c.k <= (top.get(c.origin) ?? 0)) continue; // the log had it
        take(c.topic, c.origin, c.k, c.frame, c.from);
        top.set(c.origin, c.k);
      }
      return missed.length > this.maxMessages || recovering.frames.length > this.maxMessages || bytes > this.maxBytes ? undefined : missed;
    } catch {
      return undefined; // the store is unreachable
    } finally {
      this.recovering = this.recovering.filter((r) => r !== recovering);
    }
  }
}

/** The client's `{ origin: last number }`; anything else names nothing. */
function lastReceived(value: unknown): Map<string, number> {
  const last = new Map<string, number>();
  if (!value || typeof value !== "object" || Array.isArray(value)) return last;
  for (const [origin, k] of Object.entries(value)) {
    if (last.size >= MAX_ORIGINS) break;
    if (origin.length === 8 && Number.isSafeInteger(k) && (k as number) > 0) last.set(origin, k as number);
  }
  return last;
}

function parseRecord(json: string): SessionRecord | undefined {
  try {
    const record = JSON.parse(json) as SessionRecord;
    if (!Array.isArray(record?.t)) return undefined;
    for (const entry of record.t) if (!Array.isArray(entry) || typeof entry[0] !== "string" || !entry[1] || typeof entry[1] !== "object") return undefined;
    return record;
  } catch {
    return undefined;
  }
}

async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
