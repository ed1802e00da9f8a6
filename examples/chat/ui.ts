// What the React and Solid chats show the same way; each app keeps only its markup.
import type { ClientStatus } from "@manyducks.co/chatter/client";
import type { Session } from "./session.ts";

export const STATUS_LABELS: Record<ClientStatus, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

/** A stable colour per name, so a person looks the same in both apps. */
export function avatarColour(name: string): string {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return `hsl(${(hash >>> 0) % 360} 55% 45%)`;
}

const NAME_KEY = "chatter:name";
const ROOM_KEY = "chatter:room";

/** The join form's last values, or its defaults. */
export function savedSession(): Session {
  return { username: localStorage.getItem(NAME_KEY) ?? "", roomId: localStorage.getItem(ROOM_KEY) ?? "lobby" };
}

/** The form's values made into a session (the schema lowercases rooms too) and saved; undefined if one is empty. */
export function rememberSession(username: string, roomId: string): Session | undefined {
  const session = { username: username.trim(), roomId: roomId.trim().toLowerCase() };
  if (!session.username || !session.roomId) return undefined;
  localStorage.setItem(NAME_KEY, session.username);
  localStorage.setItem(ROOM_KEY, session.roomId);
  return session;
}
