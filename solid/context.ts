import { createContext } from "solid-js";
import type { ChatterClient } from "../client/createClient.ts";

export const ChatterContext = createContext<ChatterClient | undefined>(undefined);
