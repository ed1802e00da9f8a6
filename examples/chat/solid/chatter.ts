// The chat's Solid primitives, typed by its schema, next to its one client (../session.ts).
import { createChatterSolid } from "@manyducks.co/chatter/solid";
import type { schema } from "../schema.ts";

export { client, enterRoom, type Session } from "../session.ts";

export const { ChatterProvider, createCall, createCallMutation, createProcedure, createConnectionStatus, callKey } =
  createChatterSolid<typeof schema>();
