import type { Adapter } from "./adapter.ts";
import type { CallAllEntry } from "./cluster.ts";
import type { JsonValue, PresenceDiff, PresenceEntry } from "./presence.ts";
import type { RecoveryOptions } from "./recovery.ts";
import type { Schema } from "../core/schema.ts";
import type { CallMap, CallName, KnownName, StreamName, MaybePromise, ParsedInputOf, ProcedureContext, ReturnOf, InferIn, InferOut, Jsonify } from "../core/types.ts";

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

export type State = Record<string, unknown>;

/** The server's own procedures, for what it tells a client's cache: each `sent` is a cache entry's input, as the client's call passed it (`undefined` for a procedure that takes none), and `returns` its data before parsing. */
type OwnCalls<TSchema extends Schema> = CallMap<TSchema["server"]>;
/** The client's procedures as the server calls and publishes them. */
type ClientCalls<TSchema extends Schema> = CallMap<TSchema["client"]>;

/** The schema's `presence` validator (never when it has none). One type per schema, not per procedure. */
type MetaSchema<TSchema extends Schema> = Exclude<TSchema["presence"], undefined>;
/** What `client.track` takes: the `presence` schema's input type, else any JSON value. */
export type MetaInput<TSchema extends Schema> = [MetaSchema<TSchema>] extends [never] ? JsonValue : InferIn<MetaSchema<TSchema>>;
/** A meta as listed and reported: what the `presence` schema parsed it to, as JSON carries it. */
export type Meta<TSchema extends Schema> = [MetaSchema<TSchema>] extends [never] ? JsonValue : Jsonify<InferOut<MetaSchema<TSchema>>>;

/** The connection a server procedure is called with: one connected client. */
export interface ServerClient<TSchema extends Schema = Schema, TState extends State = State> {
  /** Unique per connection, across instances. */
  readonly id: string;
  /** This connection took back a dropped session (same id, topics and state; what it missed was replayed). */
  readonly recovered: boolean;
  /** The remote address of the socket. */
  readonly remoteAddress: string;
  /**
   * Subscribes this client to `topic`. The promise resolves once publishes to the topic
   * from every instance reach it: at once without an adapter; with one, when the
   * adapter confirms (await it before telling others the client has joined).
   * A topic is a non-empty string with no lone surrogates (Bun and Redis would merge
   * "\ud800" with "\ufffd"); any other throws `BAD_INPUT` here, as `unsubscribe` and the
   * publishes do, and `isSubscribed` answers false.
   */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): void;
  isSubscribed(topic: string): boolean;
  /**
   * Tracks this client in `topic`'s presence with `meta` (checked by the schema's `presence`;
   * `BAD_INPUT` if it fails), on every instance; resolves once stored. Tracking again replaces
   * the meta (a leave of the old and a join of the new). Independent of `subscribe`; a topic
   * follows its rules. A disconnect untracks every topic.
   */
  track(topic: string, meta: MetaInput<TSchema>): Promise<void>;
  untrack(topic: string): void;
  /** Calls `name` on every client subscribed to `topic` except this one (Bun's `ws.publish`). */
  publish<K extends string>(topic: string, name: KnownName<K, keyof TSchema["client"] & string>, ...input: ClientCalls<TSchema>[K]["publish"]): void;
  /**
   * Tells this client that what it cached for the server procedure `name(input)` is stale
   * (without `input`: every input of `name`); under a provider, active queries refetch.
   * Sent after the answers written before it.
   */
  invalidate<K extends string>(name: KnownName<K, keyof TSchema["server"] & string>, input?: OwnCalls<TSchema>[K]["sent"]): void;
  /** Puts `data` in this client's cache as what `name(input)` resolves to, parsed by `name`'s output schema first (`BAD_OUTPUT` if it fails). */
  setData<K extends string>(name: KnownName<K, keyof TSchema["server"] & string>, input: OwnCalls<TSchema>[K]["sent"], data: OwnCalls<TSchema>[K]["returns"]): void;
  /** Calls a procedure of this client and resolves to its result. */
  call<K extends string>(name: KnownName<K, CallName<TSchema["client"]>>, ...args: ClientCalls<TSchema>[K]["args"]): Promise<ClientCalls<TSchema>[K]["result"]>;
  /**
   * Calls `name` on every client subscribed to `topic` but this one, on every instance, and
   * resolves to one entry per client (see `ChatterServer.callAll`).
   */
  callAll<K extends string>(topic: string, name: KnownName<K, CallName<TSchema["client"]>>, ...args: ClientCalls<TSchema>[K]["args"]): Promise<CallAllEntry<ClientCalls<TSchema>[K]["result"]>[]>;
  /** Opens a stream of this client's: iterate it with `for await`; `break` (or the `signal`) stops it. */
  stream<K extends string>(name: KnownName<K, StreamName<TSchema["client"]>>, ...args: ClientCalls<TSchema>[K]["args"]): AsyncIterableIterator<ClientCalls<TSchema>[K]["item"]>;
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
  /**
   * Sessions survive a dropped connection (off by default; `true` for the defaults): after a
   * drop the client's id, topics, state and the publishes and cache updates it missed are
   * kept for `window` ms, and a client that comes back with its session token recovers them,
   * exactly once and in order. See docs/recovery.md.
   */
  recovery?: RecoveryOptions | true;
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
   * A topic's presence changed (`track`, `untrack`, a disconnect). Runs once in the whole
   * deployment, on the instance where it happened (for a crashed instance's members: on the
   * instance that removed them), so a `server.publish` from it reaches each client once.
   */
  onPresence?: (topic: string, diff: PresenceDiff<Meta<TSchema>>) => unknown;
  /**
   * Carries publishes to the other instances of a deployment, e.g. `createRedisAdapter()`
   * from `@manyducks.co/chatter/redis`. Without one, publishes reach this instance only.
   * @default undefined
   */
  adapter?: Adapter;
  /**
   * Errors thrown on this side (procedures, hooks, bad frames, adapter faults). Per client,
   * the first 10 of a kind (procedure and error code or class) in 10 s are passed on; the rest
   * are counted and reported once, "<n> more like this from client <id>…", when the 10 s end
   * or the client leaves. @default a line on stderr
   */
  onError?: (error: unknown, info: { procedure?: string; client?: ServerClient<TSchema, TState> }) => void;
}

export interface ChatterServer<TSchema extends Schema = Schema, TProcedures = unknown, TState extends State = State> {
  readonly schema: TSchema;
  /** Upgrades a request to a Chatter socket; false if it is not a WebSocket request or its `Origin` is refused. */
  upgrade(request: Request, server: BunServer, options?: { state?: Partial<TState>; headers?: HeadersInit }): boolean;
  /** The `websocket` option of `Bun.serve`. */
  readonly handler: BunWebSocketHandler;
  /** Calls `name` on every client subscribed to `topic`, encoded once, through Bun's native publish. */
  publish<K extends string>(topic: string, name: KnownName<K, keyof TSchema["client"] & string>, ...input: ClientCalls<TSchema>[K]["publish"]): void;
  /** `client.invalidate` for every subscriber of `topic` (on every instance, through the adapter), encoded once. */
  invalidate<K extends string>(topic: string, name: KnownName<K, keyof TSchema["server"] & string>, input?: OwnCalls<TSchema>[K]["sent"]): void;
  /** `client.setData` for every subscriber of `topic` (on every instance), validated and encoded once. */
  setData<K extends string>(topic: string, name: KnownName<K, keyof TSchema["server"] & string>, input: OwnCalls<TSchema>[K]["sent"], data: OwnCalls<TSchema>[K]["returns"]): void;
  /**
   * Calls a procedure of the client `id` and resolves to its result, whichever instance it is
   * connected to (through the adapter); `NOT_FOUND` when none holds it. `timeout` and
   * `signal` reach the client procedure's signal across instances too.
   */
  call<K extends string>(id: string, name: KnownName<K, CallName<TSchema["client"]>>, ...args: ClientCalls<TSchema>[K]["args"]): Promise<ClientCalls<TSchema>[K]["result"]>;
  /**
   * Calls `name` on every client subscribed to `topic`, on every instance, and resolves to
   * one entry per client, `{ id, ok: true, value }` or `{ id, ok: false, error }`, once all
   * have answered or `timeout` ms have passed (the slow ones are `TIMEOUT` entries). Each
   * instance encodes the call once and times its clients out with one timer. A client on an
   * instance that dies meanwhile is missing from the result.
   */
  callAll<K extends string>(topic: string, name: KnownName<K, CallName<TSchema["client"]>>, ...args: ClientCalls<TSchema>[K]["args"]): Promise<CallAllEntry<ClientCalls<TSchema>[K]["result"]>[]>;
  /** Every client tracked in `topic` (`client.track`), on every instance; the order is not defined. */
  presence(topic: string): Promise<PresenceEntry<Meta<TSchema>>[]>;
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
