import { getOwner, useContext } from "solid-js";
import type { Schema } from "../core/schema.ts";
import { ChatterContext } from "./context.ts";
import type { ChatterClient, SchemaOrServer } from "./types.ts";

export type UseChatter<T extends SchemaOrServer> = () => ChatterClient<T>;

/** The Chatter client of the nearest `ChatterProvider` (Solid names context reads `useX`, as `useQueryClient`). */
export const useChatter: UseChatter<Schema> = function useChatter() {
  const client = useContext(ChatterContext);
  if (client) return client;
  if (!getOwner()) throw new Error("No Chatter client here: call Chatter primitives while a component (or createRoot) runs, not later in a callback");
  throw new Error("No Chatter client set, use ChatterProvider to set one");
};
