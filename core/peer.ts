// The call engine both ends share: it makes calls, answers them, cancels them and
// batches frames over one connection. It knows no socket: the client and each server
// connection hand it a transport (how a frame leaves), their procedures (how one
// runs) and their events (errors, protocol breaks, connection frames).
import { ChatterError, isErrorCode } from "./errors.ts";
import { cancelled, encodeFrame, errorFrame, invalid, isIssue, json, notEncodable, short, tooLarge } from "./frames.ts";
import { Calls, type PendingCall, type StopCode } from "./calls.ts";
import { CALL, CANCEL, CLOSE_OVERLOADED, CREDIT, END, ERROR, GOAWAY, HELLO, INVALIDATE, isValidId, ITEM, NOTIFY, PING, PONG, PONG_FRAME, RESULT, SEQ, SET_DATA, STREAM } from "./protocol.ts";
import type { Procedure, Procedures } from "./schema.ts";
import type { StandardSchemaV1 } from "./standard.ts";
import { Inbound, Outbound, windowOf, type StreamHost, type StreamOptions } from "./streams.ts";
import { Task } from "./task.ts";
import type { CallOptions, ProcedureContext } from "./types.ts";
import { validate, type Checked } from "./validate.ts";

export type Handler = (...args: any[]) => unknown;

/** The most a CALL frame's head `[kind,id` takes (an id is a safe integer). */
export const HEAD_ROOM = 20;

/** See `Peer.call`. */
export interface Relay {
  /** The frame after its id: `Peer.tail(name, input, maxPayload - HEAD_ROOM)`. */
  readonly tail: string;
}
export type ControlKind = typeof HELLO | typeof GOAWAY | typeof INVALIDATE | typeof SET_DATA | typeof SEQ;

/** Settings a whole server (or one client) shares across its connections. */
export interface PeerConfig {
  /** The procedures this end implements. */
  readonly local: Procedures;
  /** The procedures the other end implements. */
  readonly remote: Procedures;
  readonly timeout: number;
  readonly maxPayload: number;
  /** Calls from the other end running at once; more are refused with `OVERLOADED`. */
  readonly maxIncoming: number;
  /** Calls to the other end waiting (queued or sent); more are refused with `OVERLOADED`. */
  readonly maxOutgoing: number;
  /**
   * This end is the server. The server parses every output (its own before they leave, a
   * client's when it arrives: it never trusts a client), takes no NOTIFY (it would run
   * outside `maxIncoming`) and ignores a client's connection errors (a client's text never
   * reaches the server's logs). A client trusts the server's outputs and sends its own as
   * its procedures return them, for the server to parse.
   */
  readonly isServer: boolean;
}

/** How frames leave: the one seam between the engine and a socket. */
export interface Transport {
  /** Puts one frame on the wire now; false when the socket dropped it. */
  send(frame: string): boolean;
  /** The socket takes frames (answers, cancels, pongs). */
  readonly writable: boolean;
  /** New calls may go out now; otherwise they wait in the engine until `resume()`. */
  readonly ready: boolean;
  /** This tick's first frame was written: call the engine's `flush()` once the tick's frames are in. */
  schedule(): void;
  /** Closes the socket (the engine gives up on a peer that sends faster than it is served). */
  close(code: number, reason: string): void;
}

/** This end's procedures: found by own name only, run with this end's arguments. */
export interface LocalProcedures {
  find(name: string): Handler | undefined;
  invoke(handler: Handler, input: unknown, context: ProcedureContext): unknown;
}

export interface PeerEvents {
  /** An error of this end (a procedure's throw, a bad output): never sent to the other end as is. */
  report(error: unknown, procedure?: string): void;
  /** The other end broke the protocol (the server closes the socket; a client reports it). */
  violation(message: string): void;
  /** A frame that is the connection's business, not the engine's: HELLO, GOAWAY, and (to a client) cache updates and SEQ (false: skip its frame). */
  control(kind: ControlKind, frame: unknown[]): void | false;
}

/** What the engine needs of the connection it serves: one object, so a connection's engine holds one reference. */
export interface PeerHost extends Transport, LocalProcedures, PeerEvents {}

/**
 * A batch stays under 16 KiB (or `maxPayload`, if smaller): the other end's limit is not
 * known here, and past a few KiB a bigger batch saves nothing.
 */
const MAX_BATCH = 16_384;
/**
 * Ms of work (parsing, validating, running the synchronous part of procedures) one
 * connection's frames get in a row; past it, its next frames wait for a later turn of the
 * event loop, so other connections' frames run in between. A slow validator (a backtracking
 * regex, 200,000 wrong items) then delays the others by about one validation, not by a
 * whole batch of them. One validation itself cannot be cut short: see docs/security.md.
 */
const TURN_BUDGET = 5;

/** A connection's frames waiting for its next turn: the rest of a batch first, then whole messages as they came. */
interface Backlog {
  frames: unknown[] | undefined;
  at: number;
  readonly messages: string[];
  next: number;
  /** The characters of `messages` still waiting. */
  chars: number;
}

/**
 * The engine's state that most connections never need, kept apart (and made on first use)
 * so that an idle server connection's engine stays small.
 */
interface Rare {
  /** CALL and STREAM frames waiting for the transport to be ready, by id, in call order. */
  queue?: Map<number, string>;
  /** The streams this end consumes, by id. */
  streams?: Map<number, Inbound>;
  /** Set once the connection is over for good: new calls fail with it. */
  ended?: ChatterError;
  /** Waits for nothing to be in flight (see `whenIdle`). */
  onIdle?: () => void;

  /** This connection's frames waiting for a later turn (see `receive`). */
  backlog?: Backlog;
  /** `resumeTurn` is scheduled; it does nothing if the backlog is gone by then. */
  turnScheduled?: boolean;
  /** The peer sent more than it could be served: nothing more it sends is read (its socket is closing). */
  deaf?: boolean;
  violations: number;
}

export class Peer implements StreamHost {
  /** The calls this end waits on, made with the first one. */
  private calls: Calls | undefined;
  private running: Map<number, Task> | undefined;
  private lastId = 0;
  /** Frames written during this tick, sent together when it ends (see `write`). */
  private outbox: string[] | undefined;
  private outboxChars = 0;
  /** The CALL ids in `outbox`: they fail if the transport drops the batch. */
  private outboxCalls: number[] | undefined;
  /** Ms of work on this connection's frames in a row, drained by the time it sat idle (see `receive`). */
  private spent = 0;
  /** When its last work ended (`performance.now()` ms). */
  private lastEnd = 0;
  private rare: Rare | undefined;

  constructor(
    private readonly config: PeerConfig,
    private readonly host: PeerHost,
  ) {}

  private get more(): Rare {
    return (this.rare ??= { violations: 0 });
  }

  /**
   * Calls a procedure of the other end; waits for the transport when it is not ready yet.
   * `relay` is for the server calling clients on behalf of another instance or many at
   * once: the frame's tail (name and input) encoded once for all of them, and the result
   * kept as it arrived, for whoever receives it to parse.
   */
  call(name: string, input: unknown, options?: CallOptions, relay?: Relay): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(cancelled(name, signal));
    if (this.rare?.ended) return Promise.reject(this.rare.ended);
    if (own(this.config.remote, name)?.stream) return Promise.reject(new ChatterError("NOT_FOUND", `"${short(name)}" is a stream: iterate stream("${short(name)}", input) instead of calling it`));
    const calls = (this.calls ??= new Calls(this.config.timeout, (id, code) => this.stop(id, code)));
    const id = ++this.lastId;
    let frame: string;
    try {
      this.checkRoom(name);
      // Built as text: no array per call, and `JSON.stringify(name)` quotes it as the array form would.
      frame = relay ? `[${CALL},${id}${relay.tail}` : this.encode(`[${CALL},${id}`, name, input);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeout = options?.timeout ?? this.config.timeout;
    return new Promise((resolve, reject) => {
      calls.add(id, name, timeout, signal, resolve, reject, relay !== undefined);
      this.send(frame, id);
    });
  }

  /** Opens a stream of the other end: an async iterator of its items (see core/streams.ts). */
  stream(name: string, input: unknown, options?: StreamOptions): AsyncIterableIterator<unknown> {
    if (options?.signal?.aborted) throw cancelled(name, options.signal);
    if (this.rare?.ended) throw this.rare.ended;
    const def = own(this.config.remote, name);
    if (def && !def.stream) throw new ChatterError("NOT_FOUND", `"${short(name)}" is not a stream: call("${short(name)}", input) instead`);
    this.checkRoom(name);
    const id = ++this.lastId;
    const window = windowOf(options);
    const frame = this.encode(`[${STREAM},${id},${window}`, name, input); // before the Inbound: a throw leaves no listener on the signal
    const inbound = new Inbound(id, name, window, this, options);
    const streams = (this.more.streams ??= new Map());
    streams.set(id, inbound);
    this.send(frame, id);
    return inbound;
  }

  /** Throws `OVERLOADED` when calls and streams waiting on the other end are at `maxOutgoing`. */
  private checkRoom(name: string): void {
    if (this.pendingCount + (this.rare?.streams?.size ?? 0) < this.config.maxOutgoing) return;
    throw new ChatterError("OVERLOADED", `Too many calls in flight (${this.config.maxOutgoing}); "${short(name)}" was not sent`);
  }

  /**
   * The tail of a CALL or STREAM frame, `,"name",input]`, within `room` characters: what
   * `call`'s `relay` takes (leave room for the head, `[kind,id`: `HEAD_ROOM`).
   */
  static tail(name: string, input: unknown, room: number): string {
    return encodeFrame(() => (input === undefined ? `,${JSON.stringify(name)}]` : `,${JSON.stringify(name)},${json(input)}]`), `The input of "${short(name)}"`, "BAD_INPUT", room);
  }

  /** A CALL or STREAM frame: `head` (kind, id…), then the name and the input; throws `BAD_INPUT` or `TOO_LARGE`. */
  private encode(head: string, name: string, input: unknown): string {
    return head + Peer.tail(name, input, this.config.maxPayload - head.length);
  }

  /** A stream is over (the `StreamHost` side of the engine). */
  forget(id: number): void {
    this.rare?.streams?.delete(id);
    this.rare?.queue?.delete(id);
  }

  /** Sends a CALL or STREAM frame now, or queues it until the transport is ready. */
  private send(frame: string, id: number): void {
    if (this.host.ready) this.write(frame, id);
    else (this.more.queue ??= new Map()).set(id, frame);
  }

  /** The transport became ready: the queued calls go out, in call order. */
  resume(): void {
    const queue = this.rare?.queue;
    if (!queue?.size) return;
    for (const [id, frame] of queue) {
      if (!this.host.ready) return; // e.g. `onOpen` closed it again: the rest wait on
      queue.delete(id);
      this.write(frame, id);
    }
  }

  /**
   * Writes a frame; frames written in one tick leave as one batch frame `[[…],[…]]` (one
   * send and one message event for many calls; alone, a frame goes as is). With 64 calls in
   * flight this made calls ~5× cheaper; a lone call pays one microtask. False when the
   * transport does not take frames now.
   */
  write(frame: string, callId?: number): boolean {
    if (!this.host.writable) {
      if (callId !== undefined) this.fail(callId, new ChatterError("DISCONNECTED", "The socket is closed"));
      return false;
    }
    if (!this.outbox) {
      this.outbox = [frame];
      this.outboxChars = frame.length + 2;
      this.host.schedule();
    } else if ((this.outboxChars + frame.length + 1) * 3 > Math.min(this.config.maxPayload, MAX_BATCH)) {
      this.flush(); // the batch could pass the frame size limit: send what it holds first
      return this.write(frame, callId);
    } else {
      this.outbox.push(frame);
      this.outboxChars += frame.length + 1;
    }
    if (callId !== undefined) (this.outboxCalls ??= []).push(callId);
    return true;
  }

  /** Sends the frames written so far (at the end of the tick, and before a close). */
  flush(): void {
    const out = this.outbox;
    if (!out) return;
    const calls = this.outboxCalls;
    this.outbox = this.outboxCalls = undefined;
    if (this.host.send(out.length === 1 ? out[0]! : `[${out.join(",")}]`) || !calls) return;
    for (const id of calls) this.fail(id, new ChatterError("DISCONNECTED", "The socket is closed or over its backpressure limit"));
  }

  /**
   * Calls `callback` once nothing is in flight either way (now, if nothing is), after the
   * last answer has been written: a graceful shutdown closes the socket then.
   */
  whenIdle(callback: () => void): void {
    this.more.onIdle = callback;
    this.checkIdle();
  }

  private checkIdle(): void {
    const rare = this.rare;
    if (!rare?.onIdle || this.calls?.size || this.running?.size) return;
    const callback = rare.onIdle;
    rare.onIdle = undefined;
    queueMicrotask(callback); // after the frame the caller is about to write
  }

  /** Number of calls this end is waiting on. */
  get pendingCount(): number {
    return this.calls?.size ?? 0;
  }

  /** Number of the other end's calls running here. */
  get runningCount(): number {
    return this.running?.size ?? 0;
  }

  /**
   * The socket is gone: every call sent on it fails with `error` (queued ones wait for the
   * next, unless `final`), every running procedure is aborted. `final`: no socket will follow,
   * so queued calls fail too and new calls fail at once.
   */
  disconnect(error: ChatterError, final = false): void {
    // Later calls fail DISCONNECTED whatever ended it (a refused client's waiting calls got UNAUTHORIZED).
    if (final) this.more.ended = error.code === "DISCONNECTED" ? error : new ChatterError("DISCONNECTED", error.message);
    if (this.calls) {
      const queue = final ? undefined : this.rare?.queue;
      const gone = this.calls.takeAll((id) => queue?.has(id) === true);
      for (const call of gone) call.reject(error);
      if (this.rare?.onIdle) this.checkIdle();
    }
    if (this.running?.size) {
      for (const task of this.running.values()) task.cancel(error);
      this.running.clear();
    }
    if (this.rare?.streams?.size) for (const inbound of [...this.rare.streams.values()]) if (final || !this.rare?.queue?.has(inbound.id)) inbound.end(error);
    if (final) this.rare?.queue?.clear();
    // What the gone socket sent and was not handled yet is moot.
    if (this.rare) this.rare.backlog = this.rare.deaf = undefined;
  }

  /** The other end broke the protocol. Counted, so a batch stops at its first bad frame. */
  violation(message: string): void {
    this.more.violations++;
    this.host.violation(message);
  }

  /**
   * Handles one message from the other end. Never throws. The work is timed: once this
   * connection has had `TURN_BUDGET` ms in a row, the rest of its batch and its next messages
   * wait for a later turn (a macrotask), in order, so other connections' frames run between.
   */
  receive(data: string): void {
    const rare = this.rare;
    if (rare?.deaf) return;
    // The budget is the server's: it keeps one connection from starving the others. A client
    // has one connection, and deferring its frames would only add latency to a burst.
    if (!this.config.isServer) return this.take(data, 0);
    if (rare?.backlog) return this.enqueue(rare.backlog, data);
    // "In a row": the work counted drains by the time the connection sat idle since its last
    // message, so no timer is needed to tell one turn of the event loop from the next.
    const start = performance.now();
    const idle = start - this.lastEnd;
    this.spent = idle >= this.spent ? 0 : this.spent - idle;
    this.take(data, start);
    this.account(start);
  }

  /** Parses one message and handles its frames; a batch past the budget leaves its rest in the backlog. */
  private take(data: string, start: number): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return this.violation("the frame is not JSON");
    }
    if (!Array.isArray(msg)) return this.violation("a frame is a JSON array");
    if (!Array.isArray(msg[0])) return this.handle(msg);
    this.slice(msg, 0, start); // a batch: frames written in one tick by the other end (see `write`)
  }

  private slice(frames: unknown[], at: number, start: number): void {
    const violations = this.violationCount;
    for (let i = at; i < frames.length; i++) {
      const frame = frames[i];
      if (!Array.isArray(frame) || Array.isArray(frame[0])) return this.violation("a batch holds frames");
      this.handle(frame);
      // Nothing after a bad frame runs, nor after a procedure closed the connection.
      if (this.violationCount !== violations || !this.host.writable) return this.stopAfter(violations);
      if (this.config.isServer && i + 1 < frames.length && this.spent + performance.now() - start > TURN_BUDGET) {
        const backlog = this.waitTurn();
        backlog.frames = frames;
        backlog.at = i + 1;
        return;
      }
    }
  }

  /**
   * A bad frame (or a close) stopped a batch. A server closes the socket on a violation, so
   * nothing it has waiting runs either; a client only reports it and reads on.
   */
  private stopAfter(violations: number): void {
    if (this.rare && (!this.host.writable || (this.config.isServer && this.violationCount !== violations))) this.rare.backlog = undefined;
  }

  private get violationCount(): number {
    return this.rare?.violations ?? 0;
  }

  /** Counts the work since `start`; past the budget, what comes next waits for a later turn. */
  private account(start: number): void {
    const end = performance.now();
    this.spent += end - start;
    this.lastEnd = end;
    if (this.rare?.backlog || this.spent > TURN_BUDGET) this.waitTurn();
  }

  private waitTurn(): Backlog {
    const rare = this.more;
    const backlog = (rare.backlog ??= { frames: undefined, at: 0, messages: [], next: 0, chars: 0 });
    if (!rare.turnScheduled) {
      // A timer, not `setImmediate`: Bun may run an immediate before it reads the other sockets,
      // and then the waiting connection would go first again (measured: a canary then waited
      // for two slow validations instead of one). The ~1 ms it costs falls on a connection
      // that has just had its budget.
      rare.turnScheduled = true;
      setTimeout(() => this.resumeTurn(), 0);
    }
    return backlog;
  }

  /** A message that came while this connection waits for its turn: queued, bounded. */
  private enqueue(backlog: Backlog, data: string): void {
    backlog.messages.push(data);
    backlog.chars += data.length;
    // A peer that sends faster than it is served, without end: it is closed rather than held.
    if (backlog.chars > 4 * Math.max(this.config.maxPayload, 1_048_576)) {
      this.more.backlog = undefined;
      this.more.deaf = true;
      this.host.report(new ChatterError("OVERLOADED", `The peer sent ${backlog.chars} characters more than could be handled in time; its socket was closed`));
      this.host.close(CLOSE_OVERLOADED, "sent faster than it was served");
    }
  }

  /** This connection's turn: its waiting frames, in order, for up to the budget again. */
  private resumeTurn(): void {
    const rare = this.more;
    rare.turnScheduled = false;
    const backlog = rare.backlog;
    if (!backlog) return;
    const start = performance.now();
    const violations = this.violationCount;
    this.spent = 0;
    while (rare.backlog === backlog && this.host.writable && this.spent + performance.now() - start <= TURN_BUDGET) {
      if (backlog.frames) {
        const frames = backlog.frames;
        backlog.frames = undefined;
        this.slice(frames, backlog.at, start);
      } else if (backlog.next < backlog.messages.length) {
        const data = backlog.messages[backlog.next]!;
        backlog.messages[backlog.next++] = "";
        backlog.chars -= data.length;
        this.take(data, start);
      } else {
        rare.backlog = undefined;
      }
      if (this.violationCount !== violations) this.stopAfter(violations);
    }
    if (rare.backlog === backlog && backlog.next > 1_024) {
      backlog.messages.splice(0, backlog.next); // don't let a long wait keep every handled slot
      backlog.next = 0;
    }
    if (!this.host.writable) return void (rare.backlog = undefined);
    this.account(start);
  }

  private handle(msg: unknown[]): void {
    switch (msg[0]) {
      case CALL:
        return this.onCall(msg);
      case RESULT:
        return this.onResult(msg);
      case ERROR:
        return this.onError(msg);
      case NOTIFY:
        if (this.config.isServer) return this.violation("NOTIFY is sent by the server only");
        return this.onNotify(msg);
      case CANCEL:
        if (!isValidId(msg[1])) return this.violation("CANCEL needs a call id");
        return this.abandon(msg[1]);
      case PING:
        this.write(PONG_FRAME);
        return;
      case PONG:
        return;
      case HELLO:
      case GOAWAY:
        return void this.host.control(msg[0], msg);
      case STREAM:
        return this.onStream(msg);
      case ITEM:
        return this.onItem(msg);
      case END:
        if (!isValidId(msg[1])) return this.violation("END needs a stream id");
        return this.rare?.streams?.get(msg[1])?.end();
      case CREDIT:
        return this.onCredit(msg);
      case INVALIDATE:
      case SET_DATA:
        if (this.config.isServer) return this.violation("cache updates are sent by the server only");
        return void this.host.control(msg[0], msg);
      case SEQ: {
        const inner = msg[2];
        if (this.config.isServer) return this.violation("SEQ is sent by the server only");
        // The origin, across instances, is the instance that numbered it (see docs/recovery.md).
        if (!isValidId(msg[1]) || !Array.isArray(inner) || (inner[0] !== NOTIFY && inner[0] !== INVALIDATE && inner[0] !== SET_DATA) || (msg.length > 3 && typeof msg[3] !== "string")) {
          return this.violation("SEQ needs a number, a NOTIFY, INVALIDATE or SET_DATA frame, and an origin (a string) if any");
        }
        if (this.host.control(SEQ, msg) === false) return; // a frame the client already had (a recovery's boundary)
        return this.handle(inner);
      }
      default:
        return this.violation("unknown frame kind");
    }
  }

  // ── Calls made by this end ────────────────────────────────────────────────

  /** Times out or cancels call `id`, and tells the other end to stop it if it was sent. */
  private stop(id: number, code: StopCode): void {
    const sent = !this.rare?.queue?.has(id);
    const call = this.settle(id);
    if (!call) return;
    if (sent) this.write(`[${CANCEL},${id}]`);
    call.reject(
      code === "TIMEOUT" ? new ChatterError("TIMEOUT", `The call "${short(call.name)}" timed out after ${call.timeout} ms`) : cancelled(call.name, call.signal!),
    );
  }

  /** Fails one waiting call or stream (e.g. its frame could not be sent). */
  private fail(id: number, error: ChatterError): void {
    const call = this.settle(id);
    if (call) call.reject(error);
    else this.rare?.streams?.get(id)?.end(error);
  }

  private onResult(msg: unknown[]): void {
    const id = msg[1];
    const call = isValidId(id) ? this.settle(id) : undefined;
    if (!call) return; // late (after a timeout) or never asked: dropped
    const def = this.config.isServer && !call.raw ? own(this.config.remote, call.name) : undefined;
    validate(
      def?.output,
      msg[2],
      (result) => (result.issues ? call.reject(invalid("BAD_OUTPUT", call.name, result.issues)) : call.resolve(result.value)),
      (error) => call.reject(ChatterError.from(error)),
    );
  }

  private onError(msg: unknown[]): void {
    const [, id, code, message, issues] = msg;
    const error = new ChatterError(
      isErrorCode(code) ? code : "INTERNAL",
      typeof message === "string" ? message : undefined,
      Array.isArray(issues) ? { issues: issues.filter(isIssue) } : undefined,
    );
    if (id === 0) return void (this.config.isServer || this.host.report(error));
    if (isValidId(id)) this.fail(id, error);
  }

  /** The next item of a stream this end consumes; the server parses it first (it never trusts a client). */
  private onItem(msg: unknown[]): void {
    const id = msg[1];
    if (!isValidId(id)) return this.violation("ITEM needs a stream id");
    const inbound = this.rare?.streams?.get(id);
    if (!inbound) return; // late, after a cancel or a timeout: dropped
    const def = this.config.isServer ? own(this.config.remote, inbound.name) : undefined;
    validate(
      def?.stream,
      msg[2],
      (result) => {
        if (result.issues) return inbound.stop(invalid("BAD_OUTPUT", inbound.name, result.issues));
        if (!inbound.push(result.value)) this.violation("a stream sent more items than it was granted");
      },
      (error) => inbound.stop(ChatterError.from(error)),
    );
  }

  private onCredit(msg: unknown[]): void {
    const [, id, n] = msg;
    if (!isValidId(id) || !isValidId(n)) return this.violation("CREDIT needs a stream id and a positive count");
    const task = this.running?.get(id);
    if (task instanceof Outbound) task.grant(n);
  }

  /** Removes a waiting call, its timer and its place in the queue; undefined if it was settled already. */
  private settle(id: number): PendingCall | undefined {
    const call = this.calls?.take(id);
    if (!call) return undefined;
    this.rare?.queue?.delete(id);
    if (this.rare?.onIdle) this.checkIdle();
    return call;
  }

  // ── Calls of the other end, run here ──────────────────────────────────────

  /**
   * The caller gave up on call `id` (cancelled or timed out): its signal aborts and whatever
   * it returns is dropped, but it keeps its `maxIncoming` slot until its procedure returns.
   * Freeing the slot at once would let a peer that calls and cancels in a loop start
   * procedures without bound (HTTP/2's "Rapid Reset", CVE-2023-44487).
   */
  private abandon(id: number): void {
    this.running?.get(id)?.cancel(new ChatterError("CANCELLED"));
  }

  private onCall(msg: unknown[]): void {
    const id = msg[1];
    const name = msg[2];
    if (!isValidId(id) || typeof name !== "string") return this.violation("CALL needs a positive integer id and a name");
    const running = this.running;
    if (running?.has(id)) return this.violation(`call id ${id} is already in flight`);
    if (running && running.size >= this.config.maxIncoming) {
      return void this.write(errorFrame(id, new ChatterError("OVERLOADED", `Too many calls in flight (${this.config.maxIncoming})`)));
    }
    const def = own(this.config.local, name);
    const handler = def && this.host.find(name);
    if (!handler) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `No procedure "${short(name)}"`)));
    if (def.stream) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `"${short(name)}" is a stream: open it with stream()`)));
    const task = new Task(id, name);
    this.run(task, def, handler, msg[3]);
    // Only a call still running after its synchronous part needs an entry (for CANCEL, duplicate
    // ids and the cap): a synchronous procedure costs no map operation, and an idle connection no map.
    if (!task.done) (this.running ??= new Map()).set(id, task);
  }

  /** `[STREAM, id, credit, name, input?]`: runs a stream procedure while it holds the slot of a call. */
  private onStream(msg: unknown[]): void {
    const [, id, credit, name, input] = msg;
    if (!isValidId(id) || !isValidId(credit) || typeof name !== "string") return this.violation("STREAM needs an id, a positive credit and a name");
    const running = (this.running ??= new Map());
    if (running.has(id)) return this.violation(`call id ${id} is already in flight`);
    if (running.size >= this.config.maxIncoming) {
      return void this.write(errorFrame(id, new ChatterError("OVERLOADED", `Too many calls in flight (${this.config.maxIncoming})`)));
    }
    const def = own(this.config.local, name);
    const handler = def && this.host.find(name);
    if (!handler) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `No procedure "${short(name)}"`)));
    if (!def.stream) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `"${short(name)}" is not a stream: call it`)));
    const task = new Outbound(id, name, credit, this);
    running.set(id, task);
    validate(
      def.input,
      input,
      (checked) => void this.produce(task, def.stream!, handler, checked),
      (error) => this.failTask(task, error),
    );
  }

  /**
   * Advances the producer's iterator only while it holds credit. The slot is kept until its
   * `finally` has run, whatever ended it (the Rapid Reset rule, as for calls).
   */
  private async produce(task: Outbound, schema: StandardSchemaV1, handler: Handler, checked: Checked): Promise<void> {
    if (task.cancelled) return void this.finish(task);
    if (checked.issues) return this.failTask(task, invalid("BAD_INPUT", task.name, checked.issues));
    let iterator: AsyncIterator<unknown>;
    try {
      const out = this.host.invoke(handler, checked.value, task);
      const iterable = (isThenable(out) ? await out : out) as AsyncIterable<unknown> | null | undefined;
      if (typeof iterable?.[Symbol.asyncIterator] !== "function") throw new TypeError(`The stream procedure "${short(task.name)}" returned no AsyncIterable`);
      iterator = iterable[Symbol.asyncIterator]();
    } catch (error) {
      return this.failTask(task, error);
    }
    let failure: unknown;
    let ended = false;
    const what = `An item of "${short(task.name)}"`;
    try {
      while (!task.cancelled) {
        if (task.credit === 0) {
          await task.waitForCredit();
          continue;
        }
        const step = await iterator.next();
        if (task.cancelled) break;
        if (step.done) {
          ended = true;
          break;
        }
        const parsed = this.config.isServer ? schema["~standard"].validate(step.value) : { value: step.value };
        const item: Checked = parsed instanceof Promise ? await parsed : parsed; // no extra await for a synchronous validator
        if (item.issues) throw invalid("BAD_OUTPUT", task.name, item.issues);
        const frame = encodeFrame(() => `[${ITEM},${task.id},${json(item.value)}]`, what, "INTERNAL", this.config.maxPayload);
        task.hold(frame);
      }
    } catch (error) {
      failure = error ?? new ChatterError("INTERNAL");
    }
    if (!ended) {
      try {
        await iterator.return?.(); // runs the generator's `finally`
      } catch (error) {
        failure ??= error;
      }
    }
    task.release(); // the items before the end or the failure
    if (failure !== undefined) return this.failTask(task, failure);
    if (this.finish(task)) this.write(`[${END},${task.id}]`);
  }

  private onNotify(msg: unknown[]): void {
    const name = msg[1];
    if (typeof name !== "string") return this.violation("NOTIFY needs a name");
    const def = own(this.config.local, name);
    const handler = def && this.host.find(name);
    if (!handler) return; // a publish nobody here listens to, like an event with no listener
    this.run(new Task(0, name), def, handler, msg[2]);
  }

  /** Parses the input, runs the procedure, then answers with what it returned. */
  private run(task: Task, def: Procedure, handler: Handler, raw: unknown): void {
    validate(def.input, raw, (checked) => this.execute(task, def, handler, checked), (error) => this.failTask(task, error));
  }

  private execute(task: Task, def: Procedure, handler: Handler, checked: Checked): void {
    if (task.cancelled) return void this.finish(task); // cancelled while its input was being validated
    if (checked.issues) return this.failTask(task, invalid("BAD_INPUT", task.name, checked.issues));
    let out: unknown;
    try {
      out = this.host.invoke(handler, checked.value, task);
    } catch (error) {
      return this.failTask(task, error);
    }
    if (!isThenable(out)) return this.succeed(task, def, out);
    Promise.resolve(out).then(
      (value) => this.succeed(task, def, value),
      (error) => this.failTask(task, error),
    );
  }

  private succeed(task: Task, def: Procedure, value: unknown): void {
    if (!task.id) return;
    // The server parses its outputs (transforms run here, undeclared fields are stripped);
    // a client's answer goes as returned, for the server to parse.
    if (!this.config.isServer) return this.answer(task, value);
    validate(
      def.output,
      value,
      (result) => (result.issues ? this.failTask(task, invalid("BAD_OUTPUT", task.name, result.issues)) : this.answer(task, result.value)),
      (error) => this.failTask(task, error),
    );
  }

  private answer(task: Task, value: unknown): void {
    if (!this.finish(task)) return;
    let frame: string;
    try {
      frame = value === undefined ? `[${RESULT},${task.id}]` : `[${RESULT},${task.id},${json(value)}]`;
    } catch (cause) {
      this.host.report(notEncodable("INTERNAL", `The result of "${short(task.name)}"`, cause), task.name);
      return void this.write(errorFrame(task.id, new ChatterError("INTERNAL")));
    }
    if (tooLarge(frame, this.config.maxPayload)) {
      const error = new ChatterError("TOO_LARGE", `The result of "${short(task.name)}" is larger than ${this.config.maxPayload} bytes`);
      this.host.report(error, task.name);
      return void this.write(errorFrame(task.id, error));
    }
    this.write(frame);
  }

  private failTask(task: Task, error: unknown): void {
    const known = error instanceof ChatterError ? error : undefined;
    // Reported here: what this end threw, a bad output of its own, and any failed publish
    // (no caller hears of it, e.g. a publish the schemas of a mid-deploy disagree on).
    if (!known || known.code === "BAD_OUTPUT" || !task.id) this.host.report(error, task.name);
    if (task.id && this.finish(task)) this.write(errorFrame(task.id, known ?? new ChatterError("INTERNAL")));
  }

  /** Removes a finished task; false if nobody waits for its answer any more. */
  private finish(task: Task): boolean {
    task.done = true;
    if (this.running?.get(task.id) === task) {
      this.running.delete(task.id);
      if (this.rare?.onIdle) this.checkIdle();
    }
    return !task.cancelled;
  }
}

/** An own property of a procedure table: `__proto__`, `toString`… are just unknown names. */
export function own(table: Procedures, name: string): Procedure | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}
