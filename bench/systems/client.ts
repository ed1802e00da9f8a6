// One load generator: `bun bench/systems/client.ts <system> <scenario> <port> <serverPid> <json params>`.
// Prints `RESULT <json>`. Loopback only; every loop is bounded by a count and a deadline.
import { readFileSync } from "node:fs";
import { payload, schema } from "./schema.ts";
import { cpuNs } from "../processes.ts";

// CHATTER_ROOT points at another copy of the repo (e.g. a snapshot before a change) for A/B runs.
const { createClient } = (await import(`${process.env.CHATTER_ROOT ?? "../.."}/client/index.ts`)) as typeof import("../../client/index.ts");
const [system, scenario, portArg, pidArg, paramsArg] = process.argv.slice(2);
const url = `ws://127.0.0.1:${portArg}`;
const serverPid = Number(pidArg);
const params: Record<string, number> = JSON.parse(paramsArg ?? "{}");
const duration = (params.seconds ?? 2) * 1000;
setTimeout(() => {
  console.error(`client: ${system}/${scenario} gave up after 180 s`);
  process.exit(3);
}, 180_000).unref();

interface Conn {
  call(): Promise<unknown>;
  close(): void;
}
interface System {
  connect(): Promise<Conn>;
  /** Connects, subscribes to the topic, calls `onTick` on every delivery. */
  subscriber(onTick: () => void): Promise<Conn>;
  /** Asks the server to publish `n` ticks to the topic (through `conn`). */
  fire(conn: Conn, n: number): void;
}

const opened = (ws: WebSocket) =>
  new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("socket error"));
  });

const systems: Record<string, () => Promise<System>> = {
  async raw() {
    // A minimal honest client: ids, a pending map and JSON both ways; the server echoes the bytes.
    const connect = async (onTick?: () => void) => {
      const ws = new WebSocket(url);
      await opened(ws);
      const pending = new Map<number, (v: unknown) => void>();
      let lastId = 0;
      let onOk: (() => void) | undefined;
      ws.onmessage = (event) => {
        const data = event.data as string;
        if (data === "!ok") return onOk?.();
        const msg = JSON.parse(data);
        if (msg[0] === 1) return onTick?.();
        const resolve = pending.get(msg[0]);
        pending.delete(msg[0]);
        resolve?.(msg[1]);
      };
      const conn = {
        ws,
        call: () =>
          new Promise((resolve) => {
            const id = (lastId += 2); // even ids never collide with the tick kind (1)
            pending.set(id, resolve);
            ws.send(JSON.stringify([id, payload]));
          }),
        close: () => ws.close(),
        sub: () => new Promise<void>((resolve) => ((onOk = resolve), ws.send("!sub"))),
      };
      return conn;
    };
    return {
      connect,
      async subscriber(onTick) {
        const conn = await connect(onTick);
        await conn.sub();
        return conn;
      },
      fire: (conn, n) => (conn as any).ws.send(`!fire ${n}`),
    };
  },
  async chatter() {
    const connect = async (onTick?: () => void) => {
      const client = createClient({ url, schema, heartbeat: false, reconnect: false, procedures: { tick: () => onTick?.(), echo: (x) => x } });
      await new Promise<void>((resolve, reject) => {
        const off = client.onStatus((status) => {
          if (status === "open") off(), resolve();
          if (status === "closed") off(), reject(new Error("closed"));
        });
      });
      return { client, call: () => client.call("echo", payload), close: () => client.close() };
    };
    return {
      connect,
      async subscriber(onTick) {
        const conn = await connect(onTick);
        await conn.client.call("sub");
        return conn;
      },
      fire: (conn, n) => void (conn as any).client.call("fire", { n }),
    };
  },
  async birpc() {
    const { createBirpc } = await import("birpc");
    const connect = async (onTick?: () => void) => {
      const ws = new WebSocket(url);
      await opened(ws);
      const rpc = createBirpc<any, any>(
        { tick: () => onTick?.() },
        {
          post: (data) => ws.send(data),
          on: (fn) => void (ws.onmessage = (event) => fn(event.data)),
          serialize: JSON.stringify,
          deserialize: JSON.parse,
          timeout: 30_000,
        },
      );
      return { rpc, call: () => rpc.echo(payload), close: () => ws.close() };
    };
    return {
      connect,
      async subscriber(onTick) {
        const conn = await connect(onTick);
        await conn.rpc.sub();
        return conn;
      },
      fire: (conn, n) => void (conn as any).rpc.$callEvent("fire", { n }),
    };
  },
  async socketio() {
    const { io } = await import("socket.io-client");
    const connect = async (onTick?: () => void) => {
      const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      if (onTick) socket.on("tick", onTick);
      return { socket, call: () => socket.emitWithAck("echo", payload), close: () => socket.close() };
    };
    return {
      connect,
      async subscriber(onTick) {
        const conn = await connect(onTick);
        await conn.socket.emitWithAck("sub");
        return conn;
      },
      fire: (conn, n) => void (conn as any).socket.emit("fire", { n }),
    };
  },
  async trpc() {
    const { createTRPCClient, createWSClient, wsLink } = await import("@trpc/client");
    const connect = async () => {
      let resolveOpen!: () => void;
      const open = new Promise<void>((resolve) => (resolveOpen = resolve));
      const wsClient = createWSClient({ url, onOpen: () => resolveOpen() });
      const trpc = createTRPCClient<any>({ links: [wsLink({ client: wsClient })] }) as any;
      await open;
      return { trpc, call: () => trpc.echo.mutate(payload), close: () => wsClient.close() };
    };
    return {
      connect,
      async subscriber(onTick) {
        const conn = await connect();
        await new Promise<void>((resolve) => conn.trpc.ticks.subscribe(undefined, { onStarted: resolve, onData: onTick }));
        return conn;
      },
      fire: (conn, n) => void (conn as any).trpc.fire.mutate({ n }),
    };
  },
};

function rssBytes(pid: number): number {
  const kb = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1];
  return Number(kb) * 1024;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens `n` connections, `batch` at a time. */
async function connectMany<T>(n: number, open: () => Promise<T>, batch = 50): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch) out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, open))));
  return out;
}

/** Runs `fn` between two CPU readings of both processes. */
async function measured(fn: () => Promise<number>): Promise<{ ops: number; seconds: number; serverNs: number; clientNs: number }> {
  const s0 = cpuNs(serverPid);
  const c0 = cpuNs(process.pid);
  const t0 = performance.now();
  const ops = await fn();
  const seconds = (performance.now() - t0) / 1000;
  return { ops, seconds, serverNs: (cpuNs(serverPid) - s0) / ops, clientNs: (cpuNs(process.pid) - c0) / ops };
}

async function main(): Promise<Record<string, unknown>> {
  const sys = await systems[system!]!();
  switch (scenario) {
    case "latency": {
      const conn = await sys.connect();
      for (let i = 0; i < (params.warmup ?? 5_000); i++) await conn.call();
      const max = 500_000;
      const samples = new Float64Array(max);
      let n = 0;
      const m = await measured(async () => {
        const end = performance.now() + duration;
        while (n < max) {
          const t = performance.now();
          await conn.call();
          const now = performance.now();
          samples[n++] = now - t;
          if (now > end) break;
        }
        return n;
      });
      const sorted = samples.subarray(0, n).sort();
      conn.close();
      return { p50: sorted[Math.floor(n * 0.5)]! * 1000, p99: sorted[Math.floor(n * 0.99)]! * 1000, calls: n, serverNs: m.serverNs, clientNs: m.clientNs };
    }
    case "throughput": {
      const conns = await connectMany(params.conns ?? 1, () => sys.connect());
      const inflight = params.inflight ?? 64;
      const run = async (ms: number) => {
        const end = performance.now() + ms;
        let count = 0;
        const loop = async (conn: Conn) => {
          while (performance.now() < end) {
            await conn.call();
            count++;
          }
        };
        await Promise.all(conns.flatMap((conn) => Array.from({ length: inflight }, () => loop(conn))));
        return count;
      };
      await run(Math.min(1000, duration / 2)); // warm-up
      const m = await measured(() => run(duration));
      for (const conn of conns) conn.close();
      return { rate: m.ops / m.seconds, calls: m.ops, serverNs: m.serverNs, clientNs: m.clientNs };
    }
    case "fanout": {
      const subscribers = params.subscribers ?? 1_000;
      let received = 0;
      let target = 0;
      let done: (() => void) | undefined;
      const onTick = () => {
        if (++received >= target && done) done(), (done = undefined);
      };
      const subs = await connectMany(subscribers, () => sys.subscriber(onTick));
      const control = await sys.connect();
      // Publishes go in batches; a batch grows (up to 50 publishes) while it takes under 250 ms,
      // so slow systems are not stuck in one huge batch and fast ones are not limited by round trips.
      const maxBatch = params.batch ?? 50;
      let batch = 1;
      let lost = 0;
      const run = async (ms: number) => {
        const end = performance.now() + ms;
        let delivered = 0;
        for (let i = 0; i < 100_000 && performance.now() < end; i++) {
          const t = performance.now();
          received = 0;
          target = batch * subscribers;
          const all = new Promise<boolean>((resolve) => {
            done = () => resolve(true);
            setTimeout(() => resolve(false), 30_000);
          });
          sys.fire(control, batch);
          if (!(await all)) lost += target - received;
          delivered += received;
          if (performance.now() - t < 250 && batch < maxBatch) batch = Math.min(maxBatch, batch * 2);
        }
        return delivered;
      };
      await run(Math.min(1000, duration / 2));
      received = 0;
      const m = await measured(() => run(duration));
      control.close();
      for (const sub of subs) sub.close();
      return { rate: m.ops / m.seconds, deliveries: m.ops, lost, serverNs: m.serverNs, clientNs: m.clientNs };
    }
    case "server-calls": {
      if (system !== "chatter") throw new Error("server→client calls are measured for Chatter only");
      const conn = (await sys.connect()) as Conn & { client: any };
      const inflight = params.inflight ?? 64;
      const chunk = 20_000;
      await conn.client.call("drive", { n: chunk, inflight });
      const m = await measured(async () => {
        const end = performance.now() + duration;
        let n = 0;
        for (let i = 0; i < 10_000 && performance.now() < end; i++) {
          await conn.client.call("drive", { n: chunk, inflight });
          n += chunk;
        }
        return n;
      });
      conn.close();
      return { rate: m.ops / m.seconds, calls: m.ops, serverNs: m.serverNs, clientNs: m.clientNs };
    }
    case "memory": {
      const count = params.conns ?? 1_000;
      const gcRss = async () => {
        process.kill(serverPid, "SIGUSR2"); // the server runs a full GC
        await sleep(400);
        const xs = [];
        for (let i = 0; i < 3; i++) xs.push(rssBytes(serverPid)), await sleep(50);
        return xs.sort((a, b) => a - b)[1]!;
      };
      const first = await sys.connect();
      for (let i = 0; i < 200; i++) await first.call();
      const before = await gcRss();
      const conns = await connectMany(count, async () => {
        const conn = await sys.connect();
        await conn.call();
        return conn;
      });
      await sleep(300);
      const after = await gcRss();
      for (const conn of [first, ...conns]) conn.close();
      return { perConn: (after - before) / count, before, after };
    }
  }
  throw new Error(`unknown scenario ${scenario}`);
}

main().then(
  (result) => {
    console.log(`RESULT ${JSON.stringify(result)}`);
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
