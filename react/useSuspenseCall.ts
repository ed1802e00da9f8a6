import { useSuspenseQuery, type UseSuspenseQueryOptions, type UseSuspenseQueryResult } from "@tanstack/react-query";
import type { CallResult, SchemaOrServer } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, ServerCallName } from "../query/index.ts";
import { callOptions } from "./callOptions.ts";
import { useChatterContext } from "./context.ts";
import type { KnownName } from "../core/types.ts";

export type CallSuspenseOptions<TQueryFnData, TData = TQueryFnData> = Omit<
  UseSuspenseQueryOptions<TQueryFnData, ChatterError, TData, any>,
  "queryKey" | "queryFn"
> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

export type UseSuspenseCall<T extends SchemaOrServer> = <K extends string, TData = CallResult<T, K>>(
  name: KnownName<K, ServerCallName<T>>,
  input: CallInput<T, K>,
  options?: CallSuspenseOptions<CallResult<T, K>, TData>,
) => UseSuspenseQueryResult<TData, ChatterError>;

/** `useCall` for `<Suspense>`: suspends until the result is there, throws errors to the nearest error boundary. */
export const useSuspenseCall: UseSuspenseCall<Schema> = function useSuspenseCall(name, input, options) {
  const { client, queryClient } = useChatterContext();
  return useSuspenseQuery(callOptions(client, name, input, options), queryClient);
};
