// What both framework adapters share: query keys and query options for calls,
// and the "refetch after a reconnect" signal. No framework is imported here.
import type { CallResult, ChatterClient, ClientStatus, SchemaOrServer, SchemaOf } from "./createClient.ts";
import type { CallOptions, InputOf } from "./types.ts";

/** The first element of every Chatter query key, to match all of them at once. */
export const QUERY_KEY_ROOT = "chatter";

export type CallQueryKey<K extends string = string, I = unknown> = readonly [typeof QUERY_KEY_ROOT, K, I];

/** The query key of a call: `["chatter", name, input]` (TanStack hashes inputs structurally, so equal inputs share it). */
export function callQueryKey<K extends string, I>(name: K, input: I): CallQueryKey<K, I> {
  return [QUERY_KEY_ROOT, name, input === undefined ? null : input] as unknown as CallQueryKey<K, I>;
}

/** `{ queryKey, queryFn }` for a call; the query's `signal` cancels the call on the server. */
export function callQueryOptions<T extends SchemaOrServer, K extends keyof SchemaOf<T>["server"] & string>(
  client: ChatterClient<T>,
  name: K,
  input: InputOf<SchemaOf<T>["server"][K]>,
  options?: Omit<CallOptions, "signal">,
) {
  return {
    queryKey: callQueryKey(name, input),
    queryFn: ({ signal }: { signal?: AbortSignal }) =>
      (client.call as (name: string, input: unknown, options?: CallOptions) => Promise<unknown>)(name, input, { ...options, signal }) as Promise<
        CallResult<T, K>
      >,
  };
}

/** Calls `listener` each time the client opens again after losing its connection. */
export function onReconnect(client: Pick<ChatterClient, "onStatus">, listener: () => void): () => void {
  let lost = false;
  return client.onStatus((status: ClientStatus) => {
    if (status === "reconnecting") lost = true;
    else if (status === "open" && lost) {
      lost = false;
      listener();
    }
  });
}
