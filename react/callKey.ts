import type { DataTag } from "@tanstack/react-query";
import type { SchemaOrServer } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import { callQueryKey, type CallData, type CallInput, type CallQueryKey, type ServerName } from "../query/index.ts";
import type { KnownName } from "../core/types.ts";

/** The query key of a call, tagged with its data (a stream's: its items) and error types so `getQueryData`/`setQueryData` infer them. */
export type CallKey<T extends SchemaOrServer, K extends string> = DataTag<CallQueryKey<K, CallInput<T, K>>, CallData<T, K>, ChatterError>;

export type CallKeyFn<T extends SchemaOrServer> = <K extends string>(name: KnownName<K, ServerName<T>>, input: CallInput<T, K>) => CallKey<T, K>;

/**
 * The query key of a call, `["chatter", name, input]`, typed with the call's result, for
 * the `QueryClient`'s own methods (`useCache()` covers get/set/update/invalidate).
 */
export const callKey: CallKeyFn<Schema> = callQueryKey as never;
