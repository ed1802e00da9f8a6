import type { CallResult, ChatterClient, SchemaOrServer } from "../client/createClient.ts";
import type { ChatterError } from "../core/errors.ts";
import type { CallInput, CallQueryKey, ClientName, ServerName } from "../query/index.ts";
import type { DataTag } from "@tanstack/react-query";

/** The query key of a call, tagged with its data and error types so `getQueryData`/`setQueryData` infer them. */
export type CallKey<T extends SchemaOrServer, K extends ServerName<T>> = DataTag<
  CallQueryKey<K, CallInput<T, K>>,
  CallResult<T, K>,
  ChatterError
>;

export type { CallInput, CallResult, ChatterClient, ClientName, SchemaOrServer, ServerName };
