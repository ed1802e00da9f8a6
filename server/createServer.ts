import { clientTopic, Interest, type Adapter } from "./adapter.ts";
import { ChatterError } from "../core/errors.ts";
import { own, Peer, short, tooLarge, type Handler, type PeerConfig } from "../core/peer.ts";
import { CLOSE_GOING_AWAY, CLOSE_INTERNAL, CLOSE_PROTOCOL, CLOSE_RESTART, CLOSE_TIMEOUT, CLOSE_UNAUTHORIZED, GOAWAY, NOTIFY } from "../core/protocol.ts";
import type { Procedures, Schema } from "../core/schema.ts";
import type { StandardSchemaV1 } from "../core/standard.ts";
import type { CallArgs, CallOptions, MaybePromise, OutputOf, ParsedInputOf, ProcedureContext, PublishArgs, ReturnOf } from "../core/types.ts";
import { errorFrame } from "../core/peer.ts";

/** The part of Bun's `ServerWebSocket` Chatter uses (declared here so no Bun type leaks into `.d.ts`). */
export interface BunSocket {
  readonly data: unknown;
  readonly remoteAddress: string;
  send(data: string): number;
  publish(topic: string, data: string): number;
  subscribe(topic: string): unknown;
  unsubscribe(topic: string): unknown;
  isSubscribed(topic: string): boolean;
  close(code?: number, reason?: string): void;
  ping(): number;
}

/** The part of Bun's `Server` Chatter uses. */
export interface BunServer {
  upgrade(request: Request, options?: { data?: any; headers?: HeadersInit }): boolean;
  publish(topic: string, data: string): number;
}

type State = Record<string, unknown>;

/** The connection a server procedure is called with: one connected client. */
export interface ServerClient<TSchema extends Schema = Schema, TState extends State = State> {
  /** Unique per connection, across instances. */
  readonly id: string;
  /** The remote address of the socket. */
  readonly remoteAddress: string;
  /**
   * Subscribes this client to `topic`. The promise resolves once publishes to the topic
   * from every instance reach it: at once without an adapter; with one, when the
   * adapter confirms (await it before telling others the client has joined).
   */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): void;
  isSubscribed(topic: string): boolean;
  /** Calls `name` on every client subscribed to `topic` except this one (Bun's `ws.publish`). */
  publish<K extends keyof TSchema["client"] & string>(topic: string, name: K, ...input: PublishArgs<TSchema["client"][K]>): void;
  /** Calls a procedure of this client and resolves to its result. */
  call<K extends keyof TSchema["client"] & string>(
    name: K,
    ...args: CallArgs<TSchema["client"][K], CallOptions>
  ): Promise<OutputOf<TSchema["client"][K]>>;
  get<K extends keyof TState & string>(key: K): TState[K];
  set<K extends keyof TState & string>(key: K, value: TState[K]): void;
  close(code?: number, reason?: string): void;
}

/** A server procedure: `(input, client, { signal })`. */
export type ServerProcedure<P, TSchema extends Schema, TState extends State> = (
  input: ParsedInputOf<P>,
  client: ServerClient<TSchema, TState>,
  context: ProcedureContext,
) => MaybePromise<ReturnOf<P>>;

export type ServerProcedures<TSchema extends Schema, TState extends State> = {
  [K in keyof TSchema["server"]]: ServerProcedure<TSchema["server"][K], TSchema, TState>;
};

export interface ServerOptions<TSchema extends Schema, TProcedures, TState extends State> {
  schema: TSchema;
  /** Every server procedure of the schema. */
  procedures: TProcedures;
  /** Each connection's `get`/`set` store starts as a copy of this (then the upgrade's `state`). */
  state?: TState;
  /** Milliseconds a server→client call waits. @default 30_000 */
  timeout?: number;
  /** Largest frame in bytes, either way; a bigger incoming frame closes the socket (1009). @default 1_048_576 */
  maxPayload?: number;
  /** A client's calls running at once; more are refused with `OVERLOADED`. @default 1_000 */
  maxCallsInFlight?: number;
  /** Server→client calls waiting per connection; more reject with `OVERLOADED`. @default 1_000 */
  maxPendingCalls?: number;
  /** Bytes queued for a slow client before its socket is closed. @default 1_048_576 */
  backpressureLimit?: number;
  /** Seconds of silence before Bun pings, then closes, a socket (Bun's minimum is 8). @default 60 */
  idleTimeout?: number;
  /**
   * The server's own heartbeat, for finding vanished clients faster than `idleTimeout`:
   * a socket silent for `interval` ms gets a WebSocket ping (every client runtime answers
   * it); one still silent `timeout` ms later is closed (4408) and its calls fail.
   * @default false
   */
  heartbeat?: { interval?: number; timeout?: number } | false;
  /** Allowed `Origin` headers; others are refused at the upgrade. @default undefined (any) */
  origins?: readonly string[] | ((origin: string | null) => boolean);
  /**
   * Checks the params a client sends first (`createClient({ params })`). Return false or
   * throw to refuse the socket (closed with 4401); no procedure or `onConnect` runs before
   * it passes, and the socket is not in `clients`. A socket that has not passed within
   * `timeout` ms is refused too.
   */
  authenticate?: (params: unknown, client: ServerClient<TSchema, TState>) => MaybePromise<boolean | void>;
  onConnect?: (client: ServerClient<TSchema, TState>) => unknown;
  onDisconnect?: (client: ServerClient<TSchema, TState>, info: { code: number; reason: string }) => unknown;
  /**
   * Carries publishes to the other instances of a deployment, e.g. `createRedisAdapter()`
   * from `@manyducks.co/chatter/redis`. Without one, publishes reach this instance only.
   * @default undefined
   */
  adapter?: Adapter;
  /** Errors thrown on this side (procedures, hooks, bad frames, adapter faults). @default a line on stderr */
  onError?: (error: unknown, info: { procedure?: string; client?: ServerClient<TSchema, TState> }) => void;
}

export interface ChatterServer<TSchema extends Schema = Schema, TProcedures = unknown, TState extends State = State> {
  readonly schema: TSchema;
  /** Upgrades a request to a Chatter socket; false if it is not a WebSocket request or its `Origin` is refused. */
  upgrade(request: Request, server: BunServer, options?: { state?: Partial<TState>; headers?: HeadersInit }): boolean;
  /** The `websocket` option of `Bun.serve`. */
  readonly handler: BunWebSocketHandler;
  /** Calls `name` on every client subscribed to `topic`, encoded once, through Bun's native publish. */
  publish<K extends keyof TSchema["client"] & string>(topic: string, name: K, ...input: PublishArgs<TSchema["client"][K]>): void;
  /** The connected clients by id. */
  readonly clients: ReadonlyMap<string, ServerClient<TSchema, TState>>;
  /** Closes every connection with 1001 (clients reconnect, elsewhere if a balancer says so), and the adapter. */
  close(reason?: string): void;
  /**
   * Graceful shutdown: refuses new upgrades, sends GOAWAY so clients hold new calls for their
   * next connection, waits for the calls in flight (both ways), and closes each socket with
   * 1012 once it is idle, or every one left at `timeout` ms (their calls fail `DISCONNECTED`).
   * Resolves when every socket is closed; stop Bun's listener too (`bunServer.stop()`).
   */
  shutdown(options?: { /** @default 10_000 */ timeout?: number; reason?: string }): Promise<void>;
  /** Never read at run time: carries the implementation's types to `createClient<typeof server>`. */
  readonly $types?: { procedures: TProcedures; state: TState };
}

export interface BunWebSocketHandler {
  open(ws: any): void;
  message(ws: any, message: string | Uint8Array): void;
  close(ws: any, code: number, reason: string): void;
  maxPayloadLength: number;
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
  idleTimeout: number;
  sendPings: boolean;
  ping(ws: any): void;
  pong(ws: any): void;
  publishToSelf: boolean;
  perMessageDeflate: boolean;
}

/** Shared by every connection of one server. */
interface Core extends PeerConfig {
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly defaults: State | undefined;
  readonly authenticate: ((params: unknown, client: any) => MaybePromise<boolean | void>) | undefined;
  report(error: unknown, procedure?: string, client?: Connection): void;
  notifyFrame(name: string, input: unknown): string | Promise<string>;
  /** Local subscribers per topic, kept only when the server has an adapter. */
  readonly interest: Interest | undefined;
  /** The client passed `authenticate` (or there is none): it joins `clients`, `onConnect` runs. */
  admitted(client: Connection): void;
  /** Queues a connection's new batch; all of them go out in one microtask, or before a publish. */
  hold(client: Connection): void;
  /**
   * Hands `frame` to Bun's native publish (from `from`'s socket, skipping it, or the server's),
   * after every held batch: a publish never overtakes the answers written before it.
   */
  broadcast(topic: string, frame: string, from?: Connection): void;
}

const SUBSCRIBED = Promise.resolve();

class Connection extends Peer implements ServerClient {
  ws!: BunSocket;
  private store: State | undefined;
  /** false until `authenticate` accepts the client's HELLO (when the server asks for one). */
  private admitted: boolean;
  private authenticating = false;
  private notified = false;
  private acknowledged = false;
  private helloTimer: ReturnType<typeof setTimeout> | undefined;
  private gone = false;
  /** A frame or pong arrived since the heartbeat last looked; `lastSeen` is its coarse time. */
  seen = true;
  lastSeen = Date.now();
  pinged = false;

  constructor(
    private readonly core: Core,
    readonly id: string,
    state: State | undefined,
  ) {
    super(core);
    this.admitted = !core.authenticate;
    // An upgrade's `undefined` field leaves the default in place rather than hiding it.
    if (state) for (const key of Object.keys(state)) if (state[key] !== undefined) (this.store ??= Object.create(null) as State)[key] = state[key];
  }

  get remoteAddress(): string {
    return this.ws.remoteAddress;
  }

  protected write(frame: string): boolean {
    this.batch(frame);
    return true;
  }
  protected sendNow(frame: string): boolean {
    return this.ws.send(frame) !== 0;
  }
  protected dispatch(frame: string, id: number): void {
    this.batch(frame, id); // fails with DISCONNECTED if the socket drops the batch
  }
  protected find(name: string): Handler | undefined {
    return this.core.handlers.get(name);
  }
  protected invoke(handler: Handler, input: unknown, context: ProcedureContext): unknown {
    return handler(input, this, context);
  }
  protected report(error: unknown, procedure?: string): void {
    this.core.report(error, procedure, this);
  }
  protected onViolation(message: string): void {
    this.core.report(new ChatterError("PROTOCOL", `Client ${this.id} sent an invalid frame: ${message}`), undefined, this);
    this.write(errorFrame(0, new ChatterError("PROTOCOL", message)));
    this.close(CLOSE_PROTOCOL, "protocol error");
  }

  override receive(data: string): void {
    if (this.gone) return;
    if (this.admitted) return super.receive(data);
    // Until `authenticate` accepts it, a client may send one frame: its HELLO.
    if (this.authenticating || !data.startsWith("[7")) return this.refuse(new ChatterError("UNAUTHORIZED", "expected connection params first"));
    this.authenticating = true;
    super.receive(data);
  }
  protected override hello(params: unknown): void {
    if (!this.core.authenticate) return this.write("[7]"), undefined;
    if (this.admitted) return this.violation("unexpected HELLO");
    let verdict: MaybePromise<boolean | void>;
    try {
      verdict = this.core.authenticate(params, this);
    } catch (error) {
      return this.refuse(error);
    }
    Promise.resolve(verdict).then(
      (ok) => (ok === false ? this.refuse() : this.admit()),
      (error) => this.refuse(error),
    );
  }
  /** Called once the socket is open. */
  start(ws: BunSocket): void {
    this.ws = ws;
    if (this.admitted) return this.core.admitted(this);
    // Too slow to send its params: closed 4408, which the client retries (it is not a refusal).
    if (this.core.timeout <= 2_147_483_647) this.helloTimer = setTimeout(() => this.close(CLOSE_TIMEOUT, "no connection params in time"), this.core.timeout);
  }
  private admit(): void {
    if (this.gone) return;
    this.admitted = true;
    clearTimeout(this.helloTimer);
    this.write("[7]");
    this.core.admitted(this);
  }
  /** Tells the client the server is going away (graceful shutdown). */
  goAwayNotice(): void {
    if (!this.admitted) return; // closed at once; a GOAWAY answer would break its HELLO exchange
    this.notified = true;
    this.write(`[${GOAWAY}]`);
  }
  /** The client's answer to GOAWAY: no call of its is still on the way. */
  protected override goAway(): void {
    if (!this.notified) return this.violation("unexpected GOAWAY");
    this.acknowledged = true;
  }
  /** May be closed during a shutdown: it has answered GOAWAY and has no call in flight either way (or was never admitted). */
  get drained(): boolean {
    return !this.admitted || (this.acknowledged && this.runningCount === 0 && this.pendingCount === 0);
  }
  protected override get open(): boolean {
    return !this.gone;
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

  closed(): void {
    this.gone = true;
    clearTimeout(this.helloTimer);
    this.disconnect(new ChatterError("DISCONNECTED", `Client ${this.id} disconnected`));
  }

  subscribe(topic: string): Promise<void> {
    this.ws.subscribe(topic);
    // After its close Bun ignores a subscribe: count only what Bun holds.
    if (this.core.interest && this.ws.isSubscribed(topic)) return this.core.interest.add(this, topic) ?? SUBSCRIBED;
    return SUBSCRIBED;
  }
  unsubscribe(topic: string): void {
    this.ws.unsubscribe(topic);
    this.core.interest?.remove(this, topic);
  }
  isSubscribed(topic: string): boolean {
    return this.ws.isSubscribed(topic);
  }
  publish(topic: string, name: string, input?: unknown): void {
    const frame = this.core.notifyFrame(name, input);
    if (typeof frame === "string") this.core.broadcast(topic, frame, this);
    else frame.then((f) => this.core.broadcast(topic, f, this)).catch((error) => this.report(error, name));
  }
  protected override scheduleFlush(): void {
    this.core.hold(this);
  }
  /** Sends this connection's held batch now (nothing if it already went, e.g. before a close). */
  release(): void {
    this.flush();
  }
  override call(name: string, input?: unknown, options?: CallOptions): Promise<any> {
    return super.call(name, input, options);
  }
  get(key: string): any {
    if (this.store && Object.hasOwn(this.store, key)) return this.store[key];
    return this.core.defaults && Object.hasOwn(this.core.defaults, key) ? this.core.defaults[key] : undefined;
  }
  set(key: string, value: unknown): void {
    (this.store ??= Object.create(null) as State)[key] = value;
  }
  close(code?: number, reason?: string): void {
    this.flush(); // what was written before the close goes out first
    this.ws.close(code, reason);
  }
}

/** Creates a Chatter server: pass `handler` to `Bun.serve({ websocket })` and call `upgrade` in `fetch`. */
export function createServer<
  TSchema extends Schema,
  TProcedures extends ServerProcedures<TSchema, TState>,
  TState extends State = State,
>(options: ServerOptions<TSchema, TProcedures, TState>): ChatterServer<TSchema, TProcedures, TState> {
  const { schema } = options;
  const handlers = collectHandlers(schema.server, options.procedures as Record<string, unknown>);
  const maxPayload = options.maxPayload ?? 1_048_576;
  const clients = new Map<string, Connection>();
  const onError = options.onError ?? defaultReport;
  let bunServer: BunServer | undefined;

  const report = (error: unknown, procedure?: string, client?: Connection) => {
    try {
      onError(error, { procedure, client: client as unknown as ServerClient<TSchema, TState> });
    } catch (hookError) {
      defaultReport(hookError, { procedure: "onError hook" });
    }
  };

  const notifyFrame = (name: string, input: unknown): string | Promise<string> => {
    const def = own(schema.client, name);
    if (!def) throw new ChatterError("NOT_FOUND", `No client procedure "${short(name)}" to publish`);
    const encode = (value: unknown) => {
      const frame = JSON.stringify(value === undefined ? [NOTIFY, name] : [NOTIFY, name, value]);
      if (tooLarge(frame, maxPayload)) throw new ChatterError("TOO_LARGE", `The publish of "${short(name)}" is larger than ${maxPayload} bytes`);
      return frame;
    };
    if (!def.input) return encode(undefined);
    const checked = def.input["~standard"].validate(input);
    const settle = (result: StandardSchemaV1.Result<unknown>) => {
      if (result.issues) throw new ChatterError("BAD_INPUT", `Invalid input for the publish of "${short(name)}": ${result.issues[0]?.message}`, { issues: result.issues });
      return encode(input);
    };
    return checked instanceof Promise ? checked.then(settle) : settle(checked);
  };

  const core: Core = {
    local: schema.server,
    remote: schema.client,
    timeout: options.timeout ?? 30_000,
    maxPayload,
    maxIncoming: options.maxCallsInFlight ?? 1_000,
    maxOutgoing: options.maxPendingCalls ?? 1_000,
    remoteIsServer: false,
    handlers,
    defaults: options.state,
    authenticate: options.authenticate,
    report,
    notifyFrame,
    interest: options.adapter && new Interest(options.adapter, (error) => report(error)),
    admitted(client) {
      clients.set(client.id, client);
      if (core.interest) client.subscribe(clientTopic(client.id)); // reachable from any instance by id
      hook(options.onConnect, client);
    },
    hold(client) {
      if (!held.length) queueMicrotask(releaseHeld);
      held.push(client);
    },
    broadcast(topic, frame, from) {
      releaseHeld();
      if (from) from.ws.publish(topic, frame);
      else bunServer?.publish(topic, frame);
      core.interest?.publish(topic, frame);
    },
  };
  // The connections with a batch waiting; one may appear twice (flushed early, then batching again).
  let held: Connection[] = [];
  function releaseHeld() {
    if (!held.length) return;
    const clients = held;
    held = [];
    for (const client of clients) client.release();
  }
  options.adapter?.attach({
    deliver: (topic, frame) => {
      releaseHeld();
      bunServer?.publish(topic, frame);
    },
    report: (error) => report(error),
  });

  const hook = (fn: ((...args: any[]) => unknown) | undefined, client: Connection, ...args: unknown[]) => {
    if (!fn) return;
    try {
      const out = fn(client, ...args);
      if (out instanceof Promise) out.catch((error) => report(error, undefined, client));
    } catch (error) {
      report(error, undefined, client);
    }
  };

  const handler: BunWebSocketHandler = {
    maxPayloadLength: maxPayload,
    backpressureLimit: options.backpressureLimit ?? 1_048_576,
    closeOnBackpressureLimit: true,
    idleTimeout: options.idleTimeout ?? 60,
    sendPings: true,
    publishToSelf: false,
    perMessageDeflate: false,
    open(ws: BunSocket) {
      const client = ws.data as Connection;
      connections.add(client);
      client.start(ws);
      if (draining) client.close(CLOSE_RESTART, "server shutting down");
      else if (heartbeat && !sweeper && connections.has(client)) sweeper = setInterval(sweep, Math.max(10, Math.min(heartbeat.interval, heartbeat.timeout) / 2));
    },
    message(ws: BunSocket, message: string | Uint8Array) {
      const client = ws.data as Connection;
      client.seen = true;
      try {
        if (typeof message === "string") client.receive(message);
        else client["violation"]("binary frames are not part of the protocol");
      } catch (error) {
        report(error, undefined, client);
      }
    },
    ping(ws: BunSocket) {
      (ws.data as Connection).seen = true;
    },
    pong(ws: BunSocket) {
      (ws.data as Connection).seen = true;
    },
    close(ws: BunSocket, code: number, reason: string) {
      const client = ws.data as Connection;
      connections.delete(client);
      const wasClient = clients.delete(client.id);
      core.interest?.drop(client);
      try {
        client.closed();
      } catch (error) {
        report(error, undefined, client);
      }
      if (wasClient) hook(options.onDisconnect, client, { code, reason });
      if (sweeper && !connections.size) clearInterval(sweeper), (sweeper = undefined);
    },
  };

  // Every open socket, admitted or not (`clients` holds the admitted ones).
  const connections = new Set<Connection>();
  const heartbeat = options.heartbeat ? { interval: options.heartbeat.interval ?? 10_000, timeout: options.heartbeat.timeout ?? 5_000 } : undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  let draining: Promise<void> | undefined;
  // One timer for all sockets; a frame only sets a flag, the sweep reads the clock.
  const sweep = () => {
    const now = Date.now();
    for (const client of connections) {
      if (client.seen) {
        client.seen = client.pinged = false;
        client.lastSeen = now;
      } else if (now - client.lastSeen >= heartbeat!.interval + heartbeat!.timeout) {
        client.close(CLOSE_TIMEOUT, "heartbeat timeout");
      } else if (!client.pinged && now - client.lastSeen >= heartbeat!.interval) {
        client.pinged = true;
        client.ws.ping();
      }
    }
  };

  const origins = options.origins;
  const originAllowed = (origin: string | null) => {
    if (!origins) return true;
    if (typeof origins !== "function") return origin !== null && origins.includes(origin);
    try {
      return origins(origin);
    } catch (error) {
      report(error); // a check that throws refuses, like one that says no
      return false;
    }
  };

  return {
    schema,
    handler,
    clients: clients as unknown as ReadonlyMap<string, ServerClient<TSchema, TState>>,
    upgrade(request, server, upgradeOptions) {
      bunServer = server;
      if (draining || !originAllowed(request.headers.get("origin"))) return false;
      const client = new Connection(core, crypto.randomUUID(), upgradeOptions?.state as State | undefined);
      return server.upgrade(request, { data: client, headers: upgradeOptions?.headers });
    },
    publish(topic: string, name: string, input?: unknown) {
      const frame = notifyFrame(name, input);
      if (typeof frame === "string") core.broadcast(topic, frame);
      else frame.then((f) => core.broadcast(topic, f)).catch((error) => report(error, name));
    },
    shutdown({ timeout = 10_000, reason = "server shutting down" } = {}) {
      draining ??= new Promise<void>((resolve) => {
        const deadline = Date.now() + timeout;
        for (const client of connections) client.goAwayNotice();
        const drain = () => {
          const late = Date.now() >= deadline;
          for (const client of connections) if (late || client.drained) client.close(CLOSE_RESTART, reason);
          if (connections.size) return void setTimeout(drain, 20);
          core.interest?.close();
          resolve();
        };
        drain();
      });
      return draining;
    },
    close(reason = "server shutting down") {
      draining ??= Promise.resolve(); // refuse new upgrades from now on
      for (const client of connections) client.close(CLOSE_GOING_AWAY, reason);
      core.interest?.close();
    },
  } as ChatterServer<TSchema, TProcedures, TState>;
}

/** The handlers by name; every server procedure of the schema must have one, and nothing else may. */
function collectHandlers(procedures: Procedures, implementations: Record<string, unknown>): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  for (const name of Object.keys(procedures)) {
    const fn = Object.hasOwn(implementations, name) ? implementations[name] : undefined;
    if (typeof fn !== "function") throw new TypeError(`createServer: server procedure "${name}" has no implementation in "procedures"`);
    handlers.set(name, fn as Handler);
  }
  for (const name of Object.keys(implementations)) {
    if (!Object.hasOwn(procedures, name)) throw new TypeError(`createServer: "${name}" is in "procedures" but not in the schema's server procedures`);
  }
  return handlers;
}

function defaultReport(error: unknown, info: { procedure?: string }): void {
  const where = info.procedure ? ` in "${info.procedure}"` : "";
  if (error instanceof ChatterError && error.code === "PROTOCOL") console.warn(`[chatter] ${error.message}`);
  else console.error(`[chatter] error${where}:`, error);
}
