import type { QueryClient } from "@tanstack/react-query";
import type { Message } from "../schema.ts";
import { callKey } from "./chatter.ts";

/** Adds a message to its room's history in the query cache (once, in order). */
export function addMessage(queryClient: QueryClient, message: Message) {
  queryClient.setQueryData(callKey("history", { roomId: message.roomId }), (old = []) =>
    old.some((m) => m.id === message.id) ? old : [...old, message].sort((a, b) => a.sentAt - b.sentAt),
  );
}
