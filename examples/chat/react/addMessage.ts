import type { QueryClient } from "@tanstack/react-query";
import type { Message } from "../schema.ts";
import { appendMessage } from "../history.ts";
import { callKey } from "./chatter.ts";

/** Adds a message to its room's history in the query cache (once, in order). */
export function addMessage(queryClient: QueryClient, message: Message) {
  queryClient.setQueryData(callKey("history", { roomId: message.roomId }), (old) => appendMessage(old, message));
}
