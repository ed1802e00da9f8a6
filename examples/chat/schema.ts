import { createSchema } from "@manyducks.co/chatter";
import { z } from "zod";
import { LIMITS } from "./limits.ts";
import { nameKey, normaliseName } from "./names.ts";

export const Message = z.object({
  id: z.string(),
  roomId: z.string(),
  username: z.string(),
  message: z.string(),
  sentAt: z.number(),
});
export type Message = z.infer<typeof Message>;

// One room and one name whoever types it ("Lobby " is "lobby", "ada\u200b" is "ada"): the web
// forms and the terminal client all land in the same room, and no one can pass for someone else.
const roomId = z.string().transform(nameKey).pipe(z.string().min(1, "Name a room").max(LIMITS.room, `Room names are at most ${LIMITS.room} characters`));
const username = z.string().transform(normaliseName).pipe(z.string().min(1, "Pick a name").max(LIMITS.name, `Names are at most ${LIMITS.name} characters`));
// Line breaks and tabs stay; other control characters (escape codes) never reach anyone.
const text = z
  .string()
  .transform((s) => s.replace(/\r\n?/g, "\n").replace(/(?![\n\t])\p{Cc}/gu, "").trim())
  .pipe(z.string().min(1, "Type a message").max(LIMITS.message, `Messages are at most ${LIMITS.message.toLocaleString("en")} characters`));

// Searched as typed, spaces at the ends aside.
const query = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1, "Type something to search for").max(LIMITS.searchQuery, `Searches are at most ${LIMITS.searchQuery} characters`));

export const schema = createSchema({
  server: {
    // `key`: a secret of this tab or terminal; a rejoin with the same name and key takes the
    // name back from a connection of ours that dropped (the server may not have noticed yet).
    joinRoom: { input: z.object({ roomId, username, key: z.string().max(64).optional() }), output: z.object({ members: z.array(z.string()) }) },
    leaveRoom: { input: z.object({ roomId }) },
    sendMessage: { input: z.object({ roomId, message: text }), output: Message },
    history: { input: z.object({ roomId }), output: z.array(Message) },
    members: { input: z.object({ roomId }), output: z.array(z.string()) },
    /** The room's messages that contain `query`, newest first, streamed as they are found. */
    search: { input: z.object({ roomId, query }), stream: Message },
  },
  client: {
    receiveMessage: { message: Message },
    presence: { roomId: z.string(), members: z.array(z.string()) },
    confirm: { input: z.object({ question: z.string() }), output: z.boolean() },
  },
  // A room's member as the server tracks it in the room's topic (on every instance): the
  // name, and a hash of the tab's key (members.ts).
  presence: z.object({ name: z.string(), key: z.string().optional() }),
});
