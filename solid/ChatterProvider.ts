import { useQueryClient, type QueryClient } from "@tanstack/solid-query";
import { createComponent, onCleanup, type JSX } from "solid-js";
import type { ChatterClient, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import { createProviderValue, type ChatterUpdates } from "../query/index.ts";
import { ChatterContext } from "./context.ts";

export interface ChatterProviderProps<T extends SchemaOrServer> {
  /** Read once, when the provider is created. */
  client: ChatterClient<T>;
  /** The QueryClient the primitives, the reconnect refetch and the server's cache updates use. @default the `QueryClientProvider`'s */
  queryClient?: QueryClient;
  /**
   * Client procedures that update the cache, registered for the provider's lifetime:
   * `{ receiveMessage: ({ message }, cache) => cache.update("history", { roomId: message.roomId }, (old) => old && [...old, message]) }`.
   * The names are read when the provider is created.
   */
  updates?: ChatterUpdates<T>;
  children?: JSX.Element;
}

export type ChatterProviderComponent<T extends SchemaOrServer> = (props: ChatterProviderProps<T>) => JSX.Element;

/**
 * Hands the Chatter client to the primitives below it. Place it inside the app's
 * `QueryClientProvider` (or pass `queryClient`). For its lifetime it writes the server's
 * `invalidate`/`setData` into the cache, runs the declared `updates`, and after a
 * reconnect invalidates every Chatter query, so the active ones refetch what was missed
 * offline and the inactive ones are stale.
 */
export const ChatterProvider: ChatterProviderComponent<Schema> = function ChatterProvider(props) {
  const client = props.client as ChatterClient | undefined;
  if (typeof client?.call !== "function") {
    throw new TypeError("ChatterProvider: pass the client, as in <ChatterProvider client={createClient({ url, schema })}>");
  }
  const value = createProviderValue(client, props.queryClient ?? queryClientOrExplain(), () => props.updates);
  onCleanup(value.connect());
  return createComponent(ChatterContext.Provider, {
    value,
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
