// One connected client, as the server sees it. The object is three things at once,
// to keep an idle connection small: the `client` handed to procedures and hooks, and
// the call engine's transport, procedures and events for this socket.
import { ChatterError } from "../core/errors.ts";
import { errorFrame } from "../core/frames.ts";
import { MAX_TIMER, type Liveness } from "../core/liveness.ts";
import { Peer, type ControlKind, type Handler, type PeerConfig, type PeerHost } from "../core/peer.ts";
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL, CLOSE_PROTOCOL, CLOSE_RESTART, CLOSE_TIMEOUT, CLOSE_UNAUTHORIZED, GOAWAY, GOAWAY_FRAME, HELLO, HELLO_FRAME } from "../core/protocol.ts";
import type { StreamOptions } from "../core/streams.ts";
import type { CallOptions, MaybePromise, ProcedureContext } from "../core/types.ts";
import { clientTopic, type Interest } from "./adapter.ts";
import type { Cluster } from "./cluster.ts";
import type { Presence } from "./presence.ts";
import type { Recovery, Session } from "./recovery.ts";
import type { SharedRecovery } from "./sharedRecovery.ts";
import { isTopic, subscribableTopic, topicOf } from "./topic.ts";
import type { BunServer, BunSocket, ServerClient, State } from "./types.ts";

/** What every connection of one server shares. */
export interface ServerCore {
  readonly config: PeerConfig;
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly defaults: State | undefined;
  readonly authenticate: ((params: unknown, client: any) => MaybePromise<boolean | void>) | undefined;
  /** Local subscribers per topic, kept only when the server has an adapter. */
  readonly interest: Interest | undefined;
  /** Calls to clients on any instance (`server.call`, `callAll`). */
  readonly cluster: Cluster;
  /** Who is tracked in which topic (`track`), on this instance and through the adapter's store. */
  readonly presence: Presence;
  /** Set with `recovery`: the log of recoverable frames and the dropped sessions. */
  readonly recovery: Recovery | undefined;
  /** Set instead with `recovery` and an adapter that keeps sessions: recovery on any instance. */
  readonly shared: SharedRecovery | undefined;
  report(error: unknown, procedure?: string, client?: Connection): void;
  /** Validates and encodes a NOTIFY once, then hands it to `send` (throws at once for a synchronous validator). */
  notify(name: string, input: unknown, send: (frame: string) => void): void;
  /** Encodes an INVALIDATE (`data` absent) or SET_DATA frame once, then hands it to `send` (throws at once for a synchronous validator). */
  cacheUpdate(name: string, input: unknown, data: { value: unknown } | undefined, hasInput: boolean, send: (frame: string) => void): void;
  /** The client passed `authenticate` (or there is none): it joins `clients`, `onConnect` runs. */
  admitted(client: Connection): void;
  /** A frame for this client alone (a cache update): numbered and logged first with `recovery`. */
  direct(client: Connection, frame: string): void;
  /** A new socket came with the session `token` of a client still connected: that one is dropped (its session kept). */
  takeOver(token: string): void;
  /** Queues a connection's new batch; all of them go out in one microtask, or before a publish. */
  hold(client: Connection): void;
  /** Hands `frame` to Bun's native publish from `from`'s socket (skipping it), after every held batch. */
  broadcast(topic: string, frame: string, from?: Connection): void;
}

/**
 * A connection's lifecycle, one step at a time:
 * `hello` (waits for the client's HELLO, only with `authenticate` or `recovery`) → `authenticating` →
 * `open` → `goaway` (shutdown: GOAWAY sent) → `leaving` (the client answered: it sends no
 * new calls; closed once nothing is in flight) → `closed`.
 */
export type Phase = "hello" | "authenticating" | "open" | "goaway" | "leaving" | "closed";

const SUBSCRIBED = Promise.resolve();

/**
 * Closes that are drops, after which a session is kept: the connection vanished (1006),
 * the client went away (1001: a page reload, a network change), or the heartbeat found it
 * silent. Any close either end asked for (`socket.close()`, `client.close()`, a refusal, a
 * protocol error) ends the session.
 */
const RECOVERABLE = new Set([1006, CLOSE_GOING_AWAY, CLOSE_TIMEOUT]);

export class Connection implements ServerClient, PeerHost {
  ws!: BunSocket;
  /** The Bun server that upgraded it (a publish from it reaches the other listeners too). */
  server: BunServer | undefined;
  phase: Phase;
  /** The engine, made on first use: an idle connection that never sent a frame costs no Peer. */
  private engine: Peer | undefined;
  /** Set when the server has a heartbeat. */
  liveness: Liveness | undefined;
  /** The `get`/`set` state (read and restored by recovery across instances). */
  store: State | undefined;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set with `recovery` once admitted. */
  session: Session | undefined;
  /** A frame came since recovery across instances last looked (its marks move on only for a client that is there). */
  spoke = false;

  constructor(
    private readonly core: ServerCore,
    /** Changes only when a recovered session's id is taken back, before the client is admitted. */
    public id: string,
    state: State | undefined,
  ) {
    this.phase = core.authenticate || core.recovery || core.shared ? "hello" : "open";
    // An upgrade's `undefined` field leaves the default in place rather than hiding it.
    if (state) for (const key of Object.keys(state)) if (state[key] !== undefined) (this.store ??= Object.create(null) as State)[key] = state[key];
  }

  get peer(): Peer {
    return (this.engine ??= new Peer(this.core.config, this));
  }

  // ── The client, as procedures see it ──────────────────────────────────────

  get remoteAddress(): string {
    return this.ws.remoteAddress;
  }
  get recovered(): boolean {
    return this.session?.recovered ?? false;
  }
  subscribe(topic: string): Promise<void> {
    return this.join(subscribableTopic(topic));
  }
  /** Subscribes to a checked topic (the server's own `clientTopic` included). */
  join(topic: string): Promise<void> {
    this.ws.subscribe(topic);
    const shared = this.core.shared;
    let saved: Promise<void> | undefined;
    if (this.session && !this.session.topics?.has(topic)) {
      (this.session.topics ??= new Map()).set(topic, shared ? shared.mark() : this.core.recovery!.current);
      saved = shared?.touch(this); // across instances the session's topics are in the store before the subscribe resolves
    }
    // After its close Bun ignores a subscribe: count only what Bun holds.
    const heard = this.core.interest && this.ws.isSubscribed(topic) ? this.core.interest.add(this, topic) : undefined;
    return saved ? Promise.all([heard, saved]).then(() => {}) : (heard ?? SUBSCRIBED);
  }
  unsubscribe(topic: string): void {
    this.ws.unsubscribe(subscribableTopic(topic));
    if (this.session?.topics?.delete(topic)) void this.core.shared?.touch(this);
    this.core.interest?.remove(this, topic);
  }
  track(topic: string, meta: unknown): Promise<void> {
    const tracked = this.core.presence.track(this, topic, meta);
    // Across instances the session's metas are in the store too: a recovery elsewhere tracks them again.
    return this.core.shared && this.session ? tracked.then(() => this.core.shared!.touch(this)) : tracked;
  }
  untrack(topic: string): void {
    this.core.presence.untrack(this, topic);
    if (this.session) void this.core.shared?.touch(this);
  }
  isSubscribed(topic: string): boolean {
    return isTopic(topic) && this.ws.isSubscribed(topic); // no topic Chatter takes has that name
  }
  publish(topic: string, name: string, input?: unknown): void {
    topicOf(topic);
    this.core.notify(name, input, (frame) => this.core.broadcast(topic, frame, this));
  }
  invalidate(name: string, ...input: unknown[]): void {
    this.core.cacheUpdate(name, input[0], undefined, input.length > 0, (frame) => this.core.direct(this, frame));
  }
  setData(name: string, input: unknown, data: unknown): void {
    this.core.cacheUpdate(name, input, { value: data }, true, (frame) => this.core.direct(this, frame));
  }
  call(name: string, input?: unknown, options?: CallOptions): Promise<any> {
    return this.peer.call(name, input, options);
  }
  callAll(topic: string, name: string, input?: unknown, options?: CallOptions): Promise<any> {
    return this.core.cluster.callAll(topic, name, input, options, this.id);
  }
  stream(name: string, input?: unknown, options?: StreamOptions): AsyncIterableIterator<never> {
    return this.peer.stream(name, input, options) as AsyncIterableIterator<never>;
  }
  get(key: string): any {
    if (this.store && Object.hasOwn(this.store, key)) return this.store[key];
    return this.core.defaults && Object.hasOwn(this.core.defaults, key) ? this.core.defaults[key] : undefined;
  }
  set(key: string, value: unknown): void {
    (this.store ??= Object.create(null) as State)[key] = value;
    if (this.session) void this.core.shared?.touch(this);
  }
  close(code?: number, reason?: string): void {
    this.engine?.flush(); // what was written before the close goes out first
    this.ws.close(code, reason);
  }

  // ── The socket's side: Bun's events ───────────────────────────────────────

  /** Called once the socket is open. */
  start(ws: BunSocket): void {
    this.ws = ws;
    if (this.phase === "open") return this.core.admitted(this);
    // Too slow to send its params: closed 4408, which the client retries (it is not a refusal).
    if (this.core.config.timeout <= MAX_TIMER) this.helloTimer = setTimeout(() => this.close(CLOSE_TIMEOUT, "no connection params in time"), this.core.config.timeout);
  }

  receive(data: string): void {
    this.spoke = true;
    if (this.phase === "closed") return;
    if (this.phase !== "hello" && this.phase !== "authenticating") return this.peer.receive(data);
    // Until `authenticate` accepts it, a client may send one frame: its HELLO.
    if (this.phase === "authenticating" || !data.startsWith(`[${HELLO}`)) return this.refuse(new ChatterError("UNAUTHORIZED", "expected connection params first"));
    this.phase = "authenticating";
    this.peer.receive(data);
  }

  /** Ends this socket as a drop (its session kept), for a new socket that came with its token. */
  drop(): void {
    this.engine?.flush();
    this.closed(CLOSE_GOING_AWAY);
    this.ws.close(CLOSE_GOING_AWAY, "the session moved to a new connection");
  }

  /** Bun closed the socket with `code` (or `drop` did; Bun's close event then finds it closed). */
  closed(code: number): void {
    if (this.phase === "closed") return;
    const admitted = this.phase === "open" || this.phase === "goaway" || this.phase === "leaving";
    this.phase = "closed";
    clearTimeout(this.helloTimer);
    this.engine?.disconnect(new ChatterError("DISCONNECTED", `Client ${this.id} disconnected`), true);
    // A drop, not a close either end chose: the session waits for the client's next socket.
    // Across instances a shutdown's close is one too: the client comes back on another instance.
    if (this.core.shared) this.core.shared.closed(this, admitted && (RECOVERABLE.has(code) || code === CLOSE_RESTART));
    else if (this.session && admitted && RECOVERABLE.has(code)) {
      this.core.recovery!.keep({ id: this.id, session: this.session, store: this.store, own: clientTopic(this.id) });
    }
  }

  /** Graceful shutdown: a client that has not passed `authenticate` is closed at once, the others get GOAWAY. */
  goAway(reason: string): void {
    if (this.phase === "hello" || this.phase === "authenticating") return this.close(CLOSE_RESTART, reason);
    if (this.phase !== "open") return;
    this.phase = "goaway";
    this.peer.write(GOAWAY_FRAME);
  }

  // ── The engine's transport ────────────────────────────────────────────────

  get writable(): boolean {
    return this.phase !== "closed";
  }
  get ready(): boolean {
    return true;
  }
  send(frame: string): boolean {
    return this.ws.send(frame) !== 0;
  }
  schedule(): void {
    this.core.hold(this);
  }

  // ── The engine's procedures and events ────────────────────────────────────

  find(name: string): Handler | undefined {
    return this.core.handlers.get(name);
  }
  invoke(handler: Handler, input: unknown, context: ProcedureContext): unknown {
    return handler(input, this, context);
  }
  report(error: unknown, procedure?: string): void {
    this.core.report(error, procedure, this);
  }
  violation(message: string): void {
    this.core.report(new ChatterError("PROTOCOL", `Client ${this.id} sent an invalid frame: ${message}`), undefined, this);
    this.peer.write(errorFrame(0, new ChatterError("PROTOCOL", message)));
    this.close(CLOSE_PROTOCOL, "protocol error");
  }
  control(kind: ControlKind, frame: unknown[]): void {
    if (kind === GOAWAY) {
      // The client's answer to GOAWAY: no call of its is still on the way.
      if (this.phase !== "goaway") return this.peer.violation("unexpected GOAWAY");
      this.phase = "leaving";
      return this.peer.whenIdle(() => this.close(CLOSE_RESTART, "server shutting down"));
    }
    // Nothing to check. A HELLO may also cross the GOAWAY of a shutdown that began right after the socket opened.
    if ((this.phase === "open" || this.phase === "goaway" || this.phase === "leaving") && !this.core.recovery && !this.core.shared) {
      return void this.peer.write(HELLO_FRAME);
    }
    if (this.phase !== "authenticating") return this.peer.violation("unexpected HELLO");
    if (!this.core.authenticate) return this.admit(frame);
    let verdict: MaybePromise<boolean | void>;
    try {
      verdict = this.core.authenticate(frame[1], this);
    } catch (error) {
      return this.refuse(error);
    }
    Promise.resolve(verdict).then(
      (ok) => (ok === false ? this.refuse() : this.admit(frame)),
      (error) => this.refuse(error),
    );
  }

  /** `hello` is the client's `[HELLO, params, token?, lastSeq?]`. */
  private admit(hello: unknown[]): void {
    if (this.phase !== "authenticating") return; // closed meanwhile
    // Across instances the session is read from the store: the socket stays "authenticating" (one HELLO, nothing else) until then.
    if (this.core.shared) return void this.core.shared.admit(this, hello);
    this.open();
    const recovery = this.core.recovery;
    if (!recovery) {
      this.peer.write(HELLO_FRAME);
      return this.core.admitted(this);
    }
    const token = hello[2];
    // A new socket may come before the server saw the old one drop (a phone that changed networks): it takes over.
    if (typeof token === "string") this.core.takeOver(token);
    const back = recovery.take(token, hello[3]);
    if (back) this.id = back.kept.id;
    this.session = recovery.open(this.id, back?.kept.session);
    this.peer.write(`[${HELLO},"${this.session.token}",${back ? 1 : 0},${recovery.current}]`);
    if (!back) return this.core.admitted(this);
    // The old session's id, state (what this socket's upgrade and `authenticate` set wins) and topics, then what it missed.
    const { kept, missed } = back;
    if (kept.store) this.store = Object.assign(Object.create(null) as State, kept.store, this.store);
    this.core.admitted(this);
    for (const [topic, since] of kept.session.topics ?? []) {
      (this.session.topics ??= new Map()).set(topic, since);
      void this.join(topic);
    }
    this.core.presence.restore(this, kept.session.presence);
    for (const frame of missed) this.peer.write(frame);
  }

  /** Past HELLO: the client's frames are served. */
  open(): void {
    this.phase = "open";
    clearTimeout(this.helloTimer);
  }

  /**
   * Refuses the socket: 4401 (the client stops) for a refusal, 1011 (it retries later) when
   * `authenticate` itself failed — a database outage must not lock every client out for good.
   */
  private refuse(error?: unknown): void {
    if (error !== undefined && !(error instanceof ChatterError)) {
      this.report(error);
      return this.close(CLOSE_INTERNAL, "authentication failed");
    }
    this.close(CLOSE_UNAUTHORIZED, (error?.message ?? "unauthorized").slice(0, 120));
  }
}
