import { type QueryFunction, type SkipToken, type UseQueryOptions } from "@tanstack/react-query";
import type { ChatterError } from "../core/errors.ts";
import type { CallResult, ChatterClient, SchemaOrServer } from "../client/types.ts";
import { callQueryOptions, type CallInput, type ServerName } from "../query/index.ts";
import type { CallKey } from "./callKey.ts";

/** The query options a call takes: all of `useQuery`'s but the key and function, plus the call's `timeout`. */
export type CallQueryOptions<TQueryFnData, TData = TQueryFnData> = Omit<
  UseQueryOptions<TQueryFnData, ChatterError, TData, any>,
  "queryKey" | "queryFn"
> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

/** What `callOptions` returns: ready for `useQuery`, `useQueries`, `prefetchQuery`, `fetchQuery`, `ensureQueryData`… */
export type CallQueryOptionsOut<T extends SchemaOrServer, K extends ServerName<T>, TData, TSkip = never> = Omit<
  UseQueryOptions<CallResult<T, K>, ChatterError, TData, CallKey<T, K>>,
  "queryKey" | "queryFn"
> & {
  queryKey: CallKey<T, K>;
  queryFn: QueryFunction<CallResult<T, K>, CallKey<T, K>> | TSkip;
};

export interface CallOptions<T extends SchemaOrServer> {
  <K extends ServerName<T>, TData = CallResult<T, K>>(
    client: ChatterClient<T>,
    name: K,
    input: CallInput<T, K>,
    options?: CallQueryOptions<CallResult<T, K>, TData>,
  ): CallQueryOptionsOut<T, K, TData>;
  <K extends ServerName<T>, TData = CallResult<T, K>>(
    client: ChatterClient<T>,
    name: K,
    input: CallInput<T, K> | SkipToken,
    options?: CallQueryOptions<CallResult<T, K>, TData>,
  ): CallQueryOptionsOut<T, K, TData, SkipToken>;
}

/**
 * `queryOptions` for a call: its key (`["chatter", name, input]`, typed with the
 * result) and a `queryFn` that calls the server with the query's `signal`, so a
 * query TanStack cancels is cancelled on the server too. Pass `skipToken` as the
 * input while it is not ready.
 */
export function callOptions<T extends SchemaOrServer, K extends ServerName<T>, TData = CallResult<T, K>>(
  client: ChatterClient<T>,
  name: K,
  input: CallInput<T, K>,
  options?: CallQueryOptions<CallResult<T, K>, TData>,
): CallQueryOptionsOut<T, K, TData>;
export function callOptions<T extends SchemaOrServer, K extends ServerName<T>, TData = CallResult<T, K>>(
  client: ChatterClient<T>,
  name: K,
  input: CallInput<T, K> | SkipToken,
  options?: CallQueryOptions<CallResult<T, K>, TData>,
): CallQueryOptionsOut<T, K, TData, SkipToken>;
export function callOptions(client: ChatterClient, name: string, input: unknown, options?: CallQueryOptions<unknown>): unknown {
  return callQueryOptions(client, name, input as never, options);
}
