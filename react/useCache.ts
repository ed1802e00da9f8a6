import type { SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import type { ChatterCache } from "../query/index.ts";
import { useChatterContext } from "./context.ts";

export type UseCache<T extends SchemaOrServer> = () => ChatterCache<T>;

/**
 * The provider's query cache by server procedure name and input, typed by the schema:
 * `cache.update("history", { roomId }, (old) => …)` in a mutation's `onSuccess`, say.
 */
export const useCache: UseCache<Schema> = function useCache() {
  return useChatterContext().cache;
};
