import type { Message } from "./schema.ts";

/**
 * Where the chat keeps its history. Async so that a store over the network (Redis, when
 * several instances share one history) fits the same shape as the embedded default
 * (`createSqliteStore`).
 */
export interface ChatStore {
  /** Stores a message, giving it an id (increasing, across restarts too) and a time. */
  add(message: { roomId: string; username: string; message: string }): Promise<Message>;
  /** A room's last messages (at most `HISTORY_LENGTH`), oldest first. */
  history(roomId: string): Promise<Message[]>;
  /** A room's messages, newest first, read a page at a time (a search stops reading when it has enough). */
  messages(roomId: string): AsyncIterable<Message>;
  close(): void;
}
