import type { ChatterClient, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import { useChatterContext } from "./context.ts";

export type UseChatter<T extends SchemaOrServer> = () => ChatterClient<T>;

/** The Chatter client of the nearest `ChatterProvider` (Solid names context reads `useX`, as `useQueryClient`). */
export const useChatter: UseChatter<Schema> = function useChatter() {
  return useChatterContext().client;
};
