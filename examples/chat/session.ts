// The chat's one Chatter client and the room it is in, shared by the React and Solid apps.
import { ChatterError, createClient } from "@manyducks.co/chatter/client";
import { schema } from "./schema.ts";

export interface Session {
  roomId: string;
  username: string;
}

interface Entry {
  session: Session;
  /** The server refused the name or the room: retrying will not help. */
  onRefused?: (error: ChatterError) => void;
}

let current: Entry | undefined;

// This tab's secret: after a drop (or a reload), the server gives our name back to us and to no one else.
const KEY_NAME = "chatter:key";
const key = sessionStorage.getItem(KEY_NAME) ?? crypto.randomUUID();
sessionStorage.setItem(KEY_NAME, key);

export const client = createClient<typeof schema>({
  url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
  schema,
  // Every open, reconnects included, before calls queued offline go out: a restarted
  // server has forgotten us, so join the room again first.
  onOpen: () => join(),
});

function join(): void {
  const entry = current;
  if (!entry) return;
  client.call("joinRoom", { ...entry.session, key }).catch((error: unknown) => {
    if (current === entry && error instanceof ChatterError && error.code === "BAD_INPUT") entry.onRefused?.(error);
  });
}

/** Joins a room now if connected, else on the next open; returns the leaver. */
export function enterRoom(session: Session, onRefused?: (error: ChatterError) => void): () => void {
  const entry = { session, onRefused };
  current = entry;
  if (client.status === "open") join();
  return () => {
    if (current === entry) current = undefined;
    // A socket that is not open has no room on the server to leave.
    if (client.status === "open") client.call("leaveRoom", { roomId: session.roomId }).catch(() => {});
  };
}
