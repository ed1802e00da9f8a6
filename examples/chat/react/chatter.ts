// The chat's React hooks, typed by its schema, next to its one client (../session.ts).
import { createChatterReact } from "@manyducks.co/chatter/react";
import type { schema } from "../schema.ts";

export { client, enterRoom, type Session } from "../session.ts";

export const { ChatterProvider, useCall, useCallMutation, useProcedure, useConnectionStatus, callKey } =
  createChatterReact<typeof schema>();
