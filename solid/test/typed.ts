import type { AdapterChatter } from "../../test/fixtures/adapterServer.ts";
import { createChatterSolid } from "../createChatterSolid.ts";

/** The primitives typed by the test server, as an app gets them. */
export const { ChatterProvider, createCall, createCallMutation, createProcedure, createConnectionStatus, callOptions, callKey, useChatter, useCache } =
  createChatterSolid<AdapterChatter>();
