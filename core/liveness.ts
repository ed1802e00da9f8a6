// How every heartbeat (server, client, Redis adapter) decides a peer is silent or
// dead, and how every reconnect waits. One flag per sign of life; only the tick
// reads the clock, so a busy connection pays a store per frame, not a `Date.now()`.

/** A peer's silence, as one heartbeat watches it. */
export class Liveness {
  /** Set on every sign of life (a frame, a pong); the next `check` takes it in. */
  heard = false;
  private lastSeen = Date.now();
  private pinged = false;

  constructor(
    /** Ms of silence before the peer is pinged. */
    private readonly interval: number,
    /** Ms after that before it counts as dead. */
    private readonly timeout: number,
  ) {}

  /** Called on each tick: `"ping"` once the peer has been silent `interval` ms, `"dead"` after `interval + timeout`. */
  check(now: number): "ping" | "dead" | undefined {
    if (this.heard) {
      this.heard = this.pinged = false;
      this.lastSeen = now;
      return undefined;
    }
    const silent = now - this.lastSeen;
    if (silent >= this.interval + this.timeout) return "dead";
    if (this.pinged || silent < this.interval) return undefined;
    this.pinged = true;
    return "ping";
  }
}

/** How often a heartbeat of these settings ticks: twice per shortest wait, at most every 10 ms. */
export function tickOf(interval: number, timeout: number): number {
  return Math.max(10, Math.min(interval, timeout) / 2);
}

/**
 * The wait before reconnect attempt `attempt` (0 first): `initial` doubled per attempt up to
 * `max`, minus a random half of it, so clients dropped together don't return together.
 */
export function backoff(attempt: number, initial: number, max: number): number {
  const base = Math.min(max, Math.max(10, initial) * 2 ** Math.min(attempt, 30)); // a 0 delay would retry in a tight loop
  return base / 2 + Math.random() * (base / 2);
}

/** The longest delay `setTimeout` takes as is; past it, it fires at once. */
export const MAX_TIMER = 2_147_483_647;

/** A timer that must not keep a Bun or Node process alive on its own. */
export function background<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
