// The client: one WebSocket at a time (reconnected with backoff), the shared call
// engine over it, client procedures by name, and a heartbeat. Nothing here reaches
// server code: this file is what a browser bundle holds.
import { ChatterError } from "../core/errors.ts";
import { json, tooLarge } from "../core/frames.ts";
import { backoff, Liveness, MAX_TIMER, tickOf } from "../core/liveness.ts";
import { own, Peer, type Handler } from "../core/peer.ts";
import { CLOSE_NORMAL, CLOSE_UNAUTHORIZED, GOAWAY, GOAWAY_FRAME, HELLO, INVALIDATE, MAX_ORIGINS, PING_FRAME, SEQ } from "../core/protocol.ts";
import { Reports } from "../core/reports.ts";
import type { Schema } from "../core/schema.ts";
import type { StreamOptions } from "../core/streams.ts";
import type { CallOptions } from "../core/types.ts";
import type { CacheUpdate, ChatterClient, ClientOptions, ClientStatus, SchemaOf, SchemaOrServer, WebSocketConstructor, WebSocketLike } from "./types.ts";

/**
 * A close code of the client's own, for a socket it gives up on (no answer in time, heartbeat,
 * failed params, a frame over `maxPayload`); the reason says which. A page may send only 1000
 * and 3000–4999, so not 1009 or 1013 as a server would.
 */
const CLOSE_CLIENT = 4000;

class Client implements ChatterClient<Schema> {
  status: ClientStatus = "connecting";
  recovered = false;
  /**
   * From a server with `recovery`: the token that takes this session back after a drop, and the
   * last SEQ received; across instances, the last of each origin (the instance that numbered it).
   */
  private session: { token: string; seq: number; origins?: Map<string, number> } | undefined;
  readonly schema: Schema;
  private readonly peer: Peer;
  private ws: WebSocketLike | undefined;
  private readonly handlers = new Map<string, { handler: Handler }[]>();
  private readonly listeners = new Set<(status: ClientStatus) => void>();
  private readonly updateListeners = new Set<(update: CacheUpdate) => void>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  /** Bounds one connection attempt: the handshake, then the answer to HELLO. */
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private liveness: Liveness | undefined;
  private readonly maxPayload: number;
  /** Rate-limited per kind; the one peer is the server, summarised when its socket goes. */
  private readonly reports: Reports<undefined>;
  /** The server sent GOAWAY: new calls wait for the next connection. */
  private leaving = false;
  private readonly WebSocket: WebSocketConstructor;

  constructor(private readonly options: ClientOptions<Schema>) {
    this.schema = options.schema;
    const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('createClient: there is no global WebSocket here; pass one, e.g. createClient({ WebSocket }) with `import WebSocket from "ws"`');
    this.WebSocket = WS;
    this.maxPayload = options.maxPayload ?? 1_048_576;
    this.reports = new Reports((error, procedure) => this.emitReport(error, procedure), () => "from the server");
    const client = this;
    this.peer = new Peer(
      {
        local: options.schema.client,
        remote: options.schema.server,
        timeout: options.timeout ?? 30_000,
        maxPayload: this.maxPayload,
        maxIncoming: 1_000,
        maxOutgoing: options.maxPendingCalls ?? 10_000,
        isServer: false,
      },
      {
        // Answers, cancels and pongs go out whenever the socket is open (even before the
        // server's HELLO answer: a server without `authenticate` may call us at once);
        // only new calls wait for status "open".
        get writable() {
          return client.ws?.readyState === 1;
        },
        get ready() {
          return client.status === "open" && !client.leaving && client.ws?.readyState === 1;
        },
        send(frame) {
          if (client.ws?.readyState !== 1) return false; // closed since: its calls fail with DISCONNECTED
          client.ws.send(frame);
          return true;
        },
        schedule: () => queueMicrotask(() => this.peer.flush()),
        close: (_code, reason) => this.abandon(reason),
        find: (name) => this.handlers.get(name)?.at(-1)?.handler,
        invoke: (handler, input, context) => handler(input, context),
        report: (error, procedure) => this.report(error, procedure),
        violation: (message) => this.report(new ChatterError("PROTOCOL", `The server sent an invalid frame: ${message}`)),
        control: (kind, frame) => (kind === HELLO ? this.hello(frame) : kind === GOAWAY ? this.goAway() : kind === SEQ ? this.sequenced(frame) : this.updated(kind, frame)),
      },
    );
    for (const [name, handler] of Object.entries(options.procedures ?? {})) {
      if (handler) this.implement(name, handler as Handler);
    }
    this.connect();
  }

  // Arrow fields: the methods stay bound when an app passes `socket.call` around.
  call = (name: string, input?: unknown, options?: CallOptions): Promise<never> => this.peer.call(name, input, options) as Promise<never>;

  stream = (name: string, input?: unknown, options?: StreamOptions): AsyncIterableIterator<never> =>
    this.peer.stream(name, input, options) as AsyncIterableIterator<never>;

  implement = (name: string, handler: Handler): (() => void) => {
    if (!own(this.schema.client, name)) throw new TypeError(`implement: "${name}" is not a client procedure of the schema`);
    if (typeof handler !== "function") throw new TypeError(`implement: the handler of "${name}" must be a function`);
    let stack = this.handlers.get(name);
    if (!stack) this.handlers.set(name, (stack = []));
    const entry = { handler }; // its own entry: the same function registered twice is two registrations
    stack.push(entry);
    return () => {
      const at = stack.indexOf(entry);
      if (at >= 0) stack.splice(at, 1);
    };
  };

  onUpdate = (listener: (update: CacheUpdate) => void): (() => void) => {
    this.updateListeners.add(listener);
    return () => void this.updateListeners.delete(listener);
  };

  onStatus = (listener: (status: ClientStatus) => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  close = (): void => {
    if (this.status === "closed") return;
    this.peer.flush(); // what was written before the close goes out first
    this.session = undefined; // a close is not a drop: the server ends the session too
    const ws = this.ws;
    this.drop();
    ws?.close(CLOSE_NORMAL, "client closed");
    this.end("The client was closed");
  };

  private connect(): void {
    let ws: WebSocketLike;
    let url: string | undefined;
    try {
      const { url: option } = this.options;
      url = String(typeof option === "function" ? option() : option); // a function picks the server for each attempt (fail-over)
      ws = new this.WebSocket(url);
    } catch (error) {
      this.report(error);
      // A malformed URL will not get better with retries (a function's next answer may).
      if ((error as Error)?.name === "SyntaxError" && typeof this.options.url !== "function") return this.end(`Invalid URL: ${url}`);
      return this.closed(1006);
    }
    this.ws = ws;
    // A server that takes the TCP connection and never answers (frozen, a black hole, a dead
    // path) must not hold the client in "connecting": the attempt is given up and retried.
    const limit = this.options.connectTimeout ?? 10_000;
    if (limit <= MAX_TIMER) this.connectTimer = setTimeout(() => this.abandon("no answer in time"), limit);
    ws.onopen = () => this.greet(ws);
    ws.onmessage = (event: { data: unknown }) => {
      if (this.liveness) this.liveness.heard = true;
      const { data } = event;
      if (typeof data !== "string") return this.peer.violation("binary frame");
      // The browser has already read it, but nothing bigger than `maxPayload` is parsed or kept.
      if (tooLarge(data, this.maxPayload)) {
        this.report(new ChatterError("TOO_LARGE", `The server sent a frame of ${data.length} characters, over maxPayload (${this.maxPayload} bytes); the socket was closed`));
        return this.abandon("frame too large");
      }
      this.peer.receive(data);
    };
    ws.onclose = (event: { code: number }) => {
      if (this.ws === ws) this.closed(event.code);
    };
    ws.onerror = () => {}; // a close event always follows
  }

  /**
   * HELLO goes first: the params, and the session to take back if a server with `recovery`
   * gave one. With either, the server's HELLO answer opens the client: the heartbeat starts
   * in `opened`, until then the client sends nothing but HELLO, and `connectTimeout` bounds
   * the wait. With neither, the client is open at once.
   */
  private async greet(ws: WebSocketLike): Promise<void> {
    const { params } = this.options;
    const session = this.session;
    const last = session?.origins?.size ? JSON.stringify(Object.fromEntries(session.origins)) : session?.seq;
    const hello = (value: unknown) => `[${HELLO},${json(value ?? null)}${session ? `,${JSON.stringify(session.token)},${last}` : ""}]`;
    if (params === undefined) {
      ws.send(hello(null));
      return session ? undefined : this.opened(false);
    }
    try {
      const value = typeof params === "function" ? await params() : params;
      if (this.ws === ws && ws.readyState === 1) ws.send(hello(value));
    } catch (error) {
      this.report(error);
      ws.close(CLOSE_CLIENT, "params failed");
    }
  }

  /** The server's `[HELLO]`, or with `recovery` `[HELLO, token, recovered, seq]`. */
  private hello(frame: unknown[]): void {
    const [, token, recovered, seq] = frame;
    const fresh = typeof token === "string" && typeof seq === "number" && Number.isSafeInteger(seq) && seq >= 0;
    if (!fresh) this.session = undefined;
    else if (recovered === 1 && this.session) this.session.token = token; // the replay that follows moves `seq` on
    else this.session = { token, seq };
    this.opened(recovered === 1 && fresh);
  }

  /** `[SEQ, n, frame, origin?]`: the frame the engine handles next is number `n` of this session (of `origin`'s frames). */
  private sequenced(frame: unknown[]): false | undefined {
    const n = frame[1] as number; // a positive integer: the engine checked it
    const origin = frame[3] as string | undefined;
    if (!this.session) return;
    if (origin === undefined) {
      if (n > this.session.seq) this.session.seq = n;
      return;
    }
    // Each origin's frames come in its order, the replay's too: one not past the last is a frame
    // that reached the recovering instance live as well as from its log. It is dropped.
    const origins = (this.session.origins ??= new Map());
    const last = origins.get(origin);
    if (last !== undefined && n <= last) return false;
    // Least recently heard first: past MAX_ORIGINS (instances restarted during a long session) the stalest is forgotten.
    origins.delete(origin);
    if (origins.size >= MAX_ORIGINS) origins.delete(origins.keys().next().value!);
    origins.set(origin, n);
  }

  private opened(recovered: boolean): void {
    if (this.status === "open") return;
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.attempt = 0;
    this.status = "open";
    this.recovered = recovered;
    this.startHeartbeat();
    try {
      const out = this.options.onOpen?.(this as ChatterClient<Schema>, { recovered });
      if (out instanceof Promise) out.catch((error) => this.report(error, "onOpen"));
    } catch (error) {
      this.report(error, "onOpen");
    }
    this.emit();
    this.peer.resume();
  }

  /** An INVALIDATE or SET_DATA frame: handed to the `onUpdate` listeners. */
  private updated(kind: number, frame: unknown[]): void {
    const name = frame[1];
    if (typeof name !== "string") return this.peer.violation("a cache update needs a name");
    if (!own(this.schema.server, name)) return; // a procedure this client's schema does not know (a deploy in between)
    const input = frame[2] ?? undefined; // a procedure that takes none is keyed by null
    const update = (
      kind === INVALIDATE ? (frame.length > 2 ? { type: "invalidate", name, input } : { type: "invalidate", name }) : { type: "setData", name, input, data: frame[3] }
    ) as CacheUpdate;
    for (const listener of [...this.updateListeners]) {
      try {
        listener(update);
      } catch (error) {
        this.report(error, "onUpdate listener");
      }
    }
  }

  /** The server is shutting down: new calls wait for the next connection. */
  private goAway(): void {
    // The answer tells the server no call of ours is still on its way, so it may close
    // (1012) once the calls in flight are answered.
    if (this.leaving) return;
    this.leaving = true;
    this.peer.write(GOAWAY_FRAME);
  }

  private closed(code: number): void {
    this.drop();
    if (this.status === "closed") return;
    const refused = code === CLOSE_UNAUTHORIZED;
    const reconnect = this.options.reconnect;
    if (refused) return this.end("The server refused the connection", "UNAUTHORIZED");
    if (reconnect === false || this.attempt >= (reconnect?.maxAttempts ?? Infinity)) return this.end("The connection closed");
    this.retryTimer = setTimeout(() => this.connect(), backoff(this.attempt++, reconnect?.initialDelay ?? 250, reconnect?.maxDelay ?? 10_000));
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
    clearTimeout(this.connectTimer);
    this.heartbeatTimer = this.retryTimer = this.connectTimer = this.liveness = undefined;
    this.peer.disconnect(new ChatterError("DISCONNECTED", "The connection closed before the call was answered"));
    this.reports.end(undefined); // what this socket's flood held back, counted
  }

  /** Gives up on the current socket (dead, silent, too slow, hostile): it is closed and the client reconnects. */
  private abandon(reason: string): void {
    const ws = this.ws;
    this.closed(1006); // don't wait for TCP (or a frozen server) to confirm the close
    try {
      ws?.close(CLOSE_CLIENT, reason);
    } catch {}
  }

  /** No socket will follow: status `closed`, every waiting call fails. */
  private end(message: string, code: "DISCONNECTED" | "UNAUTHORIZED" = "DISCONNECTED"): void {
    this.setStatus("closed");
    this.peer.disconnect(new ChatterError(code, message), true);
  }

  private startHeartbeat(): void {
    const heartbeat = this.options.heartbeat;
    if (heartbeat === false) return;
    const interval = heartbeat?.interval ?? 10_000;
    const timeout = heartbeat?.timeout ?? 5_000;
    clearInterval(this.heartbeatTimer);
    const liveness = (this.liveness = new Liveness(interval, timeout));
    this.heartbeatTimer = setInterval(() => {
      const verdict = liveness.check(Date.now());
      if (verdict === "ping") this.ws?.send(PING_FRAME);
      else if (verdict === "dead") this.abandon("heartbeat timeout");
    }, tickOf(interval, timeout));
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

  private report(error: unknown, procedure?: string): void {
    this.reports.report(error, procedure, undefined);
  }

  private emitReport(error: unknown, procedure: string | undefined): void {
    const onError = this.options.onError;
    if (onError) {
      try {
        return onError(error, { procedure });
      } catch {}
    }
    console.error(`[chatter] error${procedure ? ` in "${procedure}"` : ""}:`, error);
  }
}

/**
 * Connects to a Chatter server. Pass the schema; pass the server's type
 * (`createClient<typeof server>`) to also type what undeclared outputs return.
 */
export function createClient<T extends SchemaOrServer>(options: ClientOptions<SchemaOf<T>>): ChatterClient<T> {
  return new Client(options as unknown as ClientOptions<Schema>) as unknown as ChatterClient<T>;
}
