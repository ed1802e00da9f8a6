// Names and inputs of a schema's procedures, as both adapters type them.
import type { SchemaOf, SchemaOrServer } from "../client/types.ts";
import type { InputOf } from "../core/types.ts";

/** The names of the server's procedures (what the client calls). */
export type ServerName<T extends SchemaOrServer> = keyof SchemaOf<T>["server"] & string;
/** The names of the client's procedures (what a client implements). */
export type ClientName<T extends SchemaOrServer> = keyof SchemaOf<T>["client"] & string;
/** What calling `K` takes. */
export type CallInput<T extends SchemaOrServer, K extends ServerName<T>> = InputOf<SchemaOf<T>["server"][K]>;
