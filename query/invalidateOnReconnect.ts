import type { ChatterClient } from "../client/types.ts";
import { QUERY_KEY_ROOT } from "./callQueryKey.ts";
import { onReconnect } from "./onReconnect.ts";

/**
 * After a reconnect, invalidates every Chatter query: the active ones refetch what was
 * missed offline, the others are stale. Not after a recovered one (the server's `recovery`
 * replayed every publish and cache update the client missed: nothing is stale).
 * Returns the remover.
 */
export function invalidateOnReconnect(
  client: Pick<ChatterClient, "onStatus" | "status" | "recovered">,
  queryClient: { invalidateQueries(filters: { queryKey: readonly unknown[] }): unknown },
): () => void {
  return onReconnect(client, () => {
    if (!client.recovered) void queryClient.invalidateQueries({ queryKey: [QUERY_KEY_ROOT] });
  });
}
