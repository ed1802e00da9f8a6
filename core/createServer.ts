import { ChatterError } from "./errors.ts";
import { own, Peer, short, tooLarge, type Handler, type PeerConfig } from "./peer.ts";
import { CLOSE_GOING_AWAY, CLOSE_PROTOCOL, CLOSE_UNAUTHORIZED, NOTIFY } from "./protocol.ts";
import type { Procedures, Schema } from "./schema.ts";
import type { StandardSchemaV1 } from "./standard.ts";
import type { CallArgs, CallOptions, MaybePromise, OutputOf, ParsedInputOf, ProcedureContext, PublishArgs, ReturnOf } from "./types.ts";
import { errorFrame } from "./peer.ts";

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
  subscribe(topic: string): void;
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
  /** Seconds of silence before Bun pings, then closes, a socket. @default 60 */
  idleTimeout?: number;
  /** Allowed `Origin` headers; others are refused at the upgrade. @default undefined (any) */
  origins?: readonly string[] | ((origin: string | null) => boolean);
  /**
   * Checks the params a client sends first (`createClient({ params })`). Return false or
   * throw to refuse the socket (closed with 4401); no procedure runs before it passes.
   */
  authenticate?: (params: unknown, client: ServerClient<TSchema, TState>) => MaybePromise<boolean | void>;
  onConnect?: (client: ServerClient<TSchema, TState>) => unknown;
  onDisconnect?: (client: ServerClient<TSchema, TState>, info: { code: number; reason: string }) => unknown;
  /** Errors thrown on this side (procedures, hooks, bad frames). @default a line on stderr */
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
  /** Closes every connection with 1001 (clients reconnect, elsewhere if a balancer says so). */
  close(reason?: string): void;
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
}

class Connection extends Peer implements ServerClient {
  ws!: BunSocket;
  private store: State | undefined;
  /** false until `authenticate` accepts the client's HELLO (when the server asks for one). */
  private admitted: boolean;
  private authenticating = false;

  constructor(
    private readonly core: Core,
    readonly id: string,
    state: State | undefined,
  ) {
    super(core);
    this.admitted = !core.authenticate;
    if (state) this.store = Object.assign(Object.create(null), state);
  }

  get remoteAddress(): string {
    return this.ws.remoteAddress;
  }

  protected write(frame: string): boolean {
    return this.ws.send(frame) !== 0;
  }
  protected dispatch(frame: string, id: number): void {
    if (!this.write(frame)) this.failCall(id, new ChatterError("DISCONNECTED", "The client's socket is closed or over its backpressure limit"));
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
  protected violation(message: string): void {
    this.core.report(new ChatterError("PROTOCOL", `Client ${this.id} sent an invalid frame: ${message}`), undefined, this);
    this.write(errorFrame(0, new ChatterError("PROTOCOL", message)));
    this.ws.close(CLOSE_PROTOCOL, "protocol error");
  }

  override receive(data: string): void {
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
  private admit(): void {
    this.admitted = true;
    this.write("[7]");
  }
  private refuse(error?: unknown): void {
    const reason = error instanceof ChatterError ? error.message : "unauthorized";
    if (error !== undefined && !(error instanceof ChatterError)) this.report(error);
    this.ws.close(CLOSE_UNAUTHORIZED, reason.slice(0, 120));
  }

  closed(): void {
    this.disconnect(new ChatterError("DISCONNECTED", `Client ${this.id} disconnected`));
  }

  subscribe(topic: string): void {
    this.ws.subscribe(topic);
  }
  unsubscribe(topic: string): void {
    this.ws.unsubscribe(topic);
  }
  isSubscribed(topic: string): boolean {
    return this.ws.isSubscribed(topic);
  }
  publish(topic: string, name: string, input?: unknown): void {
    const frame = this.core.notifyFrame(name, input);
    if (typeof frame === "string") this.ws.publish(topic, frame);
    else frame.then((f) => this.ws.publish(topic, f)).catch((error) => this.report(error, name));
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
    checkResults: true,
    handlers,
    defaults: options.state,
    authenticate: options.authenticate,
    report,
    notifyFrame,
  };

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
      client.ws = ws;
      clients.set(client.id, client);
      hook(options.onConnect, client);
    },
    message(ws: BunSocket, message: string | Uint8Array) {
      const client = ws.data as Connection;
      try {
        if (typeof message === "string") client.receive(message);
        else client["violation"]("binary frames are not part of the protocol");
      } catch (error) {
        report(error, undefined, client);
      }
    },
    close(ws: BunSocket, code: number, reason: string) {
      const client = ws.data as Connection;
      clients.delete(client.id);
      try {
        client.closed();
      } catch (error) {
        report(error, undefined, client);
      }
      hook(options.onDisconnect, client, { code, reason });
    },
  };

  const origins = options.origins;
  const originAllowed = (origin: string | null) =>
    !origins || (typeof origins === "function" ? origins(origin) : origin !== null && origins.includes(origin));

  return {
    schema,
    handler,
    clients: clients as unknown as ReadonlyMap<string, ServerClient<TSchema, TState>>,
    upgrade(request, server, upgradeOptions) {
      bunServer = server;
      if (!originAllowed(request.headers.get("origin"))) return false;
      const client = new Connection(core, crypto.randomUUID(), upgradeOptions?.state as State | undefined);
      return server.upgrade(request, { data: client, headers: upgradeOptions?.headers });
    },
    publish(topic: string, name: string, input?: unknown) {
      const frame = notifyFrame(name, input);
      if (typeof frame === "string") bunServer?.publish(topic, frame);
      else frame.then((f) => bunServer?.publish(topic, f)).catch((error) => report(error, name));
    },
    close(reason = "server shutting down") {
      for (const client of clients.values()) client.close(CLOSE_GOING_AWAY, reason);
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
