// Presence: which clients are in a topic, with a meta each (`client.track(topic, meta)`),
// listed by `server.presence(topic)` and reported by `onPresence(topic, { joins, leaves })`.
// This instance keeps its own entries here (needed for a disconnect, and to re-assert them
// when the store lost them); an adapter's `presence` store holds every instance's. The hook
// runs once per change in the whole deployment: on the instance where the change happened,
// or, for a crashed instance's members, on the one that sweeps them.
import { ChatterError } from "../core/errors.ts";
import { encodeFrame, invalid, json } from "../core/frames.ts";
import type { StandardSchemaV1 } from "../core/standard.ts";
import { validate } from "../core/validate.ts";
import type { Connection } from "./connection.ts";
import { subscribableTopic, topicOf } from "./topic.ts";

/** A meta with no `presence` schema: any value JSON carries. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** One tracked client of a topic (a user on two devices is two entries). */
export interface PresenceEntry<M = unknown> {
  readonly id: string;
  readonly meta: M;
}

/** What one change did to a topic: a replaced meta is a leave of the old and a join of the new. */
export interface PresenceDiff<M = unknown> {
  readonly joins: readonly PresenceEntry<M>[];
  readonly leaves: readonly PresenceEntry<M>[];
}

/** An entry as stores keep it: the client's id and its meta as JSON. */
export type StoredEntry = readonly [id: string, meta: string];

/** What a server gives its adapter's presence store. */
export interface PresenceHost {
  /** This instance's entries, by topic: what the store re-asserts after it lost them (Redis restarted). */
  entries(): Map<string, StoredEntry[]>;
  /** The store removed a crashed instance's members of `topic`: `onPresence` runs here, with them as leaves. */
  left(topic: string, leaves: readonly StoredEntry[]): void;
  report(error: unknown): void;
}

/**
 * Presence across instances, an adapter's optional `presence` (the Redis adapter's is
 * redis/presence.ts). Writes come from one instance in order; each resolves once stored and
 * rejects when it could not be (the server reports it; the store re-asserts later).
 */
export interface PresenceStore {
  /** Called once, by `createServer`. */
  start(host: PresenceHost): void;
  track(topic: string, id: string, meta: string): Promise<void>;
  /**
   * Removes this instance's entry of `id`, resolving to whether there was one: false when the
   * same id is now another instance's (a session recovered there while its old socket here was
   * still open), so no leave is reported. `last`: this instance has no other entry in `topic` now.
   */
  untrack(topic: string, id: string, last: boolean): Promise<boolean>;
  /** Every live instance's entries of `topic`. */
  list(topic: string): Promise<StoredEntry[]>;
  /** Stops the store's timers and removes this instance's entries: a promise while that is under way (the adapter closes after it). */
  close(): Promise<void> | void;
}

/** Bytes a meta's JSON may take (UTF-8): a list carries every meta of a topic. */
const MAX_META = 16_384;

interface Mine {
  /** The meta as stored; undefined while a `track` is still validating. */
  meta: string | undefined;
  /** The latest `track` or `untrack`: a slower validation that finishes after it does nothing. */
  intent: object;
}

export class Presence {
  /** This instance's entries: topic → client id → its connection and meta. */
  private readonly local = new Map<string, Map<string, { owner: Connection; meta: string }>>();
  private readonly mine = new Map<Connection, Map<string, Mine>>();
  private closed = false;

  constructor(
    private readonly schema: StandardSchemaV1 | undefined,
    private readonly store: PresenceStore | undefined,
    private readonly hook: ((topic: string, diff: PresenceDiff) => unknown) | undefined,
    private readonly report: (error: unknown) => void,
  ) {
    store?.start({
      entries: () => {
        const all = new Map<string, StoredEntry[]>();
        for (const [topic, entries] of this.local) all.set(topic, [...entries].map(([id, entry]) => [id, entry.meta] as const));
        return all;
      },
      left: (topic, leaves) => this.emit(topic, [], leaves),
      report,
    });
  }

  /** `client.track`: a bad topic throws at once (as `subscribe` does), a bad meta rejects `BAD_INPUT`. */
  track(client: Connection, topic: string, meta: unknown): Promise<void> {
    subscribableTopic(topic);
    if (client.phase === "closed") return Promise.reject(new ChatterError("DISCONNECTED", `Client ${client.id} disconnected`));
    let topics = this.mine.get(client);
    if (!topics) this.mine.set(client, (topics = new Map()));
    const intent = {};
    const mine = topics.get(topic) ?? { meta: undefined, intent };
    mine.intent = intent;
    topics.set(topic, mine);
    return new Promise<void>((resolve, reject) => {
      const fail = (error: unknown) => {
        if (mine.intent === intent && mine.meta === undefined) topics.delete(topic);
        reject(error);
      };
      validate(
        this.schema,
        meta,
        (result) => {
          if (result.issues) return fail(invalid("BAD_INPUT", "presence meta", result.issues));
          let text: string;
          try {
            text = encodeFrame(() => json(result.value), "A presence meta", "BAD_INPUT", MAX_META); // BAD_INPUT if not JSON, TOO_LARGE past MAX_META bytes
          } catch (error) {
            return fail(error);
          }
          if (mine.intent !== intent || this.mine.get(client)?.get(topic) !== mine) return resolve(); // untracked, tracked again or disconnected meanwhile
          this.commit(client, topic, text).then(resolve);
        },
        (error) => fail(ChatterError.from(error)),
      );
    });
  }

  untrack(client: Connection, topic: string): void {
    subscribableTopic(topic);
    const topics = this.mine.get(client);
    const mine = topics?.get(topic);
    if (!mine) return;
    mine.intent = {}; // a track still validating is cancelled
    topics!.delete(topic);
    if (topics!.size === 0) this.mine.delete(client);
    client.session?.presence?.delete(topic);
    if (mine.meta !== undefined) this.remove(client, topic, mine.meta);
  }

  /** The client's socket closed: it leaves every topic now (its session, if kept, holds the metas for a recovery). */
  drop(client: Connection): void {
    const topics = this.mine.get(client);
    if (!topics) return;
    this.mine.delete(client);
    for (const [topic, mine] of topics) if (mine.meta !== undefined) this.remove(client, topic, mine.meta);
  }

  /** A recovered session's metas come back, as joins (they were checked when first tracked). */
  restore(client: Connection, metas: ReadonlyMap<string, string> | undefined): void {
    if (!metas) return;
    let topics = this.mine.get(client);
    if (!topics) this.mine.set(client, (topics = new Map()));
    for (const [topic, meta] of metas) {
      topics.set(topic, { meta: undefined, intent: {} });
      void this.commit(client, topic, meta);
    }
  }

  /** `server.presence`: every instance's entries, with this one's own always in (its writes may still be on the way). */
  async list(topic: string): Promise<PresenceEntry[]> {
    topicOf(topic);
    const here = this.local.get(topic);
    let stored: StoredEntry[] = [];
    if (this.store) {
      try {
        stored = await this.store.list(topic);
      } catch (error) {
        this.fault(error); // Redis down: this instance answers alone, as publishes do
      }
    }
    const out: PresenceEntry[] = [];
    for (const [id, meta] of stored) if (!here?.has(id)) out.push({ id, meta: JSON.parse(meta) });
    if (here) for (const [id, entry] of here) out.push({ id, meta: JSON.parse(entry.meta) });
    return out;
  }

  close(): Promise<void> | undefined {
    this.closed = true;
    try {
      return this.store?.close()?.catch(this.report);
    } catch (error) {
      this.report(error);
    }
  }

  private commit(client: Connection, topic: string, meta: string): Promise<void> {
    const mine = this.mine.get(client)?.get(topic);
    if (mine) mine.meta = meta;
    if (client.session) (client.session.presence ??= new Map()).set(topic, meta);
    let entries = this.local.get(topic);
    if (!entries) this.local.set(topic, (entries = new Map()));
    const old = entries.get(client.id);
    entries.set(client.id, { owner: client, meta });
    const leaves: StoredEntry[] = old ? [[client.id, old.meta]] : [];
    return this.stored(this.store?.track(topic, client.id, meta), topic, [[client.id, meta]], leaves);
  }

  private remove(client: Connection, topic: string, meta: string): void {
    const entries = this.local.get(topic);
    if (entries?.get(client.id)?.owner !== client) return;
    entries.delete(client.id);
    if (!entries.size) this.local.delete(topic);
    const leave = () => this.emit(topic, [], [[client.id, meta]]);
    const untracked = this.store?.untrack(topic, client.id, !entries.size);
    if (!untracked) return leave(); // without a store the entry was this instance's alone
    untracked.then(
      (removed) => {
        if (removed) leave(); // else the id's entry is another instance's now (a recovered session), whose join stands
      },
      (error) => {
        this.fault(error);
        leave();
      },
    );
  }

  /** The hook runs once the store has the change, so a `server.presence` inside it sees it. */
  private stored(write: Promise<void> | undefined, topic: string, joins: StoredEntry[], leaves: StoredEntry[]): Promise<void> {
    if (!write) return Promise.resolve(this.emit(topic, joins, leaves));
    return write.then(
      () => this.emit(topic, joins, leaves),
      (error) => {
        this.fault(error);
        this.emit(topic, joins, leaves);
      },
    );
  }

  /** A store fault, reported unless the server is closing (the adapter's close cuts what is in flight; the store's own `close` removed this instance's entries). */
  private fault(error: unknown): void {
    if (!this.closed) this.report(error);
  }

  private emit(topic: string, joins: readonly StoredEntry[], leaves: readonly StoredEntry[]): void {
    if (!this.hook || (!joins.length && !leaves.length)) return;
    const entries = (list: readonly StoredEntry[]) => list.map(([id, meta]) => ({ id, meta: JSON.parse(meta) as unknown }));
    try {
      const out = this.hook(topic, { joins: entries(joins), leaves: entries(leaves) });
      if (out instanceof Promise) out.catch(this.report);
    } catch (error) {
      this.report(error);
    }
  }
}
