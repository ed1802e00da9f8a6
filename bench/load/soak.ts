// A soak: calls with a real (zod) schema, 10% of them timing out, for several minutes.
// Reports the server's and this process's RSS at the start and the end, and checks that no
// call was lost (every call settled, once) or duplicated (no id ran twice on the server,
// no answer carried another call's id or payload).
//   bun bench/load/soak.ts   (SOAK_SECONDS=180 CLIENTS=20 IN_FLIGHT=25 TIMEOUT_MS=150)
import { createClient, type ChatterError } from "../../client/index.ts";
import { schema } from "./schema.ts";
import { mb, rssOf, startServer } from "./util.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const CLIENTS = Number(process.env.CLIENTS ?? 20);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 25);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 150);
const WARMUP_MS = 10_000;

const server = await startServer("chatter");
const url = `ws://127.0.0.1:${server.port}`;
const clients = Array.from({ length: CLIENTS }, () => createClient({ url, schema, reconnect: false, onError: () => {} }));
const control = createClient({ url, schema, reconnect: false });

let nextId = 0;
let issued = 0;
let settledTwice = 0;
let mixedUp = 0;
const outcomes = { ok: 0, timeout: 0, slowButAnswered: 0, fastButFailed: 0, other: 0 };
const settled = new Uint8Array(16_000_000);
let stopping = false;

async function worker(client: (typeof clients)[number]) {
  while (!stopping) {
    const id = ++nextId;
    issued++;
    const slow = id % 10 === 0; // exactly 10%: sleeps twice the timeout
    const delay = slow ? TIMEOUT_MS * 2 : Math.floor(Math.random() * 20);
    const payload = "p".repeat(id % 200) + id;
    try {
      const result = await client.call("work", { id, delay, payload }, { timeout: TIMEOUT_MS });
      if (result.id !== id || result.payload !== payload) mixedUp++;
      if (slow) outcomes.slowButAnswered++;
      else outcomes.ok++;
    } catch (error) {
      const code = (error as ChatterError).code;
      if (code === "TIMEOUT" && slow) outcomes.timeout++;
      else if (code === "TIMEOUT") outcomes.fastButFailed++;
      else outcomes.other++;
    }
    if (settled[id]) settledTwice++;
    settled[id] = 1;
  }
}

const ownRss = () => process.memoryUsage().rss;
const started = performance.now();
const workers = clients.flatMap((client) => Array.from({ length: IN_FLIGHT }, () => worker(client)));
let start = { server: 0, client: 0, at: 0 };
const serverRss = async () => ((await control.call("stats")) as { rss: number }).rss; // after a full GC there
const ticker = setInterval(async () => {
  const elapsed = (performance.now() - started) / 1000;
  if (!start.at && elapsed * 1000 >= WARMUP_MS) {
    Bun.gc(true);
    start = { server: await serverRss(), client: ownRss(), at: issued };
  }
  console.log(
    `${elapsed.toFixed(0).padStart(4)} s: ${issued} calls (${(issued / elapsed).toFixed(0)}/s), ` +
      `${outcomes.timeout} timed out, server rss ${mb(rssOf(server.pid))}, bench rss ${mb(ownRss())}`,
  );
}, 10_000);

await Bun.sleep(SECONDS * 1_000);
stopping = true;
await Promise.all(workers);
clearInterval(ticker);
Bun.gc(true);
await Bun.sleep(500);
const end = { server: await serverRss(), client: ownRss() };
const stats = (await control.call("stats")) as { ran: number; duplicated: number };

let neverSettled = 0;
for (let id = 1; id <= nextId; id++) if (!settled[id]) neverSettled++;
const lost = neverSettled + outcomes.other;
const duplicated = stats.duplicated + settledTwice + mixedUp;
console.log(
  `\nsoak ${SECONDS} s, ${CLIENTS} clients × ${IN_FLIGHT} in flight, timeout ${TIMEOUT_MS} ms: ` +
    `${issued} calls (${(issued / SECONDS).toFixed(0)}/s); ok ${outcomes.ok}, timed out as planned ${outcomes.timeout} ` +
    `(${((100 * outcomes.timeout) / issued).toFixed(1)}%), fast calls that timed out under load ${outcomes.fastButFailed}, slow calls answered in time ${outcomes.slowButAnswered}\n` +
    `server ran ${stats.ran} distinct ids for ${issued} calls\n` +
    `lost ${lost} (never settled ${neverSettled}, other errors ${outcomes.other}); duplicated ${duplicated} ` +
    `(ran twice on the server ${stats.duplicated}, settled twice ${settledTwice}, wrong answer ${mixedUp})\n` +
    `after ${WARMUP_MS / 1000} s of warm-up → at the end, after a full GC: server rss ${mb(start.server)} → ${mb(end.server)}; bench (clients) rss ${mb(start.client)} → ${mb(end.client)}`,
);
for (const client of [...clients, control]) client.close();
await server.kill();
process.exit(lost || duplicated ? 1 : 0);
