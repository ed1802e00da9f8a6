// The server side of the load benchmarks, in its own process so its RSS is its own.
// `bun bench/load/server.ts raw|chatter` (PORT env, 0 = any). Prints `READY <port> <pid>`.
// In chatter mode, `stats` answers the connection-rate histogram (opens per 100 ms since
// start) and how many times each soak id ran.
import { createServer, type BunServer } from "../../server/index.ts";
import { schema } from "./schema.ts";

const mode = process.argv[2] ?? "chatter";
const port = Number(process.env.PORT ?? 0);
const started = Date.now();
const opens = new Map<number, number>();
// Runs per soak id, preallocated and touched now so it adds nothing to the RSS measured later.
const MAX_ID = 16_000_000;
const runs = new Uint8Array(MAX_ID).fill(1).fill(0);
let ran = 0;
let duplicated = 0;
const noteOpen = () => {
  const bucket = Math.floor((Date.now() - started) / 100);
  opens.set(bucket, (opens.get(bucket) ?? 0) + 1);
};

let server: ReturnType<typeof Bun.serve>;
if (mode === "raw") {
  server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      if (srv.upgrade(req, { data: undefined })) return;
      return new Response("no", { status: 400 });
    },
    websocket: {
      maxPayloadLength: 1_048_576,
      backpressureLimit: 1_048_576,
      closeOnBackpressureLimit: true,
      idleTimeout: 60,
      open: noteOpen,
      message(ws, message) {
        ws.send(message); // echo: the raw equivalent of one call
      },
    },
  });
} else {
  const chatter = createServer({
    schema,
    procedures: {
      ping: () => "pong",
      work: async ({ id, delay, payload }, _client, { signal }) => {
        if (id < MAX_ID) {
          if (runs[id] === 0) ran++;
          else if (runs[id] === 1) duplicated++;
          if (runs[id]! < 255) runs[id] = runs[id]! + 1;
        }
        if (delay) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
          });
        }
        return { id, payload };
      },
      stats: (): { opens: [number, number][]; ran: number; duplicated: number; clients: number; rss: number } => {
        Bun.gc(true);
        return { opens: [...opens.entries()], ran, duplicated, clients: chatter.clients.size, rss: process.memoryUsage().rss };
      },
    },
    onConnect: noteOpen,
    onError: () => {},
  });
  server = Bun.serve({
    port,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      if (chatter.upgrade(req, srv as BunServer)) return;
      return new Response("no", { status: 400 });
    },
    websocket: chatter.handler,
  });
}
console.log(`READY ${server.port} ${process.pid}`);
