// Names and inputs of a schema's procedures, as both adapters type them.
import type { CallResult, SchemaOf, SchemaOrServer, StreamItem } from "../client/types.ts";
import type { CallName, InputOf, StreamName } from "../core/types.ts";

/** The names of the server's procedures (what the client calls). */
export type ServerName<T extends SchemaOrServer> = keyof SchemaOf<T>["server"] & string;
/** The names of the client's procedures (what a client implements). */
export type ClientName<T extends SchemaOrServer> = keyof SchemaOf<T>["client"] & string;
/** What calling `K` takes. */
export type CallInput<T extends SchemaOrServer, K extends ServerName<T>> = InputOf<SchemaOf<T>["server"][K]>;
/** The names of the server's plain procedures (`call`) and of its streams (`stream`). */
export type ServerCallName<T extends SchemaOrServer> = CallName<SchemaOf<T>["server"]>;
export type ServerStreamName<T extends SchemaOrServer> = StreamName<SchemaOf<T>["server"]>;
/** What a query of `K` holds by default: a call's result, or a stream's items so far. */
export type CallData<T extends SchemaOrServer, K extends ServerName<T>> = K extends ServerStreamName<T> ? StreamItem<T, K>[] : CallResult<T, K>;
/** How a streamed query folds items into its data: an array of them, or `reducer` from `initialValue`. */
export type StreamFold<TItem, TAcc> =
  | { reducer?: never; initialValue?: never }
  | {
      /** Folds each item into the data (instead of collecting an array). */
      reducer: (acc: TAcc, item: TItem) => TAcc;
      /** The data before the first item, and of a stream that yields none. */
      initialValue: TAcc;
    };
