// The call engine both ends share: it makes calls, answers them, cancels them and
// batches frames over one connection. It knows no socket: the client and each server
// connection hand it a transport (how a frame leaves), their procedures (how one
// runs) and their events (errors, protocol breaks, connection frames).
import { ChatterError, isErrorCode } from "./errors.ts";
import { cancelled, errorFrame, invalid, isIssue, json, notEncodable, short, tooLarge } from "./frames.ts";
import { background } from "./liveness.ts";
import { CALL, CANCEL, CLOSE_OVERLOADED, CREDIT, END, ERROR, GOAWAY, HELLO, INVALIDATE, isValidId, ITEM, NOTIFY, PING, PONG, PONG_FRAME, RESULT, SET_DATA, STREAM } from "./protocol.ts";
import type { Procedure, Procedures } from "./schema.ts";
import type { StandardSchemaV1 } from "./standard.ts";
import { Inbound, Outbound, windowOf, type StreamHost, type StreamOptions } from "./streams.ts";
import { Task } from "./task.ts";
import type { CallOptions, ProcedureContext } from "./types.ts";
import { validate, type Checked } from "./validate.ts";

export type Handler = (...args: any[]) => unknown;
export type ControlKind = typeof HELLO | typeof GOAWAY | typeof INVALIDATE | typeof SET_DATA;

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
  /** A frame that is the connection's business, not the engine's: HELLO, GOAWAY, and (to a client) cache updates. */
  control(kind: ControlKind, frame: unknown[]): void;
}

interface PendingCall {
  readonly name: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ChatterError) => void;
  /** Its own timer, for a call with a timeout other than the default; else the sweep times it out. */
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly timeout: number;
  /** When a default-timeout call times out (`performance.now()` ms); 0 when it has its own timer. */
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** The longest delay `setTimeout` takes as is. */
const MAX_TIMER = 2_147_483_647;
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

/** Runs `fn` in a later turn of the event loop: `setImmediate` where there is one (Bun, Node), else a 0 ms timer. */
const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate; // not in the DOM's types
const nextTurn: (fn: () => void) => unknown = typeof immediate === "function" ? immediate : (fn) => setTimeout(fn, 0);
/** The turn of the event loop, counted lazily: one `nextTurn` per turn that handles frames. */
let turn = 0;
let counting = false;
const countTurn = () => {
  turn++;
  counting = false;
};
function currentTurn(): number {
  if (!counting) {
    counting = true;
    nextTurn(countTurn);
  }
  return turn;
}

/** A connection's frames waiting for its next turn: the rest of a batch first, then whole messages as they came. */
interface Backlog {
  frames: unknown[] | undefined;
  at: number;
  readonly messages: string[];
  next: number;
  /** The characters of `messages` still waiting. */
  chars: number;
}

export class Peer implements StreamHost {
  private pending: Map<number, PendingCall> | undefined;
  private running: Map<number, Task> | undefined;
  /** CALL and STREAM frames waiting for the transport to be ready, by id, in call order. */
  private queue: Map<number, string> | undefined;
  /** The streams this end consumes, by id. */
  private streams: Map<number, Inbound> | undefined;
  private lastId = 0;
  private violations = 0;
  /** Set once the connection is over for good: new calls fail with it. */
  private ended: ChatterError | undefined;
  /** Frames written during this tick, sent together when it ends (see `write`). */
  private outbox: string[] | undefined;
  private outboxChars = 0;
  /** The CALL ids in `outbox`: they fail if the transport drops the batch. */
  private outboxCalls: number[] | undefined;
  /** Armed for the oldest default-timeout call while any waits (see `sweep`). */
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;
  /** Waits for nothing to be in flight (see `whenIdle`). */
  private onIdle: (() => void) | undefined;
  /** Ms of work on this connection's frames in turn `turn` of the event loop (see `receive`). */
  private spent = 0;
  private turn = -1;
  private backlog: Backlog | undefined;
  /** `resumeTurn` is scheduled; it does nothing if the backlog is gone by then. */
  private turnScheduled = false;
  /** The peer sent more than it could be served: nothing more it sends is read (its socket is closing). */
  private deaf = false;

  constructor(
    private readonly config: PeerConfig,
    private readonly transport: Transport,
    private readonly procedures: LocalProcedures,
    private readonly events: PeerEvents,
  ) {}

  /** Calls a procedure of the other end; waits for the transport when it is not ready yet. */
  call(name: string, input: unknown, options?: CallOptions): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(cancelled(name, signal));
    if (this.ended) return Promise.reject(this.ended);
    if (own(this.config.remote, name)?.stream) return Promise.reject(new ChatterError("NOT_FOUND", `"${short(name)}" is a stream: iterate stream("${short(name)}", input) instead of calling it`));
    const pending = (this.pending ??= new Map());
    const id = ++this.lastId;
    let frame: string;
    try {
      this.checkRoom(name);
      // Built as text: no array per call, and `JSON.stringify(name)` quotes it as the array form would.
      frame = this.encode(`[${CALL},${id}`, name, input);
    } catch (error) {
      return Promise.reject(error);
    }
    const timeout = options?.timeout ?? this.config.timeout;
    return new Promise((resolve, reject) => {
      // Default-timeout calls time out in insertion order, so one sweep timer serves them all
      // (a timer per call was a measurable share of a call's cost); others get their own.
      // `Infinity` (or past what a timer takes) means no timeout: `setTimeout` would fire at once.
      const timed = !(timeout > MAX_TIMER); // NaN gets a timer (and times out at once), never none
      const custom = timeout !== this.config.timeout || !(timeout > 0 && timed);
      const call: PendingCall = { name, resolve, reject, timer: undefined, timeout, deadline: custom ? 0 : performance.now() + timeout, signal, onAbort: undefined };
      if (custom) call.timer = timed ? setTimeout(() => this.stop(id, "TIMEOUT"), timeout) : undefined;
      else this.sweepTimer ??= background(setTimeout(() => this.sweep(), timeout));
      if (signal) {
        call.onAbort = () => this.stop(id, "CANCELLED");
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      pending.set(id, call);
      this.send(frame, id);
    });
  }

  /** Opens a stream of the other end: an async iterator of its items (see core/streams.ts). */
  stream(name: string, input: unknown, options?: StreamOptions): AsyncIterableIterator<unknown> {
    if (options?.signal?.aborted) throw cancelled(name, options.signal);
    if (this.ended) throw this.ended;
    const def = own(this.config.remote, name);
    if (def && !def.stream) throw new ChatterError("NOT_FOUND", `"${short(name)}" is not a stream: call("${short(name)}", input) instead`);
    this.checkRoom(name);
    const id = ++this.lastId;
    const window = windowOf(options);
    const frame = this.encode(`[${STREAM},${id},${window}`, name, input); // before the Inbound: a throw leaves no listener on the signal
    const inbound = new Inbound(id, name, window, this, options);
    const streams = (this.streams ??= new Map());
    streams.set(id, inbound);
    this.send(frame, id);
    return inbound;
  }

  /** Throws `OVERLOADED` when calls and streams waiting on the other end are at `maxOutgoing`. */
  private checkRoom(name: string): void {
    if (this.pendingCount + (this.streams?.size ?? 0) < this.config.maxOutgoing) return;
    throw new ChatterError("OVERLOADED", `Too many calls in flight (${this.config.maxOutgoing}); "${short(name)}" was not sent`);
  }

  /** A CALL or STREAM frame: `head` (kind, id…), then the name and the input; throws `BAD_INPUT` or `TOO_LARGE`. */
  private encode(head: string, name: string, input: unknown): string {
    let frame: string;
    try {
      frame = input === undefined ? `${head},${JSON.stringify(name)}]` : `${head},${JSON.stringify(name)},${json(input)}]`;
    } catch (cause) {
      throw notEncodable("BAD_INPUT", `The input of "${short(name)}"`, cause);
    }
    if (tooLarge(frame, this.config.maxPayload)) throw new ChatterError("TOO_LARGE", `The input of "${short(name)}" is larger than ${this.config.maxPayload} bytes`);
    return frame;
  }

  /** A stream is over (the `StreamHost` side of the engine). */
  forget(id: number): void {
    this.streams?.delete(id);
    this.queue?.delete(id);
  }

  /** Sends a CALL or STREAM frame now, or queues it until the transport is ready. */
  private send(frame: string, id: number): void {
    if (this.transport.ready) this.write(frame, id);
    else (this.queue ??= new Map()).set(id, frame);
  }

  /** The transport became ready: the queued calls go out, in call order. */
  resume(): void {
    const queue = this.queue;
    if (!queue?.size) return;
    for (const [id, frame] of queue) {
      if (!this.transport.ready) return; // e.g. `onOpen` closed it again: the rest wait on
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
    if (!this.transport.writable) {
      if (callId !== undefined) this.fail(callId, new ChatterError("DISCONNECTED", "The socket is closed"));
      return false;
    }
    if (!this.outbox) {
      this.outbox = [frame];
      this.outboxChars = frame.length + 2;
      this.transport.schedule();
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
    if (this.transport.send(out.length === 1 ? out[0]! : `[${out.join(",")}]`) || !calls) return;
    for (const id of calls) this.fail(id, new ChatterError("DISCONNECTED", "The socket is closed or over its backpressure limit"));
  }

  /**
   * Calls `callback` once nothing is in flight either way (now, if nothing is), after the
   * last answer has been written: a graceful shutdown closes the socket then.
   */
  whenIdle(callback: () => void): void {
    this.onIdle = callback;
    this.checkIdle();
  }

  private checkIdle(): void {
    if (!this.onIdle || this.pending?.size || this.running?.size) return;
    const callback = this.onIdle;
    this.onIdle = undefined;
    queueMicrotask(callback); // after the frame the caller is about to write
  }

  /** Number of calls this end is waiting on. */
  get pendingCount(): number {
    return this.pending?.size ?? 0;
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
    if (final) this.ended = error.code === "DISCONNECTED" ? error : new ChatterError("DISCONNECTED", error.message);
    if (this.pending?.size) {
      const calls: PendingCall[] = [];
      for (const [id, call] of this.pending) if (final || !this.queue?.has(id)) calls.push(call), this.settle(id);
      for (const call of calls) call.reject(error);
    }
    if (this.sweepTimer !== undefined && !this.pending?.size) {
      clearTimeout(this.sweepTimer); // nothing left to time out
      this.sweepTimer = undefined;
    }
    if (this.running?.size) {
      for (const task of this.running.values()) task.cancel(error);
      this.running.clear();
    }
    if (this.streams?.size) for (const inbound of [...this.streams.values()]) if (final || !this.queue?.has(inbound.id)) inbound.end(error);
    if (final) this.queue?.clear();
    // What the gone socket sent and was not handled yet is moot.
    this.backlog = undefined;
    this.deaf = false;
  }

  /** The other end broke the protocol. Counted, so a batch stops at its first bad frame. */
  violation(message: string): void {
    this.violations++;
    this.events.violation(message);
  }

  /**
   * Handles one message from the other end. Never throws. The work is timed: once this
   * connection has had `TURN_BUDGET` ms in a row, the rest of its batch and its next messages
   * wait for a later turn (a macrotask), in order, so other connections' frames run between.
   */
  receive(data: string): void {
    if (this.deaf) return;
    // The budget is the server's: it keeps one connection from starving the others. A client
    // has one connection, and deferring its frames would only add latency to a burst.
    if (!this.config.isServer) return this.take(data, 0);
    if (this.backlog) return this.enqueue(data);
    const now = currentTurn();
    if (this.turn !== now) (this.turn = now), (this.spent = 0);
    const start = performance.now();
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
    const violations = this.violations;
    for (let i = at; i < frames.length; i++) {
      const frame = frames[i];
      if (!Array.isArray(frame) || Array.isArray(frame[0])) return this.violation("a batch holds frames");
      this.handle(frame);
      // Nothing after a bad frame runs, nor after a procedure closed the connection.
      if (this.violations !== violations || !this.transport.writable) return this.stopAfter(violations);
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
    if (!this.transport.writable || (this.config.isServer && this.violations !== violations)) this.backlog = undefined;
  }

  /** Counts the work since `start`; past the budget, what comes next waits for a later turn. */
  private account(start: number): void {
    this.spent += performance.now() - start;
    if (this.backlog || this.spent > TURN_BUDGET) this.waitTurn();
  }

  private waitTurn(): Backlog {
    const backlog = (this.backlog ??= { frames: undefined, at: 0, messages: [], next: 0, chars: 0 });
    if (!this.turnScheduled) {
      // A timer, not `setImmediate`: Bun may run an immediate before it reads the other sockets,
      // and then the waiting connection would go first again (measured: a canary then waited
      // for two slow validations instead of one). The ~1 ms it costs falls on a connection
      // that has just had its budget.
      this.turnScheduled = true;
      setTimeout(() => this.resumeTurn(), 0);
    }
    return backlog;
  }

  /** A message that came while this connection waits for its turn: queued, bounded. */
  private enqueue(data: string): void {
    const backlog = this.backlog!;
    backlog.messages.push(data);
    backlog.chars += data.length;
    // A peer that sends faster than it is served, without end: it is closed rather than held.
    if (backlog.chars > 4 * Math.max(this.config.maxPayload, 1_048_576)) {
      this.backlog = undefined;
      this.deaf = true;
      this.events.report(new ChatterError("OVERLOADED", `The peer sent ${backlog.chars} characters more than could be handled in time; its socket was closed`));
      this.transport.close(CLOSE_OVERLOADED, "sent faster than it was served");
    }
  }

  /** This connection's turn: its waiting frames, in order, for up to the budget again. */
  private resumeTurn(): void {
    this.turnScheduled = false;
    const backlog = this.backlog;
    if (!backlog) return;
    this.turn = currentTurn();
    const start = performance.now();
    const violations = this.violations;
    this.spent = 0;
    while (this.backlog === backlog && this.transport.writable && this.spent + performance.now() - start <= TURN_BUDGET) {
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
        this.backlog = undefined;
      }
      if (this.violations !== violations) this.stopAfter(violations);
    }
    if (this.backlog === backlog && backlog.next > 1_024) {
      backlog.messages.splice(0, backlog.next); // don't let a long wait keep every handled slot
      backlog.next = 0;
    }
    if (!this.transport.writable) return void (this.backlog = undefined);
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
        return this.events.control(msg[0], msg);
      case STREAM:
        return this.onStream(msg);
      case ITEM:
        return this.onItem(msg);
      case END:
        if (!isValidId(msg[1])) return this.violation("END needs a stream id");
        return this.streams?.get(msg[1])?.end();
      case CREDIT:
        return this.onCredit(msg);
      case INVALIDATE:
      case SET_DATA:
        if (this.config.isServer) return this.violation("cache updates are sent by the server only");
        return this.events.control(msg[0], msg);
      default:
        return this.violation("unknown frame kind");
    }
  }

  // ── Calls made by this end ────────────────────────────────────────────────

  /** Times out or cancels call `id`, and tells the other end to stop it if it was sent. */
  private stop(id: number, code: "TIMEOUT" | "CANCELLED"): void {
    const call = this.pending?.get(id);
    if (!call) return;
    const sent = !this.queue?.has(id);
    if (!this.settle(id)) return;
    if (sent) this.write(`[${CANCEL},${id}]`);
    call.reject(
      code === "TIMEOUT" ? new ChatterError("TIMEOUT", `The call "${short(call.name)}" timed out after ${call.timeout} ms`) : cancelled(call.name, call.signal!),
    );
  }

  /** Times out the default-timeout calls past their deadline, oldest first, and re-arms for the next. */
  private sweep(): void {
    this.sweepTimer = undefined;
    if (!this.pending) return;
    const now = performance.now();
    for (const [id, call] of this.pending) {
      if (call.deadline === 0) continue; // has its own timer
      if (call.deadline > now) {
        this.sweepTimer = background(setTimeout(() => this.sweep(), call.deadline - now));
        return;
      }
      this.stop(id, "TIMEOUT");
    }
  }

  /** Fails one waiting call or stream (e.g. its frame could not be sent). */
  private fail(id: number, error: ChatterError): void {
    const call = this.pending?.get(id);
    if (call && this.settle(id)) call.reject(error);
    else this.streams?.get(id)?.end(error);
  }

  private onResult(msg: unknown[]): void {
    const id = msg[1];
    const call = isValidId(id) ? this.pending?.get(id) : undefined;
    if (!call || !this.settle(id as number)) return; // late (after a timeout) or never asked: dropped
    const def = this.config.isServer ? own(this.config.remote, call.name) : undefined;
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
    if (id === 0) return void (this.config.isServer || this.events.report(error));
    if (!isValidId(id)) return;
    const call = this.pending?.get(id);
    if (call && this.settle(id)) call.reject(error);
    else this.streams?.get(id)?.end(error);
  }

  /** The next item of a stream this end consumes; the server parses it first (it never trusts a client). */
  private onItem(msg: unknown[]): void {
    const id = msg[1];
    if (!isValidId(id)) return this.violation("ITEM needs a stream id");
    const inbound = this.streams?.get(id);
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

  /** Removes a waiting call, its timer and its place in the queue; false if it was already settled. */
  private settle(id: number): boolean {
    const call = this.pending?.get(id);
    if (!call) return false;
    this.pending!.delete(id);
    if (call.timer !== undefined) clearTimeout(call.timer);
    if (call.onAbort) call.signal!.removeEventListener("abort", call.onAbort);
    this.queue?.delete(id);
    if (this.onIdle) this.checkIdle();
    return true;
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
    const handler = def && this.procedures.find(name);
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
    const handler = def && this.procedures.find(name);
    if (!handler) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `No procedure "${short(name)}"`)));
    if (!def.stream) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `"${short(name)}" is not a stream: call it`)));
    const task = new Outbound(id, name, credit);
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
      const out = this.procedures.invoke(handler, checked.value, task);
      const iterable = (isThenable(out) ? await out : out) as AsyncIterable<unknown> | null | undefined;
      if (typeof iterable?.[Symbol.asyncIterator] !== "function") throw new TypeError(`The stream procedure "${short(task.name)}" returned no AsyncIterable`);
      iterator = iterable[Symbol.asyncIterator]();
    } catch (error) {
      return this.failTask(task, error);
    }
    let failure: unknown;
    let ended = false;
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
        const frame = `[${ITEM},${task.id},${json(item.value)}]`;
        if (tooLarge(frame, this.config.maxPayload)) throw new ChatterError("TOO_LARGE", `An item of "${short(task.name)}" is larger than ${this.config.maxPayload} bytes`);
        task.credit--;
        this.write(frame);
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
    if (failure !== undefined) return this.failTask(task, failure);
    if (this.finish(task)) this.write(`[${END},${task.id}]`);
  }

  private onNotify(msg: unknown[]): void {
    const name = msg[1];
    if (typeof name !== "string") return this.violation("NOTIFY needs a name");
    const def = own(this.config.local, name);
    const handler = def && this.procedures.find(name);
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
      out = this.procedures.invoke(handler, checked.value, task);
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
      this.events.report(notEncodable("INTERNAL", `The result of "${short(task.name)}"`, cause), task.name);
      return void this.write(errorFrame(task.id, new ChatterError("INTERNAL")));
    }
    if (tooLarge(frame, this.config.maxPayload)) {
      const error = new ChatterError("TOO_LARGE", `The result of "${short(task.name)}" is larger than ${this.config.maxPayload} bytes`);
      this.events.report(error, task.name);
      return void this.write(errorFrame(task.id, error));
    }
    this.write(frame);
  }

  private failTask(task: Task, error: unknown): void {
    const known = error instanceof ChatterError ? error : undefined;
    // Reported here: what this end threw, a bad output of its own, and any failed publish
    // (no caller hears of it, e.g. a publish the schemas of a mid-deploy disagree on).
    if (!known || known.code === "BAD_OUTPUT" || !task.id) this.events.report(error, task.name);
    if (task.id && this.finish(task)) this.write(errorFrame(task.id, known ?? new ChatterError("INTERNAL")));
  }

  /** Removes a finished task; false if nobody waits for its answer any more. */
  private finish(task: Task): boolean {
    task.done = true;
    if (this.running?.get(task.id) === task) {
      this.running.delete(task.id);
      if (this.onIdle) this.checkIdle();
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
