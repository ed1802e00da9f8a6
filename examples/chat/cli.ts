// A terminal client for the example chat:
//   bun examples/chat/cli.ts --room 1 --name ada [--url ws://localhost:5000/ws]
// Type a line to send it; /quit (or Ctrl-D) leaves.
import { parseArgs } from "node:util";
import { createClient } from "@manyducks.co/chatter/client";
import { schema, type Message } from "./schema.ts";

const { values } = parseArgs({
  options: {
    room: { type: "string", default: "1" },
    name: { type: "string", default: `guest${Math.floor(Math.random() * 1000)}` },
    url: { type: "string", default: process.env.CHAT_URL ?? `ws://localhost:${process.env.PORT ?? 5000}/ws` },
  },
});
const roomId = values.room;
const username = values.name;

const time = (at: number) => new Date(at).toTimeString().slice(0, 5);
const show = (m: Message) => console.log(`[${time(m.sentAt)}] ${m.username}: ${m.message}`);

let seen = 0; // the newest message id shown, so a reconnect shows only what was missed
const chat = createClient({
  url: values.url,
  schema,
  procedures: {
    receiveMessage: ({ message }) => show(message),
    presence: ({ members }) => console.log(`* in #${roomId}: ${members.join(", ")}`),
    confirm: ({ question }) => (console.log(`? ${question} (yes)`), true),
  },
  // Every (re)connect: join again, then catch up on what was missed.
  onOpen: async (socket) => {
    await socket.call("joinRoom", { roomId, username });
    seen = await catchUp(await socket.call("history", { roomId }), seen);
  },
});

function catchUp(history: Message[], after: number): number {
  for (const m of history) if (Number(m.id) > after) show(m);
  return history.reduce((max, m) => Math.max(max, Number(m.id)), after);
}

chat.onStatus((status) => {
  if (status !== "open") console.log(`* ${status}…`);
});
console.log(`* ${username} joining #${roomId} at ${values.url}`);

for await (const line of console) {
  const text = line.trim();
  if (text === "/quit") break;
  if (!text) continue;
  try {
    const sent = await chat.call("sendMessage", { roomId, message: text });
    seen = Math.max(seen, Number(sent.id));
    show(sent);
  } catch (error) {
    console.log(`! ${(error as Error).message}`);
  }
}
chat.close();
