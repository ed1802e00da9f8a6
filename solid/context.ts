import { createContext } from "solid-js";
import type { ChatterClient } from "../core/createClient.ts";

export const ChatterContext = createContext<ChatterClient | undefined>(undefined);
