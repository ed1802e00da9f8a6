// The producer of streamMemory.test.ts, in its own process so its RSS is its own.
// `bun streamMemoryFixture.ts server` prints `READY <port>`; `… client <url>` prints `OPEN`.
// Either end's generator can yield a million ~1 KB items and counts how far it advanced.
// The test imports `schema` from here.
import { z } from "zod";
import { createClient } from "../../client/index.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/index.ts";

const Item = z.object({ i: z.number(), text: z.string() });
export const schema = createSchema({
  server: { items: { input: z.object({ n: z.number() }), stream: Item }, hello: {}, stats: {} },
  client: { upload: { input: z.object({ n: z.number() }), stream: Item }, stats: {} },
});
const text = "x".repeat(1_000);
let advanced = 0;
async function* produce({ n }: { n: number }) {
  for (let i = 0; i < n; i++) {
    advanced++;
    yield { i, text: `${text}${i}` };
  }
}
const stats = () => {
  Bun.gc(true);
  return { advanced, rss: process.memoryUsage().rss };
};
if (import.meta.main) {
  const [mode, url] = process.argv.slice(2);
  if (mode === "server") {
    const server = createServer({ schema, procedures: { items: produce, hello: () => {}, stats } });
    const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (server.upgrade(req, srv) ? undefined : new Response("", { status: 400 })), websocket: server.handler });
    console.log(`READY ${bun.port}`);
  } else {
    const client = createClient({ url: url!, schema, heartbeat: false, reconnect: false, procedures: { upload: produce, stats } });
    await client.call("hello");
    console.log("OPEN");
  }
  setInterval(() => {}, 1_000);
}
