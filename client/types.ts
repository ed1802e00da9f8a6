import type { Procedure, Schema } from "../core/schema.ts";
import type { CallName, InputOf, KnownName, MaybePromise, ParsedInputOf, ProcedureContext, ReturnOf, SchemaOf, SchemaOrServer, ServerCallMap, StreamName } from "../core/types.ts";

export type { CallResult, SchemaOf, SchemaOrServer, StreamItem } from "../core/types.ts";

/** The part of the standard `WebSocket` Chatter uses: browsers, Bun, Deno and the `ws` package all fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  // `any`: each implementation types its own MessageEvent/CloseEvent, and a narrower
  // parameter here would make the DOM's and `ws`'s classes unassignable.
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type ClientStatus = "connecting" | "open" | "reconnecting" | "closed";

/** A client procedure: `(input, { signal })`. */
export type ClientProcedure<P> = (input: ParsedInputOf<P>, context: ProcedureContext) => MaybePromise<ReturnOf<P>>;
export type ClientProcedures<TSchema extends Schema> = { [K in keyof TSchema["client"]]: ClientProcedure<TSchema["client"][K]> };

export interface ReconnectOptions {
  /** First delay in ms; each attempt doubles it (up to `maxDelay`), then a random half is taken off; at least 10. @default 250 */
  initialDelay?: number;
  /** @default 10_000 */
  maxDelay?: number;
  /** Attempts in a row before giving up (status `closed`). @default Infinity */
  maxAttempts?: number;
}

export interface HeartbeatOptions {
  /** Ms of silence from the server before the client pings it. @default 10_000 */
  interval?: number;
  /** Ms to wait for any frame after a ping before the connection is declared dead. @default 5_000 */
  timeout?: number;
}

export interface ClientOptions<TSchema extends Schema> {
  /** The server's `ws://` or `wss://` URL, or a function called on every attempt (to fail over to another instance). */
  url: string | URL | (() => string | URL);
  schema: TSchema;
  /** Client procedures; may be partial (`implement` adds more later). */
  procedures?: Partial<ClientProcedures<TSchema>>;
  /** Default call timeout in ms, queued time included. @default 30_000 */
  timeout?: number;
  /** Reconnect with exponential backoff and jitter, or `false` for never. @default {} */
  reconnect?: ReconnectOptions | false;
  /** Ping a silent server to notice a dead connection, or `false`. @default {} */
  heartbeat?: HeartbeatOptions | false;
  /**
   * Runs on every open (reconnects too) before queued calls go out: rejoin rooms here,
   * unless `recovered` (the server's `recovery` gave this client its session back: same id,
   * topics and state, and what it missed was replayed).
   */
  onOpen?: (client: ChatterClient<TSchema>, info: OpenInfo) => unknown;
  /** Sent first on every connection attempt (a function is called each time, so a token can be refreshed). */
  params?: unknown | (() => MaybePromise<unknown>);
  /** A WebSocket class, where there is no global one (Node 20: `import WebSocket from "ws"`). */
  WebSocket?: WebSocketConstructor;
  /** Calls waiting at once (queued offline or in flight); more reject with `OVERLOADED`. @default 10_000 */
  maxPendingCalls?: number;
  /**
   * Largest frame in bytes, either way: a bigger call is refused with `TOO_LARGE` before it is
   * sent, and a bigger frame from the server closes the socket (its calls fail `DISCONNECTED`,
   * `TOO_LARGE` is reported, the client reconnects). Match the server's. @default 1_048_576
   */
  maxPayload?: number;
  /**
   * Ms one connection attempt may take: the WebSocket handshake and, with `params`, the
   * server's answer to them. Past it the attempt is given up and retried with the backoff,
   * so a server that accepts TCP and never answers (frozen, behind a dead proxy) cannot hold
   * the client in `connecting`. `Infinity` for no bound. @default 10_000
   */
  connectTimeout?: number;
  /**
   * Errors thrown on this side (client procedures, bad frames). The first 10 of a kind in
   * 10 s are passed on; the rest are counted and reported once ("<n> more like this…") when
   * the 10 s end or the socket goes. @default a line on the console
   */
  onError?: (error: unknown, info: { procedure?: string }) => void;
}

export interface ChatterClient<T extends SchemaOrServer = Schema> {
  readonly schema: SchemaOf<T>;
  /** Calls a server procedure; waits for the socket when it is not open yet. */
  call<K extends string>(name: KnownName<K, CallName<SchemaOf<T>["server"]>>, ...args: ServerCallMap<T>[K]["args"]): Promise<ServerCallMap<T>[K]["result"]>;
  /**
   * Opens a server stream: iterate it with `for await`. `break` (or the `signal`) stops the
   * producer; the producer runs at most `window` items ahead of the loop.
   */
  stream<K extends string>(name: KnownName<K, StreamNameOf<SchemaOf<T>["server"]>>, ...args: ServerCallMap<T>[K]["args"]): AsyncIterableIterator<ServerCallMap<T>[K]["item"]>;
  /** Implements a client procedure; the latest registration of a name wins until removed. Returns its remover. */
  implement<K extends keyof SchemaOf<T>["client"] & string>(name: K, handler: ClientProcedure<SchemaOf<T>["client"][K]>): () => void;
  readonly status: ClientStatus;
  /** The last open took back the session a dropped connection left (see the server's `recovery`). */
  readonly recovered: boolean;
  /**
   * Calls `listener` when the server says what this client cached changed (`client.invalidate`,
   * `client.setData` and their topic forms on the server); returns its remover. The React and
   * Solid providers apply them to the query cache; a plain client can listen too.
   */
  onUpdate(listener: UpdateListener<T>): () => void;
  /** Calls `listener` on every status change; returns its remover. */
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** Closes the connection for good: waiting calls reject with `DISCONNECTED`. */
  close(): void;
}

/** The names `stream` takes: the schema's streams, or any name for a client of no particular schema (as `call`). */
type StreamNameOf<S> = string extends keyof S ? string : StreamName<S>;

/**
 * What the server says changed in what this client cached, by server procedure: `invalidate`
 * without `input` means every input of `name`; `setData`'s `data` is what a call of
 * `name(input)` resolves to.
 */
export type CacheUpdate<T extends SchemaOrServer = Schema> = {
  [K in keyof SchemaOf<T>["server"] & string]:
    | { readonly type: "invalidate"; readonly name: K; readonly input?: UpdateInput<SchemaOf<T>["server"][K]> }
    | { readonly type: "setData"; readonly name: K; readonly input: UpdateInput<SchemaOf<T>["server"][K]>; readonly data: ServerCallMap<T>[K]["result"] };
}[keyof SchemaOf<T>["server"] & string];

/** A cache entry's input; `unknown` for a client of no particular schema. */
type UpdateInput<P> = Procedure extends P ? unknown : InputOf<P>;

/** An `onUpdate` listener; method-typed so that a typed client still passes where a `ChatterClient` of any schema is expected. */
export type UpdateListener<T extends SchemaOrServer = Schema> = { listen(update: CacheUpdate<T>): void }["listen"];

/** What `onOpen` is told about the connection that opened. */
export interface OpenInfo {
  /** The server kept this client's session across a drop and gave it back. */
  readonly recovered: boolean;
}
