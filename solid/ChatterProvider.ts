import { useQueryClient, type QueryClient } from "@tanstack/solid-query";
import { createComponent, onCleanup, type JSX } from "solid-js";
import { invalidateOnReconnect } from "../query/index.ts";
import type { Schema } from "../core/schema.ts";
import { ChatterContext } from "./context.ts";
import type { ChatterClient, SchemaOrServer } from "./types.ts";

export interface ChatterProviderProps<T extends SchemaOrServer> {
  /** Read once, when the provider is created. */
  client: ChatterClient<T>;
  /** Whose Chatter queries refetch after a reconnect. @default the `QueryClientProvider`'s */
  queryClient?: QueryClient;
  children?: JSX.Element;
}

export type ChatterProviderComponent<T extends SchemaOrServer> = (props: ChatterProviderProps<T>) => JSX.Element;

/**
 * Hands the Chatter client to the primitives below it. Place it inside the app's
 * `QueryClientProvider`: after a reconnect it invalidates every Chatter query, so
 * the active ones refetch what was missed offline and the inactive ones are stale.
 */
export const ChatterProvider: ChatterProviderComponent<Schema> = function ChatterProvider(props) {
  const client = props.client as ChatterClient | undefined;
  if (typeof client?.call !== "function") {
    throw new TypeError("ChatterProvider: pass the client, as in <ChatterProvider client={createClient({ url, schema })}>");
  }
  const queryClient = props.queryClient ?? queryClientOrExplain();
  onCleanup(invalidateOnReconnect(client, queryClient));
  return createComponent(ChatterContext.Provider, {
    value: client,
    get children() {
      return props.children;
    },
  });
};

function queryClientOrExplain(): QueryClient {
  try {
    return useQueryClient();
  } catch {
    throw new Error("No QueryClient set: put ChatterProvider inside QueryClientProvider (or pass it queryClient)");
  }
}
