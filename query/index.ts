// What both framework adapters share: query keys and query options for calls,
// and the "refetch after a reconnect" signal. No framework is imported here.
import type { CallResult, ChatterClient, ClientStatus, SchemaOrServer, SchemaOf } from "../client/createClient.ts";
import type { CallOptions, InputOf } from "../core/types.ts";

/** The first element of every Chatter query key, to match all of them at once. */
export const QUERY_KEY_ROOT = "chatter";

export type CallQueryKey<K extends string = string, I = unknown> = readonly [typeof QUERY_KEY_ROOT, K, I];

/** The query key of a call: `["chatter", name, input]` (TanStack hashes inputs structurally, so equal inputs share it). */
export function callQueryKey<K extends string, I>(name: K, input: I): CallQueryKey<K, I> {
  return [QUERY_KEY_ROOT, name, input === undefined ? null : input] as unknown as CallQueryKey<K, I>;
}

/** The names of the server's procedures (what the client calls). */
export type ServerName<T extends SchemaOrServer> = keyof SchemaOf<T>["server"] & string;
/** The names of the client's procedures (what a client implements). */
export type ClientName<T extends SchemaOrServer> = keyof SchemaOf<T>["client"] & string;
/** What calling `K` takes. */
export type CallInput<T extends SchemaOrServer, K extends ServerName<T>> = InputOf<SchemaOf<T>["server"][K]>;
type QueryFn<T extends SchemaOrServer, K extends ServerName<T>> = (context: { signal?: AbortSignal }) => Promise<CallResult<T, K>>;
type CallQueryOptions<T extends SchemaOrServer, K extends ServerName<T>, O, Fn> = Omit<O, "timeout"> & {
  queryKey: CallQueryKey<K, CallInput<T, K>>;
  queryFn: Fn;
};

/**
 * `{ ...options, queryKey, queryFn }` for a call: `timeout` goes to the call, every other
 * option to the query, and the query's `signal` cancels the call on the server. An input
 * that is a symbol (TanStack's `skipToken`) becomes the `queryFn`, which disables the
 * query until the input is ready.
 */
export function callQueryOptions<T extends SchemaOrServer, K extends ServerName<T>, O extends Omit<CallOptions, "signal"> = {}>(
  client: ChatterClient<T>,
  name: K,
  input: CallInput<T, K>,
  options?: O,
): CallQueryOptions<T, K, O, QueryFn<T, K>>;
export function callQueryOptions<T extends SchemaOrServer, K extends ServerName<T>, S extends symbol, O extends Omit<CallOptions, "signal"> = {}>(
  client: ChatterClient<T>,
  name: K,
  input: CallInput<T, K> | S,
  options?: O,
): CallQueryOptions<T, K, O, QueryFn<T, K> | S>;
export function callQueryOptions(client: ChatterClient, name: string, input: unknown, options?: Omit<CallOptions, "signal">) {
  const { timeout, ...query } = options ?? {};
  if (typeof input === "symbol") return { ...query, queryKey: callQueryKey(name, undefined), queryFn: input };
  const call = client.call as (name: string, input: unknown, options?: CallOptions) => Promise<unknown>;
  return {
    ...query,
    queryKey: callQueryKey(name, input),
    queryFn: ({ signal }: { signal?: AbortSignal }) => call(name, input, { timeout, signal }),
  };
}

/** A mutation's variables: the call's input, which may be left out (`mutate()`) when the procedure takes none. */
export type MutationInput<I> = undefined extends I ? I | void : I;

/**
 * `{ ...options, mutationKey, mutationFn }` for a call made as a mutation: `timeout` goes to
 * the call, every other option to the mutation (key `["chatter", name]`).
 */
export function callMutationOptions<O extends { timeout?: number }>(client: Pick<ChatterClient, "call">, name: string, options?: O) {
  const { timeout, ...mutation } = options ?? ({} as O);
  const call = client.call as (name: string, input: unknown, options?: CallOptions) => Promise<never>;
  return {
    mutationKey: [QUERY_KEY_ROOT, name] as const,
    ...(mutation as Omit<O, "timeout">),
    mutationFn: (input: unknown) => call(name, input, timeout === undefined ? undefined : { timeout }),
  };
}

/**
 * After a reconnect, invalidates every Chatter query: the active ones refetch what was
 * missed offline, the others are stale. Returns the remover. Both providers use it.
 */
export function invalidateOnReconnect(
  client: Pick<ChatterClient, "onStatus" | "status">,
  queryClient: { invalidateQueries(filters: { queryKey: readonly unknown[] }): unknown },
): () => void {
  return onReconnect(client, () => void queryClient.invalidateQueries({ queryKey: [QUERY_KEY_ROOT] }));
}

/** Calls `listener` each time the client opens again after losing its connection. */
export function onReconnect(client: Pick<ChatterClient, "onStatus" | "status">, listener: () => void): () => void {
  // Only a connection that was open and then lost counts: a first connect after failed
  // attempts is not a reconnect (the calls queued meanwhile are about to go out anyway).
  let opened = client.status === "open";
  let lost = false;
  return client.onStatus((status: ClientStatus) => {
    if (status === "reconnecting") lost = opened;
    else if (status === "open") {
      opened = true;
      if (lost) (lost = false), listener();
    }
  });
}
