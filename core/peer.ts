// The call engine both ends share: it makes calls and answers them over one
// connection. The client and each server connection subclass it with their
// transport (how a frame is written, what happens to a call made offline).
import { ChatterError, isErrorCode, type ChatterErrorCode, type Issue } from "./errors.ts";
import { CALL, CANCEL, ERROR, GOAWAY, HELLO, isValidId, NOTIFY, PING, PONG, PONG_FRAME, RESULT } from "./protocol.ts";
import type { Procedure, Procedures } from "./schema.ts";
import type { StandardSchemaV1 } from "./standard.ts";
import type { CallOptions, ProcedureContext } from "./types.ts";

export type Handler = (...args: any[]) => unknown;

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
  /** Calls to the other end waiting for an answer; more are refused with `OVERLOADED`. */
  readonly maxOutgoing: number;
  /**
   * The other end is the server (this is a client). A client accepts NOTIFY (only servers
   * publish) and reports the server's connection errors; a server validates what clients
   * answer against declared outputs, ignores their connection errors (a client's text never
   * reaches the server's logs), and takes no NOTIFY (it would run outside `maxIncoming`).
   */
  readonly remoteIsServer: boolean;
}

interface PendingCall {
  readonly name: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: ChatterError) => void;
  /** Its own timer, for a call with a timeout other than the default; else `undefined` and the sweep times it out. */
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly timeout: number;
  /** When a default-timeout call times out (`performance.now()` ms); 0 when it has its own timer. */
  readonly deadline: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

const NO_INPUT: StandardSchemaV1.Result<undefined> = { value: undefined };
const MAX_NAME_IN_MESSAGE = 80;
/** The longest delay `setTimeout` takes as is. */
const MAX_TIMER = 2_147_483_647;
/**
 * A batch stays under 16 KiB (or `maxPayload`, if smaller): the other end's limit is not
 * known here, and past a few KiB a bigger batch saves nothing.
 */
const MAX_BATCH = 16_384;

/** One running procedure; its `signal` is created only if the procedure reads it. */
class Task implements ProcedureContext {
  cancelled = false;
  /** Answered (or failed): a task done before `run` returns never enters `running`. */
  done = false;
  private controller: AbortController | undefined;
  constructor(
    readonly id: number,
    readonly name: string,
  ) {}
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort(new ChatterError("CANCELLED"));
    }
    return this.controller.signal;
  }
  cancel(reason: ChatterError): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller?.abort(reason);
  }
}

export abstract class Peer {
  private pending: Map<number, PendingCall> | undefined;
  private running: Map<number, Task> | undefined;
  private lastId = 0;
  private violations = 0;
  /** Frames written during this tick, sent together when it ends (see `batch`). */
  private outbox: string[] | undefined;
  private outboxChars = 0;
  /** The CALL ids in `outbox`: they fail if the transport drops the batch. */
  private outboxCalls: number[] | undefined;
  /** Armed for the oldest default-timeout call while any waits (see `sweep`). */
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(protected readonly config: PeerConfig) {}

  /** Writes one frame; false when the transport dropped it (or, batched, will not take it). */
  protected abstract write(frame: string): boolean;
  /** Puts one frame on the wire now; false when the transport dropped it. */
  protected abstract sendNow(frame: string): boolean;
  /** Sends a CALL frame (or holds it until the transport opens). */
  protected abstract dispatch(frame: string, id: number): void;
  /** The handler of a local procedure, by own name only. */
  protected abstract find(name: string): Handler | undefined;
  /** Runs a handler with this end's arguments. */
  protected abstract invoke(handler: Handler, input: unknown, context: ProcedureContext): unknown;
  /** Reports an error thrown on this end (never sent to the other end as is). */
  protected abstract report(error: unknown, procedure?: string): void;
  /** Whether the connection can still take frames (a server connection is gone once closed). */
  protected get open(): boolean {
    return true;
  }
  /** What this end does when the other end breaks the protocol (the server closes the socket). */
  protected abstract onViolation(message: string): void;
  /** The other end broke the protocol. Counted, so a batch stops at its first bad frame. */
  protected violation(message: string): void {
    this.violations++;
    this.onViolation(message);
  }
  /** The HELLO frame (connection params), for ends that take one. */
  protected hello(_params: unknown): void {
    this.violation("unexpected HELLO");
  }
  /** The GOAWAY frame (the server is shutting down), for ends that take one. */
  protected goAway(): void {
    this.violation("unexpected GOAWAY");
  }

  /** Calls a procedure of the other end. */
  call(name: string, input: unknown, options?: CallOptions): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(cancelled(name, signal));
    const pending = (this.pending ??= new Map());
    if (pending.size >= this.config.maxOutgoing) {
      return Promise.reject(new ChatterError("OVERLOADED", `Too many calls in flight (${this.config.maxOutgoing}); "${short(name)}" was not sent`));
    }
    const id = ++this.lastId;
    let frame: string;
    try {
      // Built as text: no array per call, and `JSON.stringify(name)` quotes it as the array form would.
      frame = input === undefined ? `[${CALL},${id},${JSON.stringify(name)}]` : `[${CALL},${id},${JSON.stringify(name)},${json(input)}]`;
    } catch (cause) {
      return Promise.reject(new ChatterError("BAD_INPUT", `The input of "${short(name)}" cannot be encoded as JSON`, { cause }));
    }
    if (tooLarge(frame, this.config.maxPayload)) {
      return Promise.reject(new ChatterError("TOO_LARGE", `The input of "${short(name)}" is larger than ${this.config.maxPayload} bytes`));
    }
    const timeout = options?.timeout ?? this.config.timeout;
    return new Promise((resolve, reject) => {
      // Default-timeout calls time out in insertion order, so one sweep timer serves them all
      // (a timer per call was a measurable share of a call's cost); others get their own.
      // `Infinity` (or past what a timer takes) means no timeout: `setTimeout` would fire at once.
      const timed = !(timeout > MAX_TIMER); // NaN gets a timer (and times out at once), never none
      const custom = timeout !== this.config.timeout || !(timeout > 0 && timed);
      const call: PendingCall = { name, resolve, reject, timer: undefined, timeout, deadline: custom ? 0 : performance.now() + timeout, signal, onAbort: undefined };
      if (custom) call.timer = timed ? setTimeout(() => this.expire(id), timeout) : undefined;
      else this.sweepTimer ??= background(setTimeout(() => this.sweep(), timeout));
      if (signal) {
        call.onAbort = () => {
          if (this.settle(id)) {
            this.cancelRemote(id);
            reject(cancelled(name, signal));
          }
        };
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      pending.set(id, call);
      this.dispatch(frame, id);
    });
  }

  /** Times out call `id` and tells the other end to stop it. */
  private expire(id: number): void {
    const call = this.pending?.get(id);
    if (!call || !this.settle(id)) return;
    this.cancelRemote(id);
    call.reject(new ChatterError("TIMEOUT", `The call "${short(call.name)}" timed out after ${call.timeout} ms`));
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
      this.expire(id);
    }
  }

  /**
   * Queues a frame until the end of the tick: frames written in one tick leave as one batch
   * frame `[[…],[…]]` (one send and one message event for many calls; alone, a frame goes as
   * is). With 64 calls in flight this made calls ~5× cheaper; a lone call pays one microtask.
   */
  protected batch(frame: string, callId?: number): void {
    if (!this.outbox) {
      this.outbox = [frame];
      this.outboxChars = frame.length + 2;
      this.scheduleFlush();
    } else if ((this.outboxChars + frame.length + 1) * 3 > Math.min(this.config.maxPayload, MAX_BATCH)) {
      this.flush(); // the batch could pass the frame size limit: send what it holds first
      return this.batch(frame, callId);
    } else {
      this.outbox.push(frame);
      this.outboxChars += frame.length + 1;
    }
    if (callId !== undefined) (this.outboxCalls ??= []).push(callId);
  }

  /**
   * A new batch started: flush it at the end of the tick. A server flushes all its
   * connections' batches in one microtask instead, and before any publish.
   */
  protected scheduleFlush(): void {
    queueMicrotask(() => this.flush());
  }

  /** Sends the queued frames now (before a close, and at the end of the tick). */
  protected flush(): void {
    const out = this.outbox;
    if (!out) return;
    const calls = this.outboxCalls;
    this.outbox = this.outboxCalls = undefined;
    if (this.sendNow(out.length === 1 ? out[0]! : `[${out.join(",")}]`) || !calls) return;
    for (const id of calls) this.failCall(id, new ChatterError("DISCONNECTED", "The socket is closed or over its backpressure limit"));
  }

  /** Number of calls this end is waiting on. */
  get pendingCount(): number {
    return this.pending?.size ?? 0;
  }

  /** Number of the other end's calls running here. */
  get runningCount(): number {
    return this.running?.size ?? 0;
  }

  /** Whether call `id` still waits for its answer. */
  protected isPending(id: number): boolean {
    return this.pending?.has(id) ?? false;
  }

  /** Fails one waiting call (e.g. its frame could not be sent). */
  protected failCall(id: number, error: ChatterError): void {
    const call = this.pending?.get(id);
    if (call && this.settle(id)) call.reject(error);
  }

  /** Tells the other end to stop call `id`; only meaningful while connected. */
  protected cancelRemote(id: number): void {
    this.write(`[${CANCEL},${id}]`);
  }

  /**
   * The connection is gone: every waiting call fails (but those `keep` holds back,
   * such as calls never sent), every running procedure is aborted.
   */
  protected disconnect(error: ChatterError, keep?: (id: number) => boolean): void {
    if (this.pending?.size) {
      const calls: PendingCall[] = [];
      for (const [id, call] of this.pending) if (!keep?.(id)) calls.push(call), this.settle(id);
      for (const call of calls) call.reject(error);
    }
    if (this.sweepTimer !== undefined && !this.pending?.size) {
      clearTimeout(this.sweepTimer); // nothing left to time out: don't keep the process alive
      this.sweepTimer = undefined;
    }
    if (this.running?.size) {
      for (const task of this.running.values()) task.cancel(error);
      this.running.clear();
    }
  }

  /** Handles one frame from the other end. Never throws. */
  receive(data: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(data);
    } catch {
      return this.violation("the frame is not JSON");
    }
    if (!Array.isArray(msg)) return this.violation("a frame is a JSON array");
    if (!Array.isArray(msg[0])) return this.handle(msg);
    // A batch: frames written in one tick by the other end (see `batch`).
    const violations = this.violations;
    for (const frame of msg) {
      if (!Array.isArray(frame) || Array.isArray(frame[0])) return this.violation("a batch holds frames");
      this.handle(frame);
      // Nothing after a bad frame runs, nor after a procedure closed the connection.
      if (this.violations !== violations || !this.open) return;
    }
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
        if (!this.config.remoteIsServer) return this.violation("NOTIFY is sent by the server only");
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
        return this.hello(msg[1]);
      case GOAWAY:
        return this.goAway();
      default:
        return this.violation("unknown frame kind");
    }
  }

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
    const handler = def && this.find(name);
    if (!handler) return void this.write(errorFrame(id, new ChatterError("NOT_FOUND", `No procedure "${short(name)}"`)));
    const task = new Task(id, name);
    this.run(task, def, handler, msg[3]);
    // Only a call still running after its synchronous part needs an entry (for CANCEL, duplicate
    // ids and the cap): a synchronous procedure costs no map operation, and an idle connection no map.
    if (!task.done) (this.running ??= new Map()).set(id, task);
  }

  private onNotify(msg: unknown[]): void {
    const name = msg[1];
    if (typeof name !== "string") return this.violation("NOTIFY needs a name");
    const def = own(this.config.local, name);
    const handler = def && this.find(name);
    if (!handler) return; // a publish nobody here listens to, like an event with no listener
    this.run(new Task(0, name), def, handler, msg[2]);
  }

  private run(task: Task, def: Procedure, handler: Handler, raw: unknown): void {
    try {
      const checked = def.input ? def.input["~standard"].validate(raw) : NO_INPUT;
      if (checked instanceof Promise) {
        checked.then(
          (result) => this.execute(task, def, handler, result),
          (error) => this.fail(task, error),
        );
      } else {
        this.execute(task, def, handler, checked);
      }
    } catch (error) {
      this.fail(task, error);
    }
  }

  private execute(task: Task, def: Procedure, handler: Handler, checked: StandardSchemaV1.Result<unknown>): void {
    if (task.cancelled) return void this.finish(task); // cancelled while its input was being validated
    if (checked.issues) return this.fail(task, invalid("BAD_INPUT", task.name, checked.issues));
    let out: unknown;
    try {
      out = this.invoke(handler, checked.value, task);
    } catch (error) {
      return this.fail(task, error);
    }
    if (isThenable(out)) {
      Promise.resolve(out).then(
        (value) => this.succeed(task, def, value),
        (error) => this.fail(task, error),
      );
    } else {
      this.succeed(task, def, out);
    }
  }

  private succeed(task: Task, def: Procedure, value: unknown): void {
    if (!task.id) return;
    if (!def.output) return this.answer(task, value);
    try {
      const checked = def.output["~standard"].validate(value);
      const finish = (result: StandardSchemaV1.Result<unknown>) =>
        result.issues ? this.fail(task, invalid("BAD_OUTPUT", task.name, result.issues)) : this.answer(task, result.value);
      if (checked instanceof Promise) checked.then(finish, (error) => this.fail(task, error));
      else finish(checked);
    } catch (error) {
      this.fail(task, error);
    }
  }

  private answer(task: Task, value: unknown): void {
    if (!this.finish(task)) return;
    let frame: string;
    try {
      frame = value === undefined ? `[${RESULT},${task.id}]` : `[${RESULT},${task.id},${json(value)}]`;
    } catch (cause) {
      this.report(new ChatterError("INTERNAL", `The result of "${short(task.name)}" cannot be encoded as JSON`, { cause }), task.name);
      return void this.write(errorFrame(task.id, new ChatterError("INTERNAL")));
    }
    if (tooLarge(frame, this.config.maxPayload)) {
      const error = new ChatterError("TOO_LARGE", `The result of "${short(task.name)}" is larger than ${this.config.maxPayload} bytes`);
      this.report(error, task.name);
      return void this.write(errorFrame(task.id, error));
    }
    this.write(frame);
  }

  private fail(task: Task, error: unknown): void {
    const known = error instanceof ChatterError ? error : undefined;
    // Reported here: what this end threw, a bad output of its own, and any failed publish
    // (no caller hears of it, e.g. a publish the schemas of a mid-deploy disagree on).
    if (!known || known.code === "BAD_OUTPUT" || !task.id) this.report(error, task.name);
    if (task.id && this.finish(task)) this.write(errorFrame(task.id, known ?? new ChatterError("INTERNAL")));
  }

  /** Removes a finished task; false if nobody waits for its answer any more. */
  private finish(task: Task): boolean {
    task.done = true;
    if (this.running?.get(task.id) === task) this.running.delete(task.id);
    return !task.cancelled;
  }

  private onResult(msg: unknown[]): void {
    const id = msg[1];
    const call = isValidId(id) ? this.pending?.get(id) : undefined;
    if (!call || !this.settle(id as number)) return; // late (after a timeout) or never asked: dropped
    const def = this.config.remoteIsServer ? undefined : own(this.config.remote, call.name);
    if (!def?.output) return call.resolve(msg[2]);
    try {
      const checked = def.output["~standard"].validate(msg[2]);
      const finish = (result: StandardSchemaV1.Result<unknown>) =>
        result.issues ? call.reject(invalid("BAD_OUTPUT", call.name, result.issues)) : call.resolve(result.value);
      if (checked instanceof Promise) checked.then(finish, (error) => call.reject(ChatterError.from(error)));
      else finish(checked);
    } catch (error) {
      call.reject(ChatterError.from(error));
    }
  }

  private onError(msg: unknown[]): void {
    const [, id, code, message, issues] = msg;
    const error = new ChatterError(
      isErrorCode(code) ? code : "INTERNAL",
      typeof message === "string" ? message : undefined,
      Array.isArray(issues) ? { issues: issues.filter(isIssue) } : undefined,
    );
    if (id === 0) return void (this.config.remoteIsServer && this.report(error));
    const call = isValidId(id) ? this.pending?.get(id) : undefined;
    if (call && this.settle(id as number)) call.reject(error);
  }

  /** Removes a waiting call and its timer; false if it was already settled. */
  private settle(id: number): boolean {
    const call = this.pending?.get(id);
    if (!call) return false;
    this.pending!.delete(id);
    if (call.timer !== undefined) clearTimeout(call.timer);
    if (call.onAbort) call.signal!.removeEventListener("abort", call.onAbort);
    return true;
  }
}

/**
 * The sweep timer stays armed after the last call settles (re-arming it per call cost a
 * timer pair per call with one in flight), so it must not keep a Bun or Node process alive.
 */
function background(timer: ReturnType<typeof setTimeout>): ReturnType<typeof setTimeout> {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/** An own property of a procedure table: `__proto__`, `toString`… are just unknown names. */
export function own(table: Procedures, name: string): Procedure | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** Issues sent with an error; a hostile input can make a validator report millions. */
const MAX_ISSUES = 50;
const MAX_TEXT = 200;

/** An ERROR frame, bounded whatever the error holds (issues, path and message lengths). */
export function errorFrame(id: number, error: ChatterError): string {
  const message = clip(error.message);
  const issues = error.issues?.slice(0, MAX_ISSUES).map((issue) => ({
    message: clip(String(issue.message)),
    path: issue.path?.slice(0, 20).map((key) => (typeof (key = pathKey(key)) === "string" ? clip(key) : key)),
  }));
  return JSON.stringify(issues ? [ERROR, id, error.code, message, issues] : [ERROR, id, error.code, message]);
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** `JSON.stringify` of an array element: what has no JSON form (a function, a symbol) is `null`, as in an array. */
function json(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

function pathKey(key: PropertyKey | { readonly key: PropertyKey }): string | number {
  const k = typeof key === "object" && key !== null ? key.key : key;
  return typeof k === "number" ? k : String(k);
}

function invalid(code: ChatterErrorCode, name: string, issues: readonly Issue[]): ChatterError {
  const first = issues[0];
  const where = first?.path?.length ? ` at ${first.path.map(pathKey).join(".")}` : "";
  const what = code === "BAD_INPUT" ? "input" : "output";
  return new ChatterError(code, `Invalid ${what} for "${short(name)}"${first ? `${where}: ${first.message}` : ""}`, { issues });
}

function cancelled(name: string, signal: AbortSignal): ChatterError {
  return new ChatterError("CANCELLED", `The call "${short(name)}" was cancelled`, { cause: signal.reason });
}

function isIssue(value: unknown): value is Issue {
  return typeof value === "object" && value !== null && typeof (value as Issue).message === "string";
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Whether a frame's UTF-8 size is over `max`, counting bytes only when the length leaves a doubt. */
export function tooLarge(frame: string, max: number): boolean {
  if (frame.length * 3 <= max) return false;
  if (frame.length > max) return true;
  return new TextEncoder().encode(frame).length > max;
}

export function short(name: string): string {
  return name.length > MAX_NAME_IN_MESSAGE ? `${name.slice(0, MAX_NAME_IN_MESSAGE)}…` : name;
}
