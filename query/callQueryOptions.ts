import type { ChatterClient } from "../client/types.ts";
import type { CallOptions } from "../core/types.ts";
import { callQueryKey } from "./callQueryKey.ts";
import { callStreamOptions, isStreamProcedure, type StreamedQuery } from "./callStreamOptions.ts";

/**
 * `{ ...options, queryKey, queryFn }` for a call: `timeout` goes to the call, every other
 * option to the query, and the query's `signal` cancels the call on the server. An input
 * that is a symbol (TanStack's `skipToken`) becomes the `queryFn`, which disables the
 * query until the input is ready. A stream procedure's options are a streamed query's instead
 * (`callStreamOptions`, with the adapter's TanStack `streamedQuery`). The adapters type
 * what goes in and out.
 */
export function callQueryOptions(client: ChatterClient, name: string, input: unknown, options: Omit<CallOptions, "signal"> | undefined, streamedQuery: StreamedQuery): object {
  if (isStreamProcedure(client, name)) return callStreamOptions(client, name, input, options, streamedQuery);
  const { timeout, ...query } = options ?? {};
  if (typeof input === "symbol") return { ...query, queryKey: callQueryKey(name, undefined), queryFn: input };
  const call = client.call as (name: string, input: unknown, options?: CallOptions) => Promise<unknown>;
  return {
    ...query,
    queryKey: callQueryKey(name, input),
    queryFn: ({ signal }: { signal?: AbortSignal }) => call(name, input, { timeout, signal }),
  };
}
