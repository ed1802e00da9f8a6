import { experimental_streamedQuery, type DataTag, type QueryFunction, type SkipToken, type UseQueryOptions } from "@tanstack/react-query";
import type { ChatterError } from "../core/errors.ts";
import type { CallResult, ChatterClient, SchemaOrServer, StreamItem } from "../client/types.ts";
import {
  callQueryOptions,
  type CallInput,
  type CallQueryKey,
  type ServerCallName,
  type ServerStreamName,
  type StreamQueryParams,
} from "../query/index.ts";
import type { CallKey } from "./callKey.ts";
import type { KnownName } from "../core/types.ts";

/** The query options a call takes: all of `useQuery`'s but the key and function, plus the call's `timeout`. */
export type CallQueryOptions<TQueryFnData, TData = TQueryFnData> = Omit<
  UseQueryOptions<TQueryFnData, ChatterError, TData, any>,
  "queryKey" | "queryFn"
> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

/**
 * The options a streamed call takes: `useQuery`'s (on the folded data), the stream's
 * `timeout` (per item) and `window`, `refetchMode`, and `reducer` with `initialValue` to
 * fold the items into something other than their array.
 */
export type StreamQueryOptions<TItem, TAcc = TItem[], TData = TAcc> = Omit<UseQueryOptions<TAcc, ChatterError, TData, any>, "queryKey" | "queryFn"> &
  StreamQueryParams<TItem, TAcc>;

/** What `callOptions` returns: ready for `useQuery`, `useQueries`, `prefetchQuery`, `fetchQuery`, `ensureQueryData`… */
export type CallQueryOptionsOut<T extends SchemaOrServer, K extends string, TData, TSkip = never> = Omit<
  UseQueryOptions<CallResult<T, K>, ChatterError, TData, CallKey<T, K>>,
  "queryKey" | "queryFn"
> & {
  queryKey: CallKey<T, K>;
  queryFn: QueryFunction<CallResult<T, K>, CallKey<T, K>> | TSkip;
};

/** The key of a streamed call, tagged with its (folded) data. */
export type StreamKey<T extends SchemaOrServer, K extends string, TAcc> = DataTag<CallQueryKey<K, CallInput<T, K>>, TAcc, ChatterError>;

/** What `callOptions` returns for a stream procedure: a streamed query's options. */
export type StreamQueryOptionsOut<T extends SchemaOrServer, K extends string, TAcc, TData, TSkip = never> = Omit<
  UseQueryOptions<TAcc, ChatterError, TData, StreamKey<T, K, TAcc>>,
  "queryKey" | "queryFn"
> & {
  queryKey: StreamKey<T, K, TAcc>;
  queryFn: QueryFunction<TAcc, StreamKey<T, K, TAcc>> | TSkip;
};

export interface CallOptions<T extends SchemaOrServer> {
  <K extends string, TAcc = StreamItem<T, K>[], TData = TAcc>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerStreamName<T>>,
    input: CallInput<T, K>,
    options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
  ): StreamQueryOptionsOut<T, K, NoInfer<TAcc>, NoInfer<TData>>;
  <K extends string, TAcc = StreamItem<T, K>[], TData = TAcc>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerStreamName<T>>,
    input: CallInput<T, K> | SkipToken,
    options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
  ): StreamQueryOptionsOut<T, K, NoInfer<TAcc>, NoInfer<TData>, SkipToken>;
  <K extends string, TData = CallResult<T, K>>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerCallName<T>>,
    input: CallInput<T, K>,
    options?: CallQueryOptions<CallResult<T, K>, TData>,
  ): CallQueryOptionsOut<T, K, TData>;
  <K extends string, TData = CallResult<T, K>>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerCallName<T>>,
    input: CallInput<T, K> | SkipToken,
    options?: CallQueryOptions<CallResult<T, K>, TData>,
  ): CallQueryOptionsOut<T, K, TData, SkipToken>;
}

/**
 * `queryOptions` for a call: its key (`["chatter", name, input]`, typed with the
 * result) and a `queryFn` that calls the server with the query's `signal`, so a
 * query TanStack cancels is cancelled on the server too. Pass `skipToken` as the
 * input while it is not ready. For a stream procedure, a streamed query's options:
 * `data` is the items so far (or the `reducer`'s fold).
 */
export function callOptions<T extends SchemaOrServer, K extends string, TAcc = StreamItem<T, K>[], TData = TAcc>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerStreamName<T>>,
  input: CallInput<T, K>,
  options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
): StreamQueryOptionsOut<T, K, NoInfer<TAcc>, NoInfer<TData>>;
export function callOptions<T extends SchemaOrServer, K extends string, TAcc = StreamItem<T, K>[], TData = TAcc>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerStreamName<T>>,
  input: CallInput<T, K> | SkipToken,
  options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
): StreamQueryOptionsOut<T, K, NoInfer<TAcc>, NoInfer<TData>, SkipToken>;
export function callOptions<T extends SchemaOrServer, K extends string, TData = CallResult<T, K>>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerCallName<T>>,
  input: CallInput<T, K>,
  options?: CallQueryOptions<CallResult<T, K>, TData>,
): CallQueryOptionsOut<T, K, TData>;
export function callOptions<T extends SchemaOrServer, K extends string, TData = CallResult<T, K>>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerCallName<T>>,
  input: CallInput<T, K> | SkipToken,
  options?: CallQueryOptions<CallResult<T, K>, TData>,
): CallQueryOptionsOut<T, K, TData, SkipToken>;
export function callOptions(client: ChatterClient, name: string, input: unknown, options?: object): unknown {
  return callQueryOptions(client, name, input, options, experimental_streamedQuery);
}
