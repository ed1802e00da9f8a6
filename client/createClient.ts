import { ChatterError } from "../core/errors.ts";
import { own, Peer, type Handler } from "../core/peer.ts";
import { CLOSE_UNAUTHORIZED, HELLO, PING_FRAME } from "../core/protocol.ts";
import type { Schema } from "../core/schema.ts";
import type { CallArgs, CallOptions, MaybePromise, OutputOf, ParsedInputOf, ProcedureContext, ReturnOf } from "../core/types.ts";

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
  /** The server's `ws://` or `wss://` URL. */
  url: string | URL;
  schema: TSchema;
  /** Client procedures; may be partial (`implement` adds more later). */
  procedures?: Partial<ClientProcedures<TSchema>>;
  /** Default call timeout in ms, queued time included. @default 30_000 */
  timeout?: number;
  /** Reconnect with exponential backoff and jitter, or `false` for never. @default {} */
  reconnect?: ReconnectOptions | false;
  /** Ping a silent server to notice a dead connection, or `false`. @default {} */
  heartbeat?: HeartbeatOptions | false;
  /** Runs on every open (reconnects too) before queued calls go out: rejoin rooms here. */
  onOpen?: (client: ChatterClient<TSchema, unknown>) => unknown;
  /** Sent first on every connection attempt (a function is called each time, so a token can be refreshed). */
  params?: unknown | (() => MaybePromise<unknown>);
  /** A WebSocket class, where there is no global one (Node 20: `import WebSocket from "ws"`). */
  WebSocket?: WebSocketConstructor;
  /** Calls waiting at once (queued offline or in flight); more reject with `OVERLOADED`. @default 10_000 */
  maxPendingCalls?: number;
  /** Largest frame in bytes this client sends. @default 1_048_576 */
  maxPayload?: number;
  /** Errors thrown on this side (client procedures, bad frames). @default a line on the console */
  onError?: (error: unknown, info: { procedure?: string }) => void;
}

type ServerLike = { readonly schema: Schema; readonly $types?: { procedures: unknown } };
/** A schema, or a server's type (`createClient<typeof server>`) to also learn what undeclared outputs return. */
export type SchemaOrServer = Schema | ServerLike;
export type SchemaOf<T> = T extends Schema ? T : T extends ServerLike ? T["schema"] : never;
type ImplementationOf<T> = T extends ServerLike ? NonNullable<T["$types"]>["procedures"] : unknown;
/** What `call(K)` resolves to. */
export type CallResult<T, K extends PropertyKey> = OutputOf<
  SchemaOf<T>["server"][K & keyof SchemaOf<T>["server"]],
  ImplementationOf<T> extends { [P in K]: (...args: any[]) => infer R } ? Awaited<R> : unknown
>;

export interface ChatterClient<T extends SchemaOrServer = Schema, _ = unknown> {
  readonly schema: SchemaOf<T>;
  /** Calls a server procedure; waits for the socket when it is not open yet. */
  call<K extends keyof SchemaOf<T>["server"] & string>(name: K, ...args: CallArgs<SchemaOf<T>["server"][K], CallOptions>): Promise<CallResult<T, K>>;
  /** Implements a client procedure; the latest registration of a name wins until removed. Returns its remover. */
  implement<K extends keyof SchemaOf<T>["client"] & string>(name: K, handler: ClientProcedure<SchemaOf<T>["client"][K]>): () => void;
  readonly status: ClientStatus;
  /** Calls `listener` on every status change; returns its remover. */
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** Closes the connection for good: waiting calls reject with `DISCONNECTED`. */
  close(): void;
}

class ClientPeer extends Peer {
  status: ClientStatus = "connecting";
  private ws: WebSocketLike | undefined;
  private readonly queue = new Map<number, string>();
  private readonly handlers = new Map<string, { handler: Handler }[]>();
  private readonly listeners = new Set<(status: ClientStatus) => void>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private lastSeen = 0;
  /** A frame arrived since the heartbeat last looked: a flag per frame, the heartbeat reads the clock. */
  private heard = false;
  private pinged = false;
  /** The server sent GOAWAY: new calls wait for the next connection. */
  private leaving = false;
  private readonly WebSocket: WebSocketConstructor;

  constructor(
    private readonly options: ClientOptions<Schema>,
    private readonly facade: ChatterClient<Schema>,
  ) {
    super({
      local: options.schema.client,
      remote: options.schema.server,
      timeout: options.timeout ?? 30_000,
      maxPayload: options.maxPayload ?? 1_048_576,
      maxIncoming: 1_000,
      maxOutgoing: options.maxPendingCalls ?? 10_000,
      remoteIsServer: true,
    });
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('createClient: there is no global WebSocket here; pass one, e.g. createClient({ WebSocket }) with `import WebSocket from "ws"`');
    this.WebSocket = WS;
    for (const [name, handler] of Object.entries(options.procedures ?? {})) {
      if (handler) this.implement(name, handler as Handler);
    }
    this.connect();
  }

  implement(name: string, handler: Handler): () => void {
    if (!own(this.config.local, name)) throw new TypeError(`implement: "${name}" is not a client procedure of the schema`);
    if (typeof handler !== "function") throw new TypeError(`implement: the handler of "${name}" must be a function`);
    const stack = this.handlers.get(name) ?? [];
    this.handlers.set(name, stack);
    const entry = { handler }; // its own entry: the same function registered twice is two registrations
    stack.push(entry);
    return () => {
      const at = stack.indexOf(entry);
      if (at >= 0) stack.splice(at, 1);
    };
  }

  onStatus(listener: (status: ClientStatus) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  close(): void {
    if (this.status === "closed") return;
    this.flush(); // what was written before the close goes out first
    const ws = this.ws;
    this.drop();
    ws?.close(1000, "client closed");
    this.setStatus("closed");
    this.failAll("The client was closed");
  }

  // Answers, cancels and pongs go out whenever the socket is open (even before the
  // server's HELLO answer: a server without `authenticate` may call us at once);
  // only new calls wait for status "open" (see `dispatch`).
  protected write(frame: string): boolean {
    if (this.ws?.readyState !== 1) return false;
    this.batch(frame);
    return true;
  }
  protected sendNow(frame: string): boolean {
    if (this.ws?.readyState !== 1) return false; // closed since: its calls already failed with DISCONNECTED
    this.ws.send(frame);
    return true;
  }
  protected dispatch(frame: string, id: number): void {
    if (this.status === "open" && !this.leaving && this.write(frame)) return;
    if (this.status === "closed") return this.failCall(id, new ChatterError("DISCONNECTED", "The client is closed"));
    this.queue.set(id, frame);
  }
  protected override cancelRemote(id: number): void {
    if (!this.queue.delete(id)) this.write(`[4,${id}]`);
  }
  protected find(name: string): Handler | undefined {
    const stack = this.handlers.get(name);
    return stack?.[stack.length - 1]?.handler;
  }
  protected invoke(handler: Handler, input: unknown, context: ProcedureContext): unknown {
    return handler(input, context);
  }
  protected report(error: unknown, procedure?: string): void {
    const onError = this.options.onError;
    if (onError) {
      try {
        return onError(error, { procedure });
      } catch {}
    }
    console.error(`[chatter] error${procedure ? ` in "${procedure}"` : ""}:`, error);
  }
  protected onViolation(message: string): void {
    this.report(new ChatterError("PROTOCOL", `The server sent an invalid frame: ${message}`));
  }
  protected override hello(): void {
    if (this.status !== "open") this.opened();
  }
  protected override goAway(): void {
    // New calls wait for the next connection; the answer tells the server no call of ours
    // is still on its way, so it may close (1012) once the calls in flight are answered.
    if (this.leaving) return;
    this.leaving = true;
    this.write("[8]");
  }

  private connect(): void {
    let ws: WebSocketLike;
    try {
      ws = new this.WebSocket(String(this.options.url));
    } catch (error) {
      this.report(error);
      if ((error as Error)?.name === "SyntaxError") {
        // A malformed URL will not get better with retries.
        this.setStatus("closed");
        return this.failAll(`Invalid URL: ${String(this.options.url)}`);
      }
      return this.closed(1006);
    }
    this.ws = ws;
    ws.onopen = () => this.greet(ws);
    ws.onmessage = (event: { data: unknown }) => {
      this.heard = true;
      this.pinged = false;
      if (typeof event.data === "string") this.receive(event.data);
      else this.violation("binary frame");
    };
    ws.onclose = (event: { code: number }) => {
      if (this.ws === ws) this.closed(event.code);
    };
    ws.onerror = () => {}; // a close event always follows
  }

  /** Sends the params first when there are any; the server's HELLO answer opens the client. */
  // The heartbeat starts in `opened`: until the server answers HELLO, the client sends
  // nothing but HELLO (the server bounds that wait itself).
  private async greet(ws: WebSocketLike): Promise<void> {
    const { params } = this.options;
    if (params === undefined) return this.opened();
    try {
      const value = typeof params === "function" ? await params() : params;
      if (this.ws === ws && ws.readyState === 1) ws.send(JSON.stringify([HELLO, value ?? null]));
    } catch (error) {
      this.report(error);
      ws.close(4000, "params failed");
    }
  }

  private opened(): void {
    this.attempt = 0;
    this.status = "open";
    this.startHeartbeat();
    try {
      const out = this.options.onOpen?.(this.facade);
      if (out instanceof Promise) out.catch((error) => this.report(error, "onOpen"));
    } catch (error) {
      this.report(error, "onOpen");
    }
    this.emit();
    for (const [id, frame] of this.queue) {
      this.queue.delete(id);
      if (this.isPending(id)) this.write(frame);
    }
  }

  private closed(code: number): void {
    this.drop();
    if (this.status === "closed") return;
    const refused = code === CLOSE_UNAUTHORIZED;
    const reconnect = this.options.reconnect;
    if (refused || reconnect === false || this.attempt >= (reconnect?.maxAttempts ?? Infinity)) {
      this.setStatus("closed");
      return this.failAll(refused ? "The server refused the connection" : "The connection closed", refused ? "UNAUTHORIZED" : "DISCONNECTED");
    }
    const base = Math.min(reconnect?.maxDelay ?? 10_000, Math.max(10, reconnect?.initialDelay ?? 250) * 2 ** this.attempt++); // 0 would retry in a tight loop
    this.retryTimer = setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
    this.setStatus("reconnecting");
  }

  /** Forgets the current socket: calls sent on it fail, queued ones wait for the next. */
  private drop(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.leaving = false;
    if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.retryTimer);
    this.heartbeatTimer = this.retryTimer = undefined;
    this.disconnect(new ChatterError("DISCONNECTED", "The connection closed before the call was answered"), (id) => this.queue.has(id));
  }

  private failAll(message: string, code: "DISCONNECTED" | "UNAUTHORIZED" = "DISCONNECTED"): void {
    this.queue.clear();
    this.disconnect(new ChatterError(code, message));
  }

  private startHeartbeat(): void {
    const heartbeat = this.options.heartbeat;
    if (heartbeat === false) return;
    const interval = heartbeat?.interval ?? 10_000;
    const timeout = heartbeat?.timeout ?? 5_000;
    clearInterval(this.heartbeatTimer);
    this.lastSeen = Date.now();
    this.heard = this.pinged = false; // a new socket starts with a clean slate
    this.heartbeatTimer = setInterval(
      () => {
        const now = Date.now();
        if (this.heard) (this.heard = false), (this.lastSeen = now);
        const silent = now - this.lastSeen;
        if (this.pinged && silent >= interval + timeout) {
          const ws = this.ws;
          this.closed(1006); // dead: don't wait for TCP to notice
          ws?.close(4000, "heartbeat timeout");
        } else if (!this.pinged && silent >= interval && this.ws?.readyState === 1) {
          this.pinged = true;
          this.ws.send(PING_FRAME);
        }
      },
      Math.max(10, Math.min(interval, timeout) / 2),
    );
  }

  private setStatus(status: ClientStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(this.status);
      } catch (error) {
        this.report(error, "onStatus listener");
      }
    }
  }
}

/**
 * Connects to a Chatter server. Pass the schema; pass the server's type
 * (`createClient<typeof server>`) to also type what undeclared outputs return.
 */
export function createClient<T extends SchemaOrServer>(options: ClientOptions<SchemaOf<T>>): ChatterClient<T> {
  let peer: ClientPeer;
  const client: ChatterClient<Schema> = {
    schema: options.schema,
    call: ((name: string, input?: unknown, callOptions?: CallOptions) => peer.call(name, input, callOptions)) as ChatterClient<Schema>["call"],
    implement: (name: string, handler: Handler) => peer.implement(name, handler),
    get status() {
      return peer.status;
    },
    onStatus: (listener) => peer.onStatus(listener),
    close: () => peer.close(),
  };
  peer = new ClientPeer(options as unknown as ClientOptions<Schema>, client);
  return client as unknown as ChatterClient<T>;
}
