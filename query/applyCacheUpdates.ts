import type { ChatterClient } from "../client/types.ts";
import type { UntypedCache } from "./createCache.ts";

/**
 * Writes the server's `invalidate`/`setData` into `cache` until the returned remover runs:
 * an invalidation refetches the active queries of that key and marks the others stale (no
 * `input`: every input of the procedure); `setData` replaces the cached result whether or
 * not a component shows it.
 */
export function applyCacheUpdates(
  client: Pick<ChatterClient, "onUpdate">,
  cache: UntypedCache,
): () => void {
  return client.onUpdate((update) => {
    if (update.type === "setData") cache.set(update.name, update.input, update.data);
    else if ("input" in update) void cache.invalidate(update.name, update.input);
    else void cache.invalidate(update.name);
  });
}
