import type { ChatterClient } from "../client/types.ts";
import type { StreamOptions } from "../core/streams.ts";
import { callQueryKey } from "./callQueryKey.ts";
import type { StreamFold } from "./types.ts";

/**
 * What a streamed query takes besides the query's own options: the stream's `timeout` (per
 * item) and `window`, `refetchMode`, and how items fold (`StreamFold`).
 */
export type StreamQueryParams<TItem = unknown, TAcc = TItem[]> = Omit<StreamOptions, "signal"> & {
  /**
   * What a refetch does with the items so far: `"reset"` drops them (the query is pending
   * again), `"append"` keeps them and adds the new stream's, `"replace"` keeps them until the
   * new stream ends, then swaps them. @default "reset"
   */
  refetchMode?: "append" | "reset" | "replace";
} & StreamFold<TItem, TAcc>;

/**
 * TanStack's `experimental_streamedQuery`, as each adapter passes it in from its own
 * package (query/ imports none), typed loosely: the adapters type what goes in and out.
 */
export type StreamedQuery = (params: {
  streamFn: (context: { signal: AbortSignal }) => AsyncIterable<unknown>;
  refetchMode?: "append" | "reset" | "replace";
  reducer?: (acc: any, item: any) => any;
  initialValue?: any;
}) => (context: any) => Promise<unknown>;

/** Whether the server procedure `name` is a stream (`{ input?, stream }`): own properties only. */
export function isStreamProcedure(client: ChatterClient, name: string): boolean {
  const server: object = client.schema.server;
  return Object.hasOwn(server, name) && Boolean((server as Record<string, { stream?: unknown }>)[name]!.stream);
}

/**
 * `{ ...options, queryKey, queryFn }` for a stream procedure: the `queryFn` is a streamed
 * query over `client.stream`, so `data` is the items so far (or their fold), the query is
 * pending until the first and fetching until the end, and the query's `signal` — aborted
 * when TanStack cancels it (no one left watching, a new key) — stops the producer on the
 * server. A symbol input (`skipToken`) becomes the `queryFn`, as for a call.
 */
export function callStreamOptions(
  client: ChatterClient,
  name: string,
  input: unknown,
  options: StreamQueryParams<unknown, unknown> | undefined,
  streamedQuery: StreamedQuery,
): object {
  const { timeout, window, refetchMode, reducer, initialValue, ...query } = options ?? {};
  if (typeof input === "symbol") return { ...query, queryKey: callQueryKey(name, undefined), queryFn: input };
  const stream = client.stream as (name: string, input: unknown, options?: StreamOptions) => AsyncIterable<unknown>;
  const fold = reducer ? { reducer, initialValue } : {};
  return {
    ...query,
    queryKey: callQueryKey(name, input),
    queryFn: streamedQuery({ streamFn: ({ signal }) => stream(name, input, { signal, timeout, window }), refetchMode, ...fold }),
  };
}
