// A Chatter client in its own process (to be stopped with SIGSTOP or left unread).
// `bun fixture-client.ts <url> <room>`: joins `room`, prints `OPEN`, answers `question`
// (with the number of `news` frames it got, when asked "count").
import { createClient } from "../../client/index.ts";
import { schema } from "./app.ts";

const [url, room] = process.argv.slice(2);
let news = 0;
const client = createClient({
  url: url!,
  schema,
  heartbeat: false,
  reconnect: false,
  procedures: {
    question: (value) => (value === "count" ? news : value),
    news: () => void news++,
  },
});
await client.call("join", { room: room ?? "lobby" });
console.log("OPEN");
setInterval(() => {}, 1_000);
