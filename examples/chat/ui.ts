// What the React and Solid chats show the same way; each app keeps only its markup.
import type { ChatterError, ClientStatus } from "@manyducks.co/chatter/client";
import { explain } from "./explain.ts";
import { LIMITS } from "./limits.ts";
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

/** What to tell someone whose text is over a limit (the server's words, plus this text's length); undefined if it fits. */
export function overLimit(what: "Names" | "Room names" | "Messages" | "Searches", length: number, max: number): string | undefined {
  if (length <= max) return undefined;
  return `${what} are at most ${max.toLocaleString("en")} characters (this one is ${length.toLocaleString("en")})`;
}

/** The app's two moves: joining clears the last refusal; leaving says why when the server refused the join. */
export function sessionMoves(setSession: (session: Session | undefined) => void, setRefusal: (refusal: string | undefined) => void) {
  return {
    join(session: Session) {
      setRefusal(undefined);
      setSession(session);
    },
    leave(refusal?: string) {
      setSession(undefined);
      setRefusal(refusal);
    },
  };
}

/** Milliseconds a search box waits after the last keystroke before it searches. */
export const SEARCH_DELAY = 300;

/** What a search says above its results, while they stream in and once they are all there. */
export function searchSummary(query: string, found: number, { fetching, error }: { fetching: boolean; error: ChatterError | null }): string {
  if (error) return `Search failed: ${explain(error)}`;
  const matches = `${found} ${found === 1 ? "match" : "matches"}`;
  if (fetching) return found ? `${matches} so far…` : `Searching for “${query}”…`;
  if (!found) return `No messages match “${query}”`;
  return found >= LIMITS.searchResults ? `The newest ${matches} for “${query}”` : `${matches} for “${query}”`;
}
