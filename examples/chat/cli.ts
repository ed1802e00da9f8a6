// A terminal client for the example chat: `npm run chat -- --room 1 --name ada` (or
// `bun examples/chat/cli.ts …` where Bun is installed). Type a line to send it; /quit or Ctrl-D leaves.
import { parseArgs } from "node:util";
import { ChatterError, createClient } from "@manyducks.co/chatter/client";
import { explain } from "./explain.ts";
import { LIMITS } from "./limits.ts";
import { schema, type Message } from "./schema.ts";
import { terminalText } from "./terminalText.ts";
import { overLimit } from "./ui.ts";

const USAGE = `Usage: npm run chat -- [--room ROOM] [--name NAME] [--url URL]

  --room ROOM   the room to join (default: 1)
  --name NAME   your name in it, at most ${LIMITS.name} characters (default: guest and a number)
  --url URL     the chat server's WebSocket (default: $CHAT_URL, else ws://localhost:$PORT/ws, PORT 5000)
  --help        this text

Type a line and Enter to send it; /quit or Ctrl-D leaves.`;

function options() {
  try {
    return parseArgs({
      options: {
        room: { type: "string", default: "1" },
        name: { type: "string", default: `guest${Math.floor(Math.random() * 1000)}` },
        url: { type: "string", default: process.env.CHAT_URL ?? `ws://localhost:${process.env.PORT ?? 5000}/ws` },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

function fail(message: string, code = 1): never {
  console.error(`! ${message}`);
  process.exit(code);
}

const values = options();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

// The server checks the same schema; checking here first answers at once, even offline.
const checked = await schema.server.joinRoom.input["~standard"].validate({ roomId: values.room, username: values.name });
if (checked.issues) fail(checked.issues.map((issue) => issue.message).join("; "));
const { roomId, username } = checked.value;
const key = crypto.randomUUID(); // takes our name back if the server still holds a dropped connection of ours

const time = (at: number) => new Date(at).toTimeString().slice(0, 5);
const show = (m: Message) => console.log(`[${time(m.sentAt)}] ${terminalText(m.username)}: ${terminalText(m.message)}`);

let seen = 0; // the newest message id shown, so a reconnect shows only what was missed
const chat = createClient({
  url: values.url,
  schema,
  procedures: {
    receiveMessage: ({ message }) => show(message),
    presence: ({ members }) => console.log(`* in #${terminalText(roomId)}: ${members.map(terminalText).join(", ")}`),
    confirm: ({ question }) => (console.log(`? ${terminalText(question)} (yes)`), true),
  },
  // Every (re)connect: join again, then catch up on what was missed.
  onOpen: async (socket) => {
    try {
      await socket.call("joinRoom", { roomId, username, key });
      seen = catchUp(await socket.call("history", { roomId }), seen);
    } catch (error) {
      // A name taken or a room refused will not change by retrying.
      if (error instanceof ChatterError && error.code === "BAD_INPUT") {
        chat.close();
        fail(explain(error));
      }
      console.log(`! could not join #${roomId}: ${explain(error)}`);
    }
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

const sending = new Set<Promise<unknown>>();
for await (const line of console) {
  const text = line.trim();
  if (text === "/quit") break;
  if (!text) continue;
  const tooLong = overLimit("Messages", text.length, LIMITS.message);
  if (tooLong) {
    console.log(`! not sent: ${tooLong}`);
    continue;
  }
  if (chat.status !== "open") console.log("* queued: it goes out when the connection is back");
  // Not awaited: while offline, the next lines queue behind this one instead of waiting to be read.
  const sent = chat.call("sendMessage", { roomId, message: text }).then(
    (message) => {
      seen = Math.max(seen, Number(message.id));
      show(message);
    },
    (error) => console.log(`! not sent: ${explain(error)}`),
  );
  sending.add(sent);
  sent.finally(() => sending.delete(sent));
}
await Promise.all(sending); // what was typed before /quit still goes
chat.close();
