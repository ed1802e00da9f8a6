import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, type ReactNode } from "react";
import type { ChatterClient, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import { createProviderValue, type ChatterUpdates } from "../query/index.ts";
import { ChatterContext } from "./context.ts";
import { useLatest } from "./useLatest.ts";

export interface ChatterProviderProps<T extends SchemaOrServer> {
  client: ChatterClient<T>;
  /** The QueryClient the hooks, the reconnect refetch and the server's cache updates use. @default the `QueryClientProvider`'s */
  queryClient?: QueryClient;
  /**
   * Client procedures that update the cache, registered while the provider is mounted:
   * `{ receiveMessage: ({ message }, cache) => cache.update("history", { roomId: message.roomId }, (old) => old && [...old, message]) }`.
   * The latest functions run; the names are read when the provider mounts (a module constant suits).
   */
  updates?: ChatterUpdates<T>;
  children?: ReactNode;
}

export type ChatterProviderComponent<T extends SchemaOrServer> = (props: ChatterProviderProps<T>) => ReactNode;

/**
 * Hands the Chatter client to the hooks below it. Place it inside the app's
 * `QueryClientProvider` (or pass `queryClient`). While mounted it writes the server's
 * `invalidate`/`setData` into the cache, runs the declared `updates`, and after a
 * reconnect invalidates every Chatter query, so the active ones refetch what was missed
 * offline and the inactive ones are stale.
 */
export const ChatterProvider: ChatterProviderComponent<Schema> = function ChatterProvider({ client, queryClient: given, updates, children }) {
  const queryClient = useQueryClient(given);
  const latest = useLatest(updates);
  const value = useMemo(() => createProviderValue(client as ChatterClient, queryClient, () => latest.current), [client, queryClient]);
  useEffect(() => value.connect(), [value]);
  return <ChatterContext.Provider value={value}>{children}</ChatterContext.Provider>;
};
