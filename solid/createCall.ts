import { createQuery, type CreateQueryResult, type SkipToken } from "@tanstack/solid-query";
import type { Accessor } from "solid-js";
import type { CallResult, SchemaOrServer, StreamItem } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, ServerCallName, ServerStreamName } from "../query/index.ts";
import { callOptions, type CallQueryOptions, type StreamQueryOptions } from "./callOptions.ts";
import { useChatterContext } from "./context.ts";
import type { KnownName } from "../core/types.ts";

/** `(input, options?)`, both accessors; `input` may be left out when the procedure takes none. */
export type CreateCallArgs<T extends SchemaOrServer, K extends string, TData> = undefined extends CallInput<T, K>
  ? [input?: Accessor<CallInput<T, K> | SkipToken>, options?: Accessor<CallQueryOptions<CallResult<T, K>, TData>>]
  : [input: Accessor<CallInput<T, K> | SkipToken>, options?: Accessor<CallQueryOptions<CallResult<T, K>, TData>>];

/** A stream's `(input, options?)`, both accessors, as `CreateCallArgs`. */
export type CreateStreamArgs<T extends SchemaOrServer, K extends string, TAcc, TData> = undefined extends CallInput<T, K>
  ? [input?: Accessor<CallInput<T, K> | SkipToken>, options?: Accessor<StreamQueryOptions<StreamItem<T, K>, TAcc, TData>>]
  : [input: Accessor<CallInput<T, K> | SkipToken>, options?: Accessor<StreamQueryOptions<StreamItem<T, K>, TAcc, TData>>];

// The names are checked apart (`KnownName`), so a name picks its signature; a plain
// procedure's comes first, as it is the common case and a failed try costs a little.
export interface CreateCall<T extends SchemaOrServer> {
  <K extends string, TData = CallResult<T, K>>(name: KnownName<K, ServerCallName<T>>, ...args: CreateCallArgs<T, K, TData>): CreateQueryResult<TData, ChatterError>;
  /** A stream procedure: `data` is its items so far, or their fold by `reducer` from `initialValue`. */
  <K extends string, TAcc = StreamItem<T, K>[], TData = TAcc>(name: KnownName<K, ServerStreamName<T>>, ...args: CreateStreamArgs<T, K, TAcc, TData>): CreateQueryResult<TData, ChatterError>;
}

/**
 * Calls a server procedure as a query: `createQuery` keyed by `(name, input)`. The
 * input is an accessor, so a signal it reads refetches when it changes; return
 * `skipToken` (or pass `enabled: false`) while it is not ready. When the owner is
 * cleaned up, a call still running for no one else is cancelled on the server.
 * Reading `data` inside `<Suspense>` suspends (solid-query's data is a resource).
 *
 * On a stream procedure it is a streamed query: `data` grows with each item (or is
 * `reducer`'s fold), the query is pending until the first and fetching until the end,
 * and cleaning up the owner (or a new input) stops the producer on the server.
 */
export const createCall: CreateCall<Schema> = function createCall(name: string, input?: Accessor<unknown>, options?: Accessor<object>) {
  const { client, queryClient } = useChatterContext();
  return createQuery(
    () => callOptions(client, name, input?.() as never, options?.() as never) as never,
    () => queryClient,
  );
} as never;
