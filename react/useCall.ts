import { useQuery, type SkipToken, type UseQueryResult } from "@tanstack/react-query";
import type { CallResult, SchemaOrServer, StreamItem } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, ServerCallName, ServerStreamName } from "../query/index.ts";
import { callOptions, type CallQueryOptions, type StreamQueryOptions } from "./callOptions.ts";
import { useChatterContext } from "./context.ts";
import type { KnownName } from "../core/types.ts";

// The names are checked apart (`KnownName`), so a name picks its signature; a plain
// procedure's comes first, as it is the common case and a failed try costs a little.
export interface UseCall<T extends SchemaOrServer> {
  <K extends string, TData = CallResult<T, K>>(
    name: KnownName<K, ServerCallName<T>>,
    input: CallInput<T, K> | SkipToken,
    options?: CallQueryOptions<CallResult<T, K>, TData>,
  ): UseQueryResult<TData, ChatterError>;
  /** A stream procedure: `data` is its items so far, or their fold by `reducer` from `initialValue`. */
  <K extends string, TAcc = StreamItem<T, K>[], TData = TAcc>(
    name: KnownName<K, ServerStreamName<T>>,
    input: CallInput<T, K> | SkipToken,
    options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
  ): UseQueryResult<TData, ChatterError>;
}

/**
 * Calls a server procedure as a query: `useQuery` keyed by `(name, input)`, so equal
 * inputs share one call and a new input refetches. Unmounting the last user of a
 * call that is still running cancels it on the server. Pass `skipToken` (or
 * `enabled: false`) while the input is not ready.
 *
 * On a stream procedure it is a streamed query: `data` grows with each item (or is
 * `reducer`'s fold), the query is pending until the first and fetching until the end,
 * and unmounting (or a new input) stops the producer on the server.
 */
export const useCall: UseCall<Schema> = function useCall(name: string, input: unknown, options?: object) {
  const { client, queryClient } = useChatterContext();
  return useQuery(callOptions(client, name as never, input as never, options as never) as never, queryClient);
} as never;
