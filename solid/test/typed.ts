import { createChatterSolid } from "../createChatterSolid.ts";
import type { TestSchema } from "./server.ts";

/** The primitives typed by the test schema, as an app gets them. */
export const { createCall, createCallMutation, createProcedure, createConnectionStatus, callOptions, callKey, useChatter } =
  createChatterSolid<TestSchema>();
