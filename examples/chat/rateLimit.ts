/**
 * A token bucket: `burst` at once, then `perSecond`. `take()` is false when empty.
 * One per connection, so one sender cannot flood a room (or the store).
 */
export function rateLimit(burst: number, perSecond: number, now = () => performance.now()) {
  let tokens = burst;
  let at = now();
  return {
    take(): boolean {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - at) / 1000) * perSecond);
      at = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
