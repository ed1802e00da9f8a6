import { HISTORY_LENGTH } from "./history.ts";
import type { Message } from "./schema.ts";

/** The chat's memory: the last messages of each room and who is in it. A real app keeps these in a database. */
export class ChatStore {
  private readonly rooms = new Map<string, { messages: Message[]; members: Map<string, string> }>();
  private lastId = 0;

  constructor(private readonly keep = HISTORY_LENGTH) {}

  private room(roomId: string) {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { messages: [], members: new Map() }));
    return room;
  }

  add(roomId: string, username: string, message: string): Message {
    const entry = { id: String(++this.lastId), roomId, username, message, sentAt: Date.now() };
    const { messages } = this.room(roomId);
    messages.push(entry);
    if (messages.length > this.keep) messages.splice(0, messages.length - this.keep);
    return entry;
  }

  history(roomId: string): Message[] {
    return this.rooms.get(roomId)?.messages ?? [];
  }

  join(roomId: string, clientId: string, username: string): string[] {
    this.room(roomId).members.set(clientId, username);
    return this.members(roomId);
  }

  leave(roomId: string, clientId: string): string[] {
    this.rooms.get(roomId)?.members.delete(clientId);
    return this.members(roomId);
  }

  members(roomId: string): string[] {
    return [...new Set(this.rooms.get(roomId)?.members.values() ?? [])].sort();
  }
}
