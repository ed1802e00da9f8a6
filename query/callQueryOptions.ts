import type { CallResult, ChatterClient, SchemaOrServer } from "../client/types.ts";
import type { CallOptions, KnownName } from "../core/types.ts";
import { callQueryKey, type CallQueryKey } from "./callQueryKey.ts";
import { callStreamOptions, isStreamProcedure, type StreamedQuery } from "./callStreamOptions.ts";
import type { CallInput, ServerName } from "./types.ts";

type QueryFn<T extends SchemaOrServer, K extends string> = (context: { signal?: AbortSignal }) => Promise<CallResult<T, K>>;
type CallQueryOptions<T extends SchemaOrServer, K extends string, O, Fn> = Omit<O, "timeout"> & {
  queryKey: CallQueryKey<K, CallInput<T, K>>;
  queryFn: Fn;
};

/**
 * `{ ...options, queryKey, queryFn }` for a call: `timeout` goes to the call, every other
 * option to the query, and the query's `signal` cancels the call on the server. An input
 * that is a symbol (TanStack's `skipToken`) becomes the `queryFn`, which disables the
 * query until the input is ready. Given TanStack's `streamedQuery`, a stream procedure's
 * options are a streamed query's instead (`callStreamOptions`).
 */
export function callQueryOptions<T extends SchemaOrServer, K extends string, O extends Omit<CallOptions, "signal"> = {}>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerName<T>>,
  input: CallInput<T, K>,
  options?: O,
  streamedQuery?: StreamedQuery,
): CallQueryOptions<T, K, O, QueryFn<T, K>>;
export function callQueryOptions<T extends SchemaOrServer, K extends string, S extends symbol, O extends Omit<CallOptions, "signal"> = {}>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerName<T>>,
  input: CallInput<T, K> | S,
  options?: O,
  streamedQuery?: StreamedQuery,
): CallQueryOptions<T, K, O, QueryFn<T, K> | S>;
export function callQueryOptions(client: ChatterClient, name: string, input: unknown, options?: Omit<CallOptions, "signal">, streamedQuery?: StreamedQuery) {
  if (streamedQuery && isStreamProcedure(client, name)) return callStreamOptions(client, name, input, options, streamedQuery);
  const { timeout, ...query } = options ?? {};
  if (typeof input === "symbol") return { ...query, queryKey: callQueryKey(name, undefined), queryFn: input };
  const call = client.call as (name: string, input: unknown, options?: CallOptions) => Promise<unknown>;
  return {
    ...query,
    queryKey: callQueryKey(name, input),
    queryFn: ({ signal }: { signal?: AbortSignal }) => call(name, input, { timeout, signal }),
  };
}
