import type { CallResult, ChatterClient, SchemaOf, SchemaOrServer } from "../core/createClient.ts";
import type { ChatterError } from "../core/errors.ts";
import type { CallQueryKey } from "../core/query.ts";
import type { InputOf } from "../core/types.ts";
import type { DataTag } from "@tanstack/react-query";

/** The names of the server's procedures (what the client calls). */
export type ServerName<T extends SchemaOrServer> = keyof SchemaOf<T>["server"] & string;
/** The names of the client's procedures (what `useProcedure` implements). */
export type ClientName<T extends SchemaOrServer> = keyof SchemaOf<T>["client"] & string;
/** What calling `K` takes. */
export type CallInput<T extends SchemaOrServer, K extends ServerName<T>> = InputOf<SchemaOf<T>["server"][K]>;
/** The query key of a call, tagged with its data and error types so `getQueryData`/`setQueryData` infer them. */
export type CallKey<T extends SchemaOrServer, K extends ServerName<T>> = DataTag<
  CallQueryKey<K, CallInput<T, K>>,
  CallResult<T, K>,
  ChatterError
>;

export type { CallResult, ChatterClient, SchemaOrServer };
