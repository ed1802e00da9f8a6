import type { ClientProcedure, SchemaOf, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import type { ProcedureContext } from "../core/types.ts";
import type { ChatterCache } from "./createCache.ts";
import type { ClientName } from "./types.ts";

/** A client procedure that updates the cache: a client procedure's `(input, context)` with the typed cache in between. */
export type ChatterUpdate<T extends SchemaOrServer, K extends ClientName<T>> = (
  input: Parameters<ClientProcedure<SchemaOf<T>["client"][K]>>[0],
  cache: ChatterCache<T>,
  context: ProcedureContext,
) => ReturnType<ClientProcedure<SchemaOf<T>["client"][K]>>;

/** Client procedures that update the cache, by name: what `ChatterProvider`'s `updates` takes. */
export type ChatterUpdates<T extends SchemaOrServer> = { [K in ClientName<T>]?: ChatterUpdate<T, K> };

/**
 * Types `updates` by the schema where no provider prop does it (a module of their own):
 * `export const updates = defineUpdates({ receiveMessage: ({ message }, cache) => … })`.
 */
export function defineUpdates<T extends SchemaOrServer = Schema>(updates: ChatterUpdates<T>): ChatterUpdates<T> {
  return updates;
}
