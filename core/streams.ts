// Streams over the engine, with credit-based flow control: the consumer grants a window
// of items, the producer's generator is not advanced past the credit it holds, and the
// consumer grants more as it reads. A consumer that stops reading pauses the producer,
// so neither end buffers more than one window. See docs/protocol.md ("Streams").
import { ChatterError } from "./errors.ts";
import { cancelled, short } from "./frames.ts";
import { MAX_TIMER } from "./liveness.ts";
import { CANCEL, CREDIT } from "./protocol.ts";
import { Task } from "./task.ts";

/** The window a consumer grants unless told otherwise. */
export const DEFAULT_WINDOW = 64;
/** The most credit a producer holds, whatever a consumer grants (a grant of 2^53 is this). */
export const MAX_WINDOW = 1_024;

export interface StreamOptions {
  /** Aborting ends the loop with `CANCELLED` and aborts the producer's `signal`. */
  signal?: AbortSignal;
  /** Milliseconds the consumer waits for each next item before the stream fails with `TIMEOUT`. @default no limit */
  timeout?: number;
  /** Items the producer may send ahead of what the loop has read. @default 64 (at most 1,024) */
  window?: number;
}

/** The window a consumer grants: the option, whole, between 1 and `MAX_WINDOW`. */
export function windowOf(options: StreamOptions | undefined): number {
  return Math.max(1, Math.min(MAX_WINDOW, Math.floor(options?.window ?? DEFAULT_WINDOW) || DEFAULT_WINDOW));
}

/** What an inbound stream needs of its engine. */
export interface StreamHost {
  write(frame: string): void;
  /** The stream is over: drop it from the engine's map. */
  forget(id: number): void;
}

type Waiter = { resolve: (result: IteratorResult<unknown>) => void; reject: (error: ChatterError) => void };

/** The consumer's end of one stream: an async iterator fed by ITEM frames. */
export class Inbound implements AsyncIterableIterator<unknown> {
  private readonly buffer: unknown[] = [];
  private waiter: Waiter | undefined;
  /** Set when the stream is over: `null` for a normal end, else why it failed. */
  private over: ChatterError | null | undefined;
  /** Items read since the last grant. */
  private read = 0;
  /** Items the producer may still send before the next grant. */
  private credit: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onAbort: (() => void) | undefined;

  constructor(
    readonly id: number,
    readonly name: string,
    /** What STREAM granted (see `windowOf`). */
    readonly window: number,
    private readonly host: StreamHost,
    private readonly options: StreamOptions | undefined,
  ) {
    this.credit = window;
    const signal = options?.signal;
    if (signal) {
      this.onAbort = () => this.stop(cancelled(short(name), signal));
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** An ITEM arrived. False if the producer sent more than it was granted (a protocol break). */
  push(value: unknown): boolean {
    if (this.over !== undefined) return true; // late, after a cancel: dropped
    if (this.credit === 0) {
      this.stop(new ChatterError("PROTOCOL", `The stream "${short(this.name)}" sent more items than it was granted`));
      return false;
    }
    this.credit--;
    if (this.waiter) this.deliver({ value, done: false });
    else this.buffer.push(value);
    return true;
  }

  /** The producer ended it (`error` undefined) or failed it; or the connection did. */
  end(error?: ChatterError): void {
    if (this.over !== undefined) return;
    this.finish(error ?? null);
    if (this.waiter && (error || !this.buffer.length)) {
      if (error) this.reject(error);
      else this.deliver({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.buffer.length) {
      const value = this.buffer.shift();
      this.grant();
      return Promise.resolve({ value, done: false });
    }
    if (this.over === null) return Promise.resolve({ value: undefined, done: true });
    if (this.over) return Promise.reject(this.over);
    if (this.waiter) return Promise.reject(new TypeError(`stream "${short(this.name)}": next() called before the previous one settled`));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      const timeout = this.options?.timeout;
      if (timeout !== undefined && timeout <= MAX_TIMER) {
        this.timer = setTimeout(() => this.stop(new ChatterError("TIMEOUT", `The stream "${short(this.name)}" sent no item for ${timeout} ms`)), timeout);
      }
    });
  }

  /** `break` or `return` in the loop: the producer is told to stop. */
  return(): Promise<IteratorResult<unknown>> {
    this.stop(null);
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the stream from this side: the producer is told to stop (its `signal` aborts); `null` ends it quietly. */
  stop(reason: ChatterError | null): void {
    if (this.over !== undefined) return;
    this.host.write(`[${CANCEL},${this.id}]`);
    this.buffer.length = 0;
    this.finish(reason);
    if (this.waiter) reason ? this.reject(reason) : this.deliver({ value: undefined, done: true });
  }

  private finish(reason: ChatterError | null): void {
    this.over = reason;
    clearTimeout(this.timer);
    if (this.onAbort) this.options!.signal!.removeEventListener("abort", this.onAbort);
    this.host.forget(this.id);
  }

  /**
   * A quarter of the window read: grant it back, so the producer rarely waits and never runs
   * ahead (granting at half left it waiting for a round trip more often: ~25 % fewer items/s at
   * window 64 in bench/streams.ts).
   */
  private grant(): void {
    if (this.over !== undefined || ++this.read * 4 < this.window) return;
    this.host.write(`[${CREDIT},${this.id},${this.read}]`);
    this.credit += this.read;
    this.read = 0;
  }

  private deliver(result: IteratorResult<unknown>): void {
    const waiter = this.waiter!;
    this.waiter = undefined;
    clearTimeout(this.timer);
    if (!result.done) this.grant();
    waiter.resolve(result);
  }

  private reject(error: ChatterError): void {
    const waiter = this.waiter!;
    this.waiter = undefined;
    waiter.reject(error);
  }
}

/** Microtasks with no new item after which held items go out: a generator's step takes two or three. */
const IDLE_HOPS = 4;

/**
 * The producer's end: a running procedure that also holds credit. Items its generator
 * yields without waiting are held and written together, so many leave in one socket send;
 * they go once a quarter of the window is held, or the generator waits (for credit, for its
 * own I/O: a few idle microtasks), or ends.
 */
export class Outbound extends Task {
  credit: number;
  private wake: (() => void) | undefined;
  private readonly held: string[] = [];
  /** A quarter of the window: a bigger batch leaves the consumer idle while it fills. */
  private readonly batch: number;
  /** Items held so far, and what `check` saw of it: the generator's progress. */
  private produced = 0;
  private seen = 0;
  private idle = 0;
  private checking = false;

  constructor(
    id: number,
    name: string,
    credit: number,
    private readonly host: StreamHost,
  ) {
    super(id, name);
    this.credit = Math.min(credit, MAX_WINDOW);
    this.batch = Math.max(1, this.credit >> 2);
  }

  /** The next ITEM frame, spending one credit. */
  hold(frame: string): void {
    this.credit--;
    this.produced++;
    if (this.held.push(frame) >= this.batch) this.release();
    else if (!this.checking) {
      this.checking = true;
      queueMicrotask(this.check);
    }
  }

  /** Writes the held items (also before END or ERROR). */
  release(): void {
    const held = this.held;
    for (let i = 0; i < held.length; i++) this.host.write(held[i]!);
    held.length = 0;
  }

  /** A CREDIT frame: `n` more items may go (capped: a grant of 2^53 is not 2^53 buffered). */
  grant(n: number): void {
    this.credit = Math.min(MAX_WINDOW, this.credit + n);
    this.wakeUp();
  }

  /** Resolves once there is credit again, or the stream was cancelled. */
  waitForCredit(): Promise<void> {
    this.release();
    return new Promise((resolve) => (this.wake = resolve));
  }

  override cancel(reason: ChatterError): void {
    super.cancel(reason);
    this.held.length = 0;
    this.wakeUp();
  }

  /** Runs each microtask while items are held; releases them once the generator made no progress for `IDLE_HOPS`. */
  private readonly check = (): void => {
    if (this.produced !== this.seen) {
      this.seen = this.produced;
      this.idle = 0;
    } else this.idle++;
    if (this.held.length && this.idle < IDLE_HOPS) return queueMicrotask(this.check);
    this.checking = false;
    this.idle = 0;
    this.release();
  };

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
