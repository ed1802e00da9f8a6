import type { QueryClient } from "@tanstack/solid-query";
import { createContext, getOwner, useContext } from "solid-js";
import type { Schema } from "../core/schema.ts";
import type { ProviderValue } from "../query/index.ts";

export const ChatterContext = createContext<ProviderValue<Schema, QueryClient> | undefined>(undefined);

/** The nearest `ChatterProvider`'s client, query client and cache. */
export function useChatterContext(): ProviderValue<Schema, QueryClient> {
  const value = useContext(ChatterContext);
  if (value) return value;
  if (!getOwner()) throw new Error("No Chatter client here: call Chatter primitives while a component (or createRoot) runs, not later in a callback");
  throw new Error("No Chatter client set, use ChatterProvider to set one");
}
