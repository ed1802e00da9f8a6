// Names and inputs of a schema's procedures, as both adapters type them.
import type { SchemaOf, SchemaOrServer } from "../client/types.ts";
import type { CallName, SchemaLike, ServerCallMap, StreamName } from "../core/types.ts";

/** The names of the server's procedures (what the client calls). */
export type ServerName<T extends SchemaOrServer> = keyof SchemaOf<T>["server"] & string;
/** The names of the client's procedures (what a client implements). */
export type ClientName<T extends SchemaOrServer> = keyof SchemaOf<T>["client"] & string;
/** What calling `K` takes (read from the schema's `ServerCallMap`, with `K extends string`: see `KnownName`). */
export type CallInput<T extends SchemaOrServer, K extends string> = ServerCallMap<T>[K]["input"];
/** The names of the server's plain procedures (`call`) and of its streams (`stream`). */
export type ServerCallName<T extends SchemaOrServer> = CallName<SchemaOf<T>["server"]>;
export type ServerStreamName<T extends SchemaOrServer> = StreamName<SchemaOf<T>["server"]>;
/** What a query of `K` holds by default: a call's result, or a stream's items so far. */
export type CallData<T extends SchemaOrServer, K extends string> = ServerDataMap<T>[K];
/**
 * `CallData` of every server procedure by name, built once per schema (an entry only when
 * it is read), with a string index signature as `ServerCallMap` has, so that `K extends
 * string` reads one entry.
 */
type ServerDataMap<T extends SchemaOrServer> = { readonly [name: string]: unknown } & {
  readonly [K in keyof SchemaOf<T>["server"] & string]: SchemaOf<T>["server"][K] extends { readonly stream: SchemaLike }
    ? ServerCallMap<T>[K]["item"][]
    : ServerCallMap<T>[K]["result"];
};
/** How a streamed query folds items into its data: an array of them, or `reducer` from `initialValue`. */
export type StreamFold<TItem, TAcc> =
  | { reducer?: never; initialValue?: never }
  | {
      /** Folds each item into the data (instead of collecting an array). */
      reducer: (acc: TAcc, item: TItem) => TAcc;
      /** The data before the first item, and of a stream that yields none. */
      initialValue: TAcc;
    };
