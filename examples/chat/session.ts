// The chat's one Chatter client and the room it is in, shared by the React and Solid apps.
import { createClient } from "@manyducks.co/chatter/client";
import { schema } from "./schema.ts";

export interface Session {
  roomId: string;
  username: string;
}

let session: Session | undefined;

export const client = createClient<typeof schema>({
  url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
  schema,
  // Every open, reconnects included, before calls queued offline go out: a restarted
  // server has forgotten us, so join the room again first.
  onOpen(socket) {
    if (session) socket.call("joinRoom", session).catch(() => {});
  },
});

/** Joins a room now if connected, else on the next open; returns the leaver. */
export function enterRoom(next: Session): () => void {
  session = next;
  if (client.status === "open") client.call("joinRoom", next).catch(() => {});
  return () => {
    if (session === next) session = undefined;
    // A socket that is not open has no room on the server to leave.
    if (client.status === "open") client.call("leaveRoom", { roomId: next.roomId }).catch(() => {});
  };
}
