import { useQuery, type SkipToken, type UseQueryResult } from "@tanstack/react-query";
import type { CallResult, SchemaOrServer } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, ServerName } from "../query/index.ts";
import { callOptions, type CallQueryOptions } from "./callOptions.ts";
import { useChatterContext } from "./context.ts";

export type UseCall<T extends SchemaOrServer> = <K extends ServerName<T>, TData = CallResult<T, K>>(
  name: K,
  input: CallInput<T, K> | SkipToken,
  options?: CallQueryOptions<CallResult<T, K>, TData>,
) => UseQueryResult<TData, ChatterError>;

/**
 * Calls a server procedure as a query: `useQuery` keyed by `(name, input)`, so equal
 * inputs share one call and a new input refetches. Unmounting the last user of a
 * call that is still running cancels it on the server. Pass `skipToken` (or
 * `enabled: false`) while the input is not ready.
 */
export const useCall: UseCall<Schema> = function useCall(name, input, options) {
  const { client, queryClient } = useChatterContext();
  return useQuery(callOptions(client, name, input, options), queryClient);
};
