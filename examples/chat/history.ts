import type { Message } from "./schema.ts";

/** Messages a room keeps: the server's store and the web clients' caches agree on it. */
export const HISTORY_LENGTH = 100;

/** A room's history with `message` added once, in time order, capped like the server's. */
export function appendMessage(history: Message[] = [], message: Message): Message[] {
  if (history.some((m) => m.id === message.id)) return history;
  const last = history[history.length - 1];
  // Pushed messages nearly always come last; only a late one needs sorting in.
  const next = !last || last.sentAt <= message.sentAt ? [...history, message] : [...history, message].sort((a, b) => a.sentAt - b.sentAt);
  return next.length > HISTORY_LENGTH ? next.slice(-HISTORY_LENGTH) : next;
}
