// How publishes leave one server instance: `createServer({ adapter })` hands every
// frame it publishes to the adapter, which forwards it to the other instances, and
// tells it which topics have subscribers here. Frames arriving from elsewhere go to
// Bun's native publish as they are, so no instance does per-subscriber work in JS.
// The Redis adapter (`@manyducks.co/chatter/redis`) is one; tests may write others.

import type { PresenceStore } from "./presence.ts";
export type { PresenceHost, PresenceStore, StoredEntry } from "./presence.ts";

/** What a server gives the adapter it is attached to. */
export interface AdapterHost {
  /** Publishes a frame that came from another instance to this instance's subscribers of `topic`. */
  deliver(topic: string, frame: string): void;
  /** Reports a fault (a lost connection, dropped publishes) through the server's `onError`. */
  report(error: unknown): void;
}

/** Carries publishes between the instances of one deployment. One adapter serves one server. */
export interface Adapter {
  /** Called once, by `createServer`. */
  attach(host: AdapterHost): void;
  /** This instance published `frame` to `topic` (its own subscribers already have it): forward it to the others. */
  publish(topic: string, frame: string): void;
  /**
   * `topic` got its first subscriber on this instance: start receiving it from the others.
   * May return a promise, resolved once the others' publishes to `topic` reach this
   * instance (or the adapter gave up and reported why); it must not reject.
   */
  subscribe(topic: string): void | Promise<void>;
  /** `topic` lost its last subscriber on this instance: stop receiving it. */
  unsubscribe(topic: string): void;
  /** Stops forwarding and releases the adapter's connections. */
  close(): void;
  /**
   * Optional, for calls across instances (`server.call`, `callAll`): sends `message` (not a
   * frame: it starts with "{") to every instance where `topic` has subscribers — this one
   * too, if it has — and each hands it to `deliver` as it does frames. Resolves to how many
   * instances got it (0 when none, or when it could not be sent: then report why); it must
   * not reject.
   */
  send?(topic: string, message: string): Promise<number>;
  /**
   * Optional, for `recovery` across instances: the store that keeps sessions and the log of
   * recoverable frames where every instance reads them (see docs/recovery.md). Called once,
   * by `createServer`, when it has `recovery`; without it each instance recovers its own.
   */
  recoveryStore?(options: RecoveryStoreOptions): RecoveryStore;
  /** Optional: where presence (`client.track`) lives across instances; without it, each instance lists its own. */
  readonly presence?: PresenceStore;
}

export interface RecoveryStoreOptions {
  /** ms a dropped session is kept. */
  readonly window: number;
  /** Frames each instance's log keeps. */
  readonly maxMessages: number;
}

/** One logged frame: number `k` of its origin (an epoch marker has no frame). */
export interface LogEntry {
  readonly k: number;
  readonly topic: string;
  /** The SEQ frame as it was sent. */
  readonly frame: string;
  /** The sender of a `client.publish` (it does not receive its own). */
  readonly from: string | undefined;
  /** Set on the marker an instance logs when the store lost its data: what came before it is gone. */
  readonly epoch: string | undefined;
}

/**
 * Sessions and the log, shared by every instance. Each instance (origin) numbers what it
 * sends; the store logs it under the origin and learns the other origins' latest numbers.
 */
export interface RecoveryStore {
  /** This instance's name in SEQ frames: 8 URL-safe characters. */
  readonly origin: string;
  /** The store's generation: changes when it lost its data (a restart); sessions remember the one they began in. */
  readonly epoch: string | undefined;
  /** The latest number known of each origin (heard or polled): marks taken at a subscribe. */
  readonly known: ReadonlyMap<string, number>;
  /** The last number this origin gave. */
  readonly current: number;
  /** The next number of this origin. */
  next(): number;
  /** Logs this origin's frame `k` (async, unawaited: a failed append is a gap `read` reports). */
  append(k: number, topic: string, frame: string, from: string | undefined): void;
  /** Frame `k` of `origin` reached this instance. */
  heard(origin: string, k: number): void;
  /**
   * The entries of `origin`'s log after `after`, at most `count`; undefined when some are gone
   * (trimmed, lost, more than `count`). An epoch marker equal to `epoch` may stand for what is before it.
   */
  read(origin: string, after: number, count: number, epoch: string | undefined): Promise<LogEntry[] | undefined>;
  /**
   * Writes a session under `id` for token hash `hash`, kept `ttl` ms. `create` writes whatever is
   * there; otherwise only over the same hash: "taken" when another token holds it, "gone" when none does.
   * `record` undefined deletes it (same rule).
   */
  save(id: string, hash: string, record: string | undefined, ttl: number, create: boolean): Promise<"ok" | "taken" | "gone">;
  /** Takes the session `hash` names (single-use): rewrites it under `next`, kept `ttl` ms, and resolves to its record. */
  take(id: string, hash: string, next: string, ttl: number): Promise<string | undefined>;
  /** Extends the live sessions' expiry; resolves to each one's outcome, as `save`. */
  refresh(sessions: readonly (readonly [id: string, hash: string])[], ttl: number): Promise<("ok" | "taken" | "gone")[]>;
  /** Calls `listener` when the store comes back having lost its data: every session is gone. */
  onReset(listener: () => void): void;
  /** Stops its timers; `close` of the adapter ends its connection. */
  close(): void;
}

/**
 * The topic every connection is subscribed to when the server has an adapter, so
 * `server.publish(clientTopic(id), …)` reaches that one client on whichever instance
 * it is connected to.
 */
export function clientTopic(id: string): string {
  return `${CLIENT_TOPIC_PREFIX}${id}`;
}

/** Topics under this prefix are Chatter's own: an app may publish to them, never subscribe a client to one. */
export const CLIENT_TOPIC_PREFIX = "chatter:client:";

/**
 * Counts the local subscribers of each topic, so the adapter hears a topic only while
 * someone here listens. Exists only when the server has an adapter: a server without
 * one keeps no per-connection record of topics (Bun keeps its own).
 */
export class Interest {
  private readonly counts = new Map<string, number>();
  private readonly topics = new Map<object, Set<string>>();
  /** The adapter's pending confirmation per topic, for every subscriber that arrives before it settles. */
  private readonly settling = new Map<string, Promise<void>>();

  constructor(
    private readonly adapter: Adapter,
    private readonly report: (error: unknown) => void,
  ) {}

  /** Returns a promise while the adapter has yet to confirm the topic's subscription. */
  add(owner: object, topic: string): Promise<void> | undefined {
    let mine = this.topics.get(owner);
    if (!mine) this.topics.set(owner, (mine = new Set()));
    else if (mine.has(topic)) return this.settling.get(topic);
    mine.add(topic);
    const count = this.counts.get(topic) ?? 0;
    this.counts.set(topic, count + 1);
    if (count > 0) return this.settling.get(topic);
    const confirmed = this.call(() => this.adapter.subscribe(topic));
    if (!confirmed) return undefined;
    const settled = Promise.resolve(confirmed).then(
      () => void (this.settling.get(topic) === settled && this.settling.delete(topic)),
      (error) => {
        if (this.settling.get(topic) === settled) this.settling.delete(topic);
        this.report(error);
      },
    );
    this.settling.set(topic, settled);
    return settled;
  }

  remove(owner: object, topic: string): void {
    const mine = this.topics.get(owner);
    if (!mine?.delete(topic)) return;
    if (mine.size === 0) this.topics.delete(owner);
    this.release(topic);
  }

  /** The owner's socket closed: Bun dropped its subscriptions, so drop its interest too. */
  drop(owner: object): void {
    const mine = this.topics.get(owner);
    if (!mine) return;
    this.topics.delete(owner);
    for (const topic of mine) this.release(topic);
  }

  publish(topic: string, frame: string): void {
    this.call(() => this.adapter.publish(topic, frame));
  }

  close(): void {
    this.call(() => this.adapter.close());
  }

  /** The adapter carries control messages (see `Adapter.send`). */
  get canSend(): boolean {
    return typeof this.adapter.send === "function";
  }

  send(topic: string, message: string): Promise<number> {
    const sent = this.call(() => this.adapter.send!(topic, message));
    return sent ? sent.catch((error) => (this.report(error), 0)) : Promise.resolve(0);
  }

  /** Subscribers of `topic` on this instance (0 when none). */
  count(topic: string): number {
    return this.counts.get(topic) ?? 0;
  }

  private release(topic: string): void {
    const count = this.counts.get(topic) ?? 0;
    if (count > 1) return void this.counts.set(topic, count - 1);
    this.counts.delete(topic);
    this.settling.delete(topic);
    this.call(() => this.adapter.unsubscribe(topic));
  }

  /** An adapter's throw must not reach a websocket handler (Bun would end the process). */
  private call<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }
}
