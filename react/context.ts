import type { QueryClient } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import type { Schema } from "../core/schema.ts";
import type { ProviderValue } from "../query/index.ts";

export const ChatterContext = createContext<ProviderValue<Schema, QueryClient> | undefined>(undefined);

/** The nearest `ChatterProvider`'s client, query client and cache. */
export function useChatterContext(): ProviderValue<Schema, QueryClient> {
  const value = useContext(ChatterContext);
  if (!value) throw new Error("No Chatter client set, use ChatterProvider to set one");
  return value;
}
