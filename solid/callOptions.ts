import type { QueryFunction, QueryOptions, SkipToken } from "@tanstack/solid-query";
import type { ChatterError } from "../core/errors.ts";
import type { CallResult, ChatterClient, SchemaOrServer } from "../client/types.ts";
import { callQueryOptions, type CallInput, type ServerName } from "../query/index.ts";
import type { CallKey } from "./callKey.ts";

/** The query options a call takes: all of `createQuery`'s but the key and function, plus the call's `timeout`. */
export type CallQueryOptions<TQueryFnData, TData = TQueryFnData> = Omit<QueryOptions<TQueryFnData, ChatterError, TData, any>, "queryKey" | "queryFn"> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

/** What `callOptions` returns: ready for `createQuery`, `createQueries`, `prefetchQuery`, `fetchQuery`, `ensureQueryData`… */
export type CallQueryOptionsOut<T extends SchemaOrServer, K extends ServerName<T>, TData, TSkip = never> = Omit<
  QueryOptions<CallResult<T, K>, ChatterError, TData, CallKey<T, K>>,
  "queryKey" | "queryFn" | "initialData"
> & {
  /** solid-query types a query with `initialData` apart: spread the options and add it (`{ ...callOptions(…), initialData }`). */
  initialData?: undefined;
  queryKey: CallKey<T, K>;
  queryFn: QueryFunction<CallResult<T, K>, CallKey<T, K>> | TSkip;
};

/** `callOptions`' own options: no `initialData` (see `CallQueryOptionsOut`), and `select` only where it is inferred. */
type OptionsIn<TQueryFnData, TData = TQueryFnData> = Omit<CallQueryOptions<TQueryFnData, TData>, "initialData" | "select">;
type SelectIn<TQueryFnData, TData> = OptionsIn<TQueryFnData, TData> & { select: (data: TQueryFnData) => TData };

// Two signatures, so that `data` is inferred from `select` when there is one and is the
// call's result otherwise, even inside `createQuery(() => callOptions(…))`, whose
// contextual type would otherwise infer it.
export interface CallOptions<T extends SchemaOrServer> {
  <K extends ServerName<T>, TData, TSkip extends SkipToken = never>(
    client: ChatterClient<T>,
    name: K,
    input: CallInput<T, K> | TSkip,
    options: SelectIn<CallResult<T, K>, TData>,
  ): CallQueryOptionsOut<T, K, TData, TSkip>;
  <K extends ServerName<T>, TSkip extends SkipToken = never>(
    client: ChatterClient<T>,
    name: K,
    input: CallInput<T, K> | TSkip,
    options?: OptionsIn<CallResult<T, K>>,
  ): CallQueryOptionsOut<T, K, CallResult<T, K>, TSkip>;
}

/**
 * `queryOptions` for a call (the same helper as the React adapter's, from query/):
 * its key (`["chatter", name, input]`, typed with the result) and a `queryFn` that calls
 * the server with the query's `signal`, so a query TanStack cancels is cancelled on the
 * server too. Pass `skipToken` as the input while it is not ready.
 */
export function callOptions<T extends SchemaOrServer, K extends ServerName<T>, TData, TSkip extends SkipToken = never>(
  client: ChatterClient<T>,
  name: K,
  input: CallInput<T, K> | TSkip,
  options: SelectIn<CallResult<T, K>, TData>,
): CallQueryOptionsOut<T, K, TData, TSkip>;
export function callOptions<T extends SchemaOrServer, K extends ServerName<T>, TSkip extends SkipToken = never>(
  client: ChatterClient<T>,
  name: K,
  input: CallInput<T, K> | TSkip,
  options?: OptionsIn<CallResult<T, K>>,
): CallQueryOptionsOut<T, K, CallResult<T, K>, TSkip>;
export function callOptions(client: ChatterClient, name: string, input: unknown, options?: CallQueryOptions<unknown>): object {
  return callQueryOptions(client, name, input as never, options);
}
