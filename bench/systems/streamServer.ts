// One stream benchmark server: `bun bench/systems/streamServer.ts <raw|chatter|trpc>`; prints
// `READY <port>` and sends a one-way stream of `n` items to whoever asks, until its parent
// kills it (or for at most 10 minutes).
import { Count, item, schema } from "./streamSchema.ts";

// CHATTER_ROOT points at another copy of the repo (e.g. a snapshot before a change) for A/B runs.
const { createServer } = (await import(`${process.env.CHATTER_ROOT ?? "../.."}/server/index.ts`)) as typeof import("../../server/index.ts");

const hostname = "127.0.0.1";
const ready = (port: number | undefined) => console.log(`READY ${port}`);
setTimeout(() => process.exit(0), 10 * 60_000).unref();
process.on("SIGTERM", () => process.exit(0));

switch (process.argv[2]) {
  case "raw": {
    // The limit: the same JSON frames in a send loop that honours backpressure (the kernel
    // buffer is full when `send` returns -1; Bun calls `drain` once it has room again).
    type Pump = { pump?: () => void };
    const srv = Bun.serve<Pump>({
      port: 0,
      hostname,
      fetch: (req, s) => (s.upgrade(req, { data: {} }) ? undefined : new Response("upgrade failed", { status: 400 })),
      websocket: {
        perMessageDeflate: false,
        message(ws, message) {
          const n = Number(message);
          let i = 0;
          ws.data.pump = () => {
            while (i < n) if (ws.send(JSON.stringify([12, 1, item(i++)])) === -1) return;
            ws.data.pump = undefined;
            ws.send("[13,1]");
          };
          ws.data.pump();
        },
        drain: (ws) => ws.data.pump?.(),
      },
    });
    ready(srv.port);
    break;
  }
  case "chatter": {
    const server = createServer({
      schema,
      procedures: {
        async *items({ n }) {
          for (let i = 0; i < n; i++) yield item(i);
        },
      },
    });
    const srv = Bun.serve({
      port: 0,
      hostname,
      fetch: (req, s) => (server.upgrade(req, s) ? undefined : new Response("upgrade failed", { status: 400 })),
      websocket: server.handler,
    });
    ready(srv.port);
    break;
  }
  case "trpc": {
    const { initTRPC } = await import("@trpc/server");
    const { applyWSSHandler } = await import("@trpc/server/adapters/ws");
    const { WebSocketServer } = await import("ws");
    const t = initTRPC.create();
    const router = t.router({
      items: t.procedure.input(Count).subscription(async function* ({ input }) {
        for (let i = 0; i < input.n; i++) yield item(i);
      }),
    });
    const wss = new WebSocketServer({ port: 0, host: hostname, perMessageDeflate: false });
    applyWSSHandler({ wss, router, keepAlive: { enabled: false } });
    wss.on("listening", () => ready((wss.address() as { port: number }).port));
    break;
  }
  default:
    console.error(`unknown system ${process.argv[2]}`);
    process.exit(2);
}
