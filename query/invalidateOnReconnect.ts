import type { ChatterClient } from "../client/types.ts";
import { QUERY_KEY_ROOT } from "./callQueryKey.ts";
import { onReconnect } from "./onReconnect.ts";

/**
 * After a reconnect, invalidates every Chatter query: the active ones refetch what was
 * missed offline, the others are stale. Returns the remover.
 */
export function invalidateOnReconnect(
  client: Pick<ChatterClient, "onStatus" | "status">,
  queryClient: { invalidateQueries(filters: { queryKey: readonly unknown[] }): unknown },
): () => void {
  return onReconnect(client, () => void queryClient.invalidateQueries({ queryKey: [QUERY_KEY_ROOT] }));
}
