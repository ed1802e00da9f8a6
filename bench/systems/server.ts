// One benchmark server: `bun bench/systems/server.ts <system>`; prints `READY <port>`,
// runs until its parent kills it (or for at most 15 minutes).
import { Drive, Fire, Payload, payload, schema, TOPIC } from "./schema.ts";

// CHATTER_ROOT points at another copy of the repo (e.g. a snapshot before a change) for A/B runs.
const { createServer } = (await import(`${process.env.CHATTER_ROOT ?? "../.."}/server/index.ts`)) as typeof import("../../server/index.ts");

const system = process.argv[2];
const hostname = "127.0.0.1";
const ready = (port: number | undefined) => console.log(`READY ${port}`);
setTimeout(() => process.exit(0), 15 * 60_000).unref();
process.on("SIGTERM", () => process.exit(0));
process.on("SIGUSR2", () => Bun.gc(true)); // the memory scenario asks for a full GC before reading RSS

switch (system) {
  case "raw": {
    // The limit: Bun's own echo and native publish, with no RPC layer at all.
    const tick = () => JSON.stringify([1, "tick", payload]);
    const srv = Bun.serve({
      port: 0,
      hostname,
      fetch(req, s) {
        if (s.upgrade(req)) return;
        return new Response("upgrade failed", { status: 400 });
      },
      websocket: {
        perMessageDeflate: false,
        idleTimeout: 120,
        message(ws, message) {
          if (typeof message === "string" && message.charCodeAt(0) === 33 /* ! */) {
            // control: "!sub" or "!fire <n>"
            if (message === "!sub") {
              ws.subscribe(TOPIC);
              ws.send("!ok");
            } else {
              const n = Number(message.slice(6));
              for (let i = 0; i < n; i++) srv.publish(TOPIC, tick());
            }
            return;
          }
          ws.send(message);
        },
      },
    });
    ready(srv.port);
    break;
  }
  case "chatter": {
    const server = createServer({
      schema,
      idleTimeout: 120,
      maxCallsInFlight: 10_000,
      recovery: process.env.CHATTER_RECOVERY === "1" || undefined, // run.ts's "recovery" system: every publish numbered and logged
      procedures: {
        echo: (input) => input,
        sub: (_, client) => client.subscribe(TOPIC),
        fire: ({ n }) => {
          for (let i = 0; i < n; i++) server.publish(TOPIC, "tick", payload);
        },
        drive: async ({ n, inflight }, client) => {
          let left = n;
          const worker = async () => {
            while (left > 0) {
              left--;
              await client.call("echo", payload);
            }
          };
          await Promise.all(Array.from({ length: Math.min(inflight, n) }, worker));
        },
      },
    });
    const srv = Bun.serve({
      port: 0,
      hostname,
      fetch(req, s) {
        if (server.upgrade(req, s)) return;
        return new Response("upgrade failed", { status: 400 });
      },
      websocket: server.handler,
    });
    ready(srv.port);
    break;
  }
  case "birpc": {
    const { createBirpc } = await import("birpc");
    type Remote = { tick(p: Payload): void };
    interface Data {
      rpc?: ReturnType<typeof createBirpc<Remote, any>>;
      on?: (data: any) => void;
      sub: boolean;
    }
    const conns = new Set<Data>();
    const srv = Bun.serve<Data, {}>({
      port: 0,
      hostname,
      fetch(req, s) {
        if (s.upgrade(req, { data: { sub: false } })) return;
        return new Response("upgrade failed", { status: 400 });
      },
      websocket: {
        perMessageDeflate: false,
        idleTimeout: 120,
        open(ws) {
          const data = ws.data;
          conns.add(data);
          data.rpc = createBirpc<Remote, any>(
            {
              echo: (input: unknown) => Payload.parse(input),
              sub: () => void (data.sub = true),
              fire: (input: unknown) => {
                const { n } = Fire.parse(input);
                // birpc has no topics: a publish is a loop over the subscribers in JavaScript.
                for (let i = 0; i < n; i++) for (const c of conns) if (c.sub) c.rpc!.$callEvent("tick", payload);
              },
            },
            {
              post: (msg) => ws.send(msg),
              on: (fn) => void (data.on = fn),
              serialize: JSON.stringify,
              deserialize: JSON.parse,
              timeout: 30_000,
            },
          );
        },
        message(ws, message) {
          ws.data.on?.(String(message));
        },
        close(ws) {
          conns.delete(ws.data);
          ws.data.rpc?.$close();
        },
      },
    });
    ready(srv.port);
    break;
  }
  case "socketio": {
    const { createServer: createHttp } = await import("node:http");
    const { Server } = await import("socket.io");
    const http = createHttp();
    const io = new Server(http, { transports: ["websocket"], serveClient: false, perMessageDeflate: false, pingTimeout: 120_000, pingInterval: 120_000 });
    io.on("connection", (socket) => {
      socket.on("echo", (input: unknown, ack: (x: unknown) => void) => ack(Payload.parse(input)));
      socket.on("sub", (ack: () => void) => {
        socket.join(TOPIC);
        ack();
      });
      socket.on("fire", (input: unknown) => {
        const { n } = Fire.parse(input);
        for (let i = 0; i < n; i++) io.to(TOPIC).emit("tick", payload);
      });
    });
    http.listen(0, hostname, () => ready((http.address() as { port: number }).port));
    break;
  }
  case "trpc": {
    const { initTRPC } = await import("@trpc/server");
    const { applyWSSHandler } = await import("@trpc/server/adapters/ws");
    const { WebSocketServer } = await import("ws");
    const { EventEmitter, on } = await import("node:events");
    const ee = new EventEmitter();
    ee.setMaxListeners(0);
    const t = initTRPC.create();
    const router = t.router({
      echo: t.procedure.input(Payload).mutation(({ input }) => input),
      fire: t.procedure.input(Fire).mutation(({ input }) => {
        for (let i = 0; i < input.n; i++) ee.emit("tick", payload);
      }),
      ticks: t.procedure.subscription(async function* ({ signal }) {
        for await (const [data] of on(ee, "tick", { signal })) yield data as Payload;
      }),
    });
    const wss = new WebSocketServer({ port: 0, host: hostname, perMessageDeflate: false });
    applyWSSHandler({ wss, router, keepAlive: { enabled: false } });
    wss.on("listening", () => ready((wss.address() as { port: number }).port));
    break;
  }
  default:
    console.error(`unknown system ${system}`);
    process.exit(2);
}
