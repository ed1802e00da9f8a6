import { useQueryClient } from "@tanstack/react-query";
import { useEffect, type ReactNode } from "react";
import type { ChatterClient, SchemaOrServer } from "../client/createClient.ts";
import { invalidateOnReconnect } from "../query/index.ts";
import type { Schema } from "../core/schema.ts";
import { ChatterContext } from "./context.ts";

export interface ChatterProviderProps<T extends SchemaOrServer> {
  client: ChatterClient<T>;
  children?: ReactNode;
}

export type ChatterProviderComponent<T extends SchemaOrServer> = (props: ChatterProviderProps<T>) => ReactNode;

/**
 * Hands the Chatter client to the hooks below it. Place it inside the app's
 * `QueryClientProvider`: after a reconnect it invalidates every Chatter query, so
 * the active ones refetch what was missed offline and the inactive ones are stale.
 */
export const ChatterProvider: ChatterProviderComponent<Schema> = function ChatterProvider({ client, children }) {
  const queryClient = useQueryClient();
  useEffect(() => invalidateOnReconnect(client, queryClient), [client, queryClient]);
  return <ChatterContext.Provider value={client as ChatterClient}>{children}</ChatterContext.Provider>;
};
