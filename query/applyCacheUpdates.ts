import type { UntypedCache } from "./createCache.ts";

/** What the server says changed in this client's cache: the core client's `onUpdate` events. */
type ServerUpdate =
  | { type: "invalidate"; name: string; input?: unknown }
  | { type: "setData"; name: string; input: unknown; data: unknown };

/**
 * Writes the server's `invalidate`/`setData` into `cache` until the returned remover runs:
 * an invalidation refetches the active queries of that key and marks the others stale (no
 * `input`: every input of the procedure); `setData` replaces the cached result whether or
 * not a component shows it.
 */
export function applyCacheUpdates(
  client: { onUpdate(listener: (update: ServerUpdate) => void): () => void },
  cache: UntypedCache,
): () => void {
  if (typeof client.onUpdate !== "function") return () => {}; // TEMP until the core client lands onUpdate
  return client.onUpdate((update) => {
    if (update.type === "setData") cache.set(update.name, update.input, update.data);
    else if ("input" in update) void cache.invalidate(update.name, update.input);
    else void cache.invalidate(update.name);
  });
}
