// The calls this end has made and still waits on: their promises, timeouts and signals.
// The engine (peer.ts) sends them and settles them; this file only keeps them and says
// when one must stop (it timed out, or its signal aborted).
import type { ChatterError } from "./errors.ts";
import { background, MAX_TIMER } from "./liveness.ts";

export interface PendingCall {
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
  /** Its result is passed on as it arrived, unparsed (see `Peer.call`'s `relay`). */
  readonly raw: boolean;
}

export type StopCode = "TIMEOUT" | "CANCELLED";

export class Calls {
  private readonly waiting = new Map<number, PendingCall>();
  /** Armed for the oldest default-timeout call while any waits (see `sweep`). */
  private sweepTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly defaultTimeout: number,
    /** Call `id` must stop: it timed out or its signal aborted. */
    private readonly stop: (id: number, code: StopCode) => void,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  get(id: number): PendingCall | undefined {
    return this.waiting.get(id);
  }

  /** Waits on call `id` until it is taken, times out (after `timeout` ms) or its signal aborts. */
  add(id: number, name: string, timeout: number, signal: AbortSignal | undefined, resolve: PendingCall["resolve"], reject: PendingCall["reject"], raw = false): void {
    // Default-timeout calls time out in insertion order, so one sweep timer serves them all
    // (a timer per call was a measurable share of a call's cost); others get their own.
    // `Infinity` (or past what a timer takes) means no timeout: `setTimeout` would fire at once.
    const timed = !(timeout > MAX_TIMER); // NaN gets a timer (and times out at once), never none
    const custom = timeout !== this.defaultTimeout || !(timeout > 0 && timed);
    const call: PendingCall = { name, resolve, reject, timer: undefined, timeout, deadline: custom ? 0 : performance.now() + timeout, signal, onAbort: undefined, raw };
    if (custom) call.timer = timed ? setTimeout(() => this.stop(id, "TIMEOUT"), timeout) : undefined;
    else this.sweepTimer ??= background(setTimeout(() => this.sweep(), timeout));
    if (signal) {
      call.onAbort = () => this.stop(id, "CANCELLED");
      signal.addEventListener("abort", call.onAbort, { once: true });
    }
    this.waiting.set(id, call);
  }

  /** Removes call `id` with its timer and its signal's listener; undefined if it was settled already. */
  take(id: number): PendingCall | undefined {
    const call = this.waiting.get(id);
    if (!call) return undefined;
    this.waiting.delete(id);
    if (call.timer !== undefined) clearTimeout(call.timer);
    if (call.onAbort) call.signal!.removeEventListener("abort", call.onAbort);
    return call;
  }

  /** Takes every call but those `keep` names (e.g. queued ones that wait for the next socket). */
  takeAll(keep: (id: number) => boolean): PendingCall[] {
    const taken: PendingCall[] = [];
    for (const id of [...this.waiting.keys()]) if (!keep(id)) taken.push(this.take(id)!);
    if (!this.waiting.size && this.sweepTimer !== undefined) {
      clearTimeout(this.sweepTimer); // nothing left to time out
      this.sweepTimer = undefined;
    }
    return taken;
  }

  /** Times out the default-timeout calls past their deadline, oldest first, and re-arms for the next. */
  private sweep(): void {
    this.sweepTimer = undefined;
    const now = performance.now();
    for (const [id, call] of this.waiting) {
      if (call.deadline === 0) continue; // has its own timer
      if (call.deadline > now) {
        this.sweepTimer = background(setTimeout(() => this.sweep(), call.deadline - now));
        return;
      }
      this.stop(id, "TIMEOUT");
    }
  }
}
