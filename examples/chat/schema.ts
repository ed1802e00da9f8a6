import { createSchema } from "@manyducks.co/chatter";
import { z } from "zod";

export const Message = z.object({
  id: z.string(),
  roomId: z.string(),
  username: z.string(),
  message: z.string(),
  sentAt: z.number(),
});
export type Message = z.infer<typeof Message>;

// One room whoever types it: the web forms and the terminal client all land in the same one.
const roomId = z.string().trim().toLowerCase().min(1).max(40);
const username = z.string().trim().min(1).max(24);

export const schema = createSchema({
  server: {
    joinRoom: { input: z.object({ roomId, username }), output: z.object({ members: z.array(z.string()) }) },
    leaveRoom: { input: z.object({ roomId }) },
    sendMessage: { input: z.object({ roomId, message: z.string().trim().min(1).max(2000) }), output: Message },
    history: { input: z.object({ roomId }), output: z.array(Message) },
    members: { input: z.object({ roomId }), output: z.array(z.string()) },
  },
  client: {
    receiveMessage: { message: Message },
    presence: { roomId: z.string(), members: z.array(z.string()) },
    confirm: { input: z.object({ question: z.string() }), output: z.boolean() },
  },
});
