import { useContext } from "react";
import type { ChatterClient, SchemaOrServer } from "../client/createClient.ts";
import type { Schema } from "../core/schema.ts";
import { ChatterContext } from "./context.ts";

export type UseChatter<T extends SchemaOrServer> = () => ChatterClient<T>;

/** The Chatter client of the nearest `ChatterProvider`. */
export const useChatter: UseChatter<Schema> = function useChatter() {
  const client = useContext(ChatterContext);
  if (!client) throw new Error("No Chatter client set, use ChatterProvider to set one");
  return client;
};
