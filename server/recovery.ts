// Sessions that survive a dropped connection (`createServer({ recovery })`), on one
// instance. Two parts: a bounded log of the recoverable frames this instance sent —
// publishes and cache updates, each numbered once (a SEQ frame), not once per subscriber —
// and the sessions of dropped connections, kept for `window` ms under a secret token.
// A client that comes back with the token and the last number it received gets its id,
// topics and state again, and the logged frames meant for it that it did not receive.
import { connectionId, ID_LENGTH } from "./id.ts";
import { SEQ } from "../core/protocol.ts";
import type { State } from "./types.ts";

export interface RecoveryOptions {
  /** How long a dropped connection's session is kept, in ms. Default 120,000 (two minutes). */
  window?: number;
  /** Frames the log keeps (all topics together). Default 10,000. */
  maxMessages?: number;
  /**
   * Characters the log keeps. Default 524,288: what a recovering client is sent at once
   * stays under Bun's `backpressureLimit` (1 MiB by default), which would close its socket.
   */
  maxBytes?: number;
  /** Dropped sessions kept at once; past it the oldest is forgotten. Default 10,000. */
  maxSessions?: number;
}

/** `createServer`'s `recovery` with its defaults, for one instance's recovery and across instances alike. */
export function recoveryOptions(options: RecoveryOptions | true): Required<RecoveryOptions> {
  const o = options === true ? {} : options;
  return { window: o.window ?? 120_000, maxMessages: o.maxMessages ?? 10_000, maxBytes: o.maxBytes ?? 524_288, maxSessions: o.maxSessions ?? 10_000 };
}

/** Where a subscription began across instances (server/sharedRecovery.ts): each origin's latest number known then. */
export type Marks = Readonly<Record<string, number>>;

/** A connection's recoverable session. */
export interface Session {
  /** The client's id, then a secret; single-use: a new one is sent on every (re)connection. */
  readonly token: string;
  /** Topics subscribed, each with the SEQ number current when it was (older frames are not its), or with their marks across instances. */
  topics: Map<string, number | Marks> | undefined;
  /** The SEQ number current when the session began. */
  readonly since: number;
  readonly recovered: boolean;
  /** Its presence metas (topic → meta JSON), tracked again on a recovery (server/presence.ts). */
  presence?: Map<string, string>;
}

/** What a dropped connection leaves for its next socket. */
export interface KeptSession {
  readonly id: string;
  readonly session: Session;
  readonly store: State | undefined;
  /** The id's own topic: frames sent to this client alone (its `invalidate`, `setData`). */
  readonly own: string;
  timer?: ReturnType<typeof setTimeout>;
  /** When the window ends (`Date.now()` ms): a late timer must not make it last longer. */
  expires?: number;
}

interface Entry {
  readonly frame: string;
  readonly topic: string;
  /** The sender of a `client.publish`, which does not receive its own. */
  readonly from: string | undefined;
  readonly at: number;
}

export class Recovery {
  readonly window: number;
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private readonly maxSessions: number;
  /** The last SEQ number given. Entry `i` of `log` (from `head`) has number `first + i - head`. */
  private seq = 0;
  private first = 1;
  private log: Entry[] = [];
  private head = 0;
  private bytes = 0;
  /** By client id. */
  private readonly kept = new Map<string, KeptSession>();

  constructor(options: RecoveryOptions | true) {
    ({ window: this.window, maxMessages: this.maxMessages, maxBytes: this.maxBytes, maxSessions: this.maxSessions } = recoveryOptions(options));
  }

  /** A new session for client `id`; a recovered one goes on from where the old one began. */
  open(id: string, old?: Session): Session {
    return { token: id + connectionId(), topics: undefined, since: old?.since ?? this.seq, recovered: old !== undefined };
  }

  get current(): number {
    return this.seq;
  }

  /** Numbers `frame` (meant for `topic`'s subscribers) and logs it: the SEQ frame to send instead. */
  record(topic: string, frame: string, from?: string): string {
    const wrapped = `[${SEQ},${++this.seq},${frame}]`;
    this.log.push({ frame: wrapped, topic, from, at: Date.now() });
    this.bytes += wrapped.length;
    this.trim();
    return wrapped;
  }

  private trim(): void {
    const old = Date.now() - this.window;
    while (this.head < this.log.length) {
      const entry = this.log[this.head]!;
      if (this.log.length - this.head <= this.maxMessages && this.bytes <= this.maxBytes && entry.at >= old) break;
      this.bytes -= entry.frame.length;
      this.head++;
      this.first++;
    }
    if (this.head > 1_024 && this.head * 2 > this.log.length) {
      this.log = this.log.slice(this.head); // don't keep every dropped slot
      this.head = 0;
    }
  }

  /** Keeps a dropped connection's session for `window` ms. */
  keep(kept: KeptSession): void {
    if (this.kept.size >= this.maxSessions) this.forget(this.kept.keys().next().value!);
    this.forget(kept.id);
    kept.expires = Date.now() + this.window;
    kept.timer = setTimeout(() => this.forget(kept.id), this.window);
    (kept.timer as { unref?: () => void }).unref?.();
    this.kept.set(kept.id, kept);
  }

  private forget(id: string): void {
    const kept = this.kept.get(id);
    if (!kept) return;
    clearTimeout(kept.timer);
    this.kept.delete(id);
  }

  /**
   * The session `token` names, with the frames it missed after number `last`, in order;
   * undefined when there is none (unknown, used, expired) or the log no longer holds all it
   * missed. The right token is spent either way; a wrong one spends nothing (a client's id
   * is no secret: knowing it must not end that client's session).
   */
  take(token: unknown, last: unknown): { kept: KeptSession; missed: string[] } | undefined {
    if (typeof token !== "string") return undefined;
    const kept = this.kept.get(token.slice(0, ID_LENGTH));
    if (!kept || kept.session.token !== token) return undefined;
    this.forget(kept.id);
    if (Date.now() > kept.expires!) return undefined;
    this.trim(); // drops what is past the window now
    const { session, id, own } = kept;
    // A number from before the session, or one never sent, is the client's mistake: it gets what it could have missed.
    const after = typeof last === "number" && Number.isSafeInteger(last) ? Math.min(Math.max(last, session.since), this.seq) : session.since;
    if (after + 1 < this.first) return undefined; // some of what it missed is gone
    const missed: string[] = [];
    for (let i = this.head + (after + 1 - this.first); i < this.log.length; i++) {
      const entry = this.log[i]!;
      const seq = this.first + i - this.head;
      if (entry.from === id) continue;
      const since = entry.topic === own ? session.since : (session.topics?.get(entry.topic) as number | undefined);
      if (since !== undefined && since < seq) missed.push(entry.frame);
    }
    return { kept, missed };
  }

  /** Sessions kept right now (tests and metrics). */
  get keptCount(): number {
    return this.kept.size;
  }
}
