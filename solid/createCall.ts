import { createQuery, type CreateQueryResult, type SkipToken } from "@tanstack/solid-query";
import type { Accessor } from "solid-js";
import type { CallResult, SchemaOrServer } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, ServerName } from "../query/index.ts";
import { callOptions, type CallQueryOptions } from "./callOptions.ts";
import { useChatterContext } from "./context.ts";

/** `(input, options?)`, both accessors; `input` may be left out when the procedure takes none. */
export type CreateCallArgs<T extends SchemaOrServer, K extends ServerName<T>, TData> = undefined extends CallInput<T, K>
  ? [input?: Accessor<CallInput<T, K> | SkipToken>, options?: Accessor<CallQueryOptions<CallResult<T, K>, TData>>]
  : [input: Accessor<CallInput<T, K> | SkipToken>, options?: Accessor<CallQueryOptions<CallResult<T, K>, TData>>];

export type CreateCall<T extends SchemaOrServer> = <K extends ServerName<T>, TData = CallResult<T, K>>(
  name: K,
  ...args: CreateCallArgs<T, K, TData>
) => CreateQueryResult<TData, ChatterError>;

/**
 * Calls a server procedure as a query: `createQuery` keyed by `(name, input)`. The
 * input is an accessor, so a signal it reads refetches when it changes; return
 * `skipToken` (or pass `enabled: false`) while it is not ready. When the owner is
 * cleaned up, a call still running for no one else is cancelled on the server.
 * Reading `data` inside `<Suspense>` suspends (solid-query's data is a resource).
 */
export const createCall: CreateCall<Schema> = function createCall(name, input?, options?) {
  const { client, queryClient } = useChatterContext();
  return createQuery(
    () => callOptions(client, name, input?.() as never, options?.() as never) as never,
    () => queryClient,
  ) as never;
};
