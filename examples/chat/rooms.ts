import { ChatterError } from "@manyducks.co/chatter/server";
import { nameKey } from "./names.ts";

interface Member {
  clientId: string;
  name: string;
  key: string | undefined;
}

interface Room {
  byName: Map<string, Member>; // by `nameKey`
  byClient: Map<string, string>; // client id → its name's key
}

/**
 * Who is in each room, by connection, in memory (this process's connections). A name is
 * one person's per room; a room with no one left is forgotten.
 */
export class Rooms {
  private readonly rooms = new Map<string, Room>();

  /**
   * Puts `clientId` in `roomId` as `name`. A name someone else holds is refused, unless the
   * holder joined with the same `key` (our own dropped connection): then it moves here and
   * `replaced` is the connection it left.
   */
  join(roomId: string, clientId: string, name: string, key?: string): { members: string[]; replaced?: string } {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { byName: new Map(), byClient: new Map() }));
    const id = nameKey(name);
    const holder = room.byName.get(id);
    let replaced: string | undefined;
    if (holder && holder.clientId !== clientId) {
      if (holder.key === undefined || holder.key !== key) {
        throw new ChatterError("BAD_INPUT", `The name "${holder.name}" is taken in #${roomId}: pick another`);
      }
      replaced = holder.clientId;
      room.byClient.delete(holder.clientId);
    }
    const previous = room.byClient.get(clientId); // joining again under another name
    if (previous !== undefined && previous !== id) room.byName.delete(previous);
    room.byName.set(id, { clientId, name, key });
    room.byClient.set(clientId, id);
    return { members: this.members(roomId), replaced };
  }

  /** Takes `clientId` out of `roomId`; the members left. */
  leave(roomId: string, clientId: string): string[] {
    const room = this.rooms.get(roomId);
    const id = room?.byClient.get(clientId);
    if (!room || id === undefined) return this.members(roomId);
    room.byClient.delete(clientId);
    room.byName.delete(id);
    if (room.byClient.size === 0) this.rooms.delete(roomId);
    return this.members(roomId);
  }

  members(roomId: string): string[] {
    const room = this.rooms.get(roomId);
    return room ? [...room.byName.values()].map((m) => m.name).sort() : [];
  }

  /** Rooms with anyone in them. */
  get size(): number {
    return this.rooms.size;
  }
}
