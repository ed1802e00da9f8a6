import { experimental_streamedQuery, type DataTag, type QueryFunction, type QueryOptions, type SkipToken } from "@tanstack/solid-query";
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

/** The query options a call takes: all of `createQuery`'s but the key and function, plus the call's `timeout`. */
export type CallQueryOptions<TQueryFnData, TData = TQueryFnData> = Omit<QueryOptions<TQueryFnData, ChatterError, TData, any>, "queryKey" | "queryFn"> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

/** What `callOptions` returns: ready for `createQuery`, `createQueries`, `prefetchQuery`, `fetchQuery`, `ensureQueryData`… */
export type CallQueryOptionsOut<T extends SchemaOrServer, K extends string, TData, TSkip = never> = Omit<
  QueryOptions<CallResult<T, K>, ChatterError, TData, CallKey<T, K>>,
  "queryKey" | "queryFn" | "initialData"
> & {
  /** solid-query types a query with `initialData` apart: spread the options and add it (`{ ...callOptions(…), initialData }`). */
  initialData?: undefined;
  queryKey: CallKey<T, K>;
  queryFn: QueryFunction<CallResult<T, K>, CallKey<T, K>> | TSkip;
};

/**
 * The options a streamed call takes: `createQuery`'s (on the folded data), the stream's
 * `timeout` (per item) and `window`, `refetchMode`, and `reducer` with `initialValue` to
 * fold the items into something other than their array.
 */
export type StreamQueryOptions<TItem, TAcc = TItem[], TData = TAcc> = Omit<
  QueryOptions<TAcc, ChatterError, TData, any>,
  "queryKey" | "queryFn" | "initialData"
> &
  StreamQueryParams<TItem, TAcc>;

/** The key of a streamed call, tagged with its (folded) data. */
export type StreamKey<T extends SchemaOrServer, K extends string, TAcc> = DataTag<CallQueryKey<K, CallInput<T, K>>, TAcc, ChatterError>;

/** What `callOptions` returns for a stream procedure: a streamed query's options. */
export type StreamQueryOptionsOut<T extends SchemaOrServer, K extends string, TAcc, TData, TSkip = never> = Omit<
  QueryOptions<TAcc, ChatterError, TData, StreamKey<T, K, TAcc>>,
  "queryKey" | "queryFn" | "initialData"
> & {
  initialData?: undefined;
  queryKey: StreamKey<T, K, TAcc>;
  queryFn: QueryFunction<TAcc, StreamKey<T, K, TAcc>> | TSkip;
};

/** `callOptions`' own options: no `initialData` (see `CallQueryOptionsOut`), and `select` only where it is inferred. */
type OptionsIn<TQueryFnData, TData = TQueryFnData> = Omit<CallQueryOptions<TQueryFnData, TData>, "initialData" | "select">;
type SelectIn<TQueryFnData, TData> = OptionsIn<TQueryFnData, TData> & { select: (data: TQueryFnData) => TData };

// Two signatures, so that `data` is inferred from `select` when there is one and is the
// call's result otherwise, even inside `createQuery(() => callOptions(…))`, whose
// contextual type would otherwise infer it.
export interface CallOptions<T extends SchemaOrServer> {
  <K extends string, TAcc = StreamItem<T, K>[], TData = TAcc, TSkip extends SkipToken = never>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerStreamName<T>>,
    input: CallInput<T, K> | TSkip,
    options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
  ): StreamQueryOptionsOut<T, K, NoInfer<TAcc>, NoInfer<TData>, TSkip>;
  <K extends string, TData, TSkip extends SkipToken = never>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerCallName<T>>,
    input: CallInput<T, K> | TSkip,
    options: SelectIn<CallResult<T, K>, TData>,
  ): CallQueryOptionsOut<T, K, TData, TSkip>;
  <K extends string, TSkip extends SkipToken = never>(
    client: ChatterClient<T>,
    name: KnownName<K, ServerCallName<T>>,
    input: CallInput<T, K> | TSkip,
    options?: OptionsIn<CallResult<T, K>>,
  ): CallQueryOptionsOut<T, K, CallResult<T, K>, TSkip>;
}

/**
 * `queryOptions` for a call (the same helper as the React adapter's, from query/):
 * its key (`["chatter", name, input]`, typed with the result) and a `queryFn` that calls
 * the server with the query's `signal`, so a query TanStack cancels is cancelled on the
 * server too. Pass `skipToken` as the input while it is not ready. For a stream procedure,
 * a streamed query's options: `data` is the items so far (or the `reducer`'s fold).
 */
export function callOptions<T extends SchemaOrServer, K extends string, TAcc = StreamItem<T, K>[], TData = TAcc, TSkip extends SkipToken = never>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerStreamName<T>>,
  input: CallInput<T, K> | TSkip,
  options?: StreamQueryOptions<StreamItem<T, K>, TAcc, TData>,
): StreamQueryOptionsOut<T, K, NoInfer<TAcc>, NoInfer<TData>, TSkip>;
export function callOptions<T extends SchemaOrServer, K extends string, TData, TSkip extends SkipToken = never>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerCallName<T>>,
  input: CallInput<T, K> | TSkip,
  options: SelectIn<CallResult<T, K>, TData>,
): CallQueryOptionsOut<T, K, TData, TSkip>;
export function callOptions<T extends SchemaOrServer, K extends string, TSkip extends SkipToken = never>(
  client: ChatterClient<T>,
  name: KnownName<K, ServerCallName<T>>,
  input: CallInput<T, K> | TSkip,
  options?: OptionsIn<CallResult<T, K>>,
): CallQueryOptionsOut<T, K, CallResult<T, K>, TSkip>;
export function callOptions(client: ChatterClient, name: string, input: unknown, options?: object): object {
  return callQueryOptions(client, name, input, options, experimental_streamedQuery);
}
