// One stream benchmark consumer: `bun bench/systems/streamClient.ts <system> <port> <serverPid> <json params>`
// (params: n, warmup, window). Reads a warm-up stream, then a measured one of `n` items,
// and prints `RESULT {rate, serverNs, clientNs}` (CPU per item of each process).
import { schema } from "./streamSchema.ts";
import { cpuNs } from "../processes.ts";

const { createClient } = (await import(`${process.env.CHATTER_ROOT ?? "../.."}/client/index.ts`)) as typeof import("../../client/index.ts");
const [system, port, pidArg, paramsArg] = process.argv.slice(2);
const url = `ws://127.0.0.1:${port}`;
const serverPid = Number(pidArg);
const { n, warmup, window } = JSON.parse(paramsArg!) as { n: number; warmup: number; window?: number };
setTimeout(() => {
  console.error(`client: ${system} gave up after 120 s`);
  process.exit(3);
}, 120_000).unref();

/** Opens a connection; its `read(n)` resolves with the count of items received once the stream ends. */
type Reader = { read(n: number): Promise<number>; close(): void };

const systems: Record<string, () => Promise<Reader>> = {
  async raw() {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
    return {
      read: (n) =>
        new Promise((resolve) => {
          let count = 0;
          ws.onmessage = (event) => {
            if (JSON.parse(event.data as string)[0] === 13) resolve(count);
            else count++;
          };
          ws.send(String(n));
        }),
      close: () => ws.close(),
    };
  },
  async chatter() {
    const client = createClient({ url, schema, heartbeat: false, reconnect: false });
    return {
      async read(n) {
        let count = 0;
        for await (const _ of client.stream("items", { n }, { window })) count++;
        return count;
      },
      close: () => client.close(),
    };
  },
  async trpc() {
    const { createTRPCClient, createWSClient, wsLink } = await import("@trpc/client");
    const { WebSocket } = await import("ws");
    const opened = Promise.withResolvers<void>();
    const wsClient = createWSClient({ url, WebSocket: WebSocket as any, onOpen: () => opened.resolve() });
    const trpc = createTRPCClient<any>({ links: [wsLink({ client: wsClient })] }) as any;
    await opened.promise;
    return {
      read: (n) =>
        new Promise((resolve, reject) => {
          let count = 0;
          const done = () => resolve(count);
          trpc.items.subscribe({ n }, { onData: () => count++, onStopped: done, onComplete: done, onError: reject });
        }),
      close: () => wsClient.close(),
    };
  },
};


const reader = await systems[system!]!();
if ((await reader.read(warmup)) !== warmup) throw new Error("the warm-up stream lost items");
const s0 = cpuNs(serverPid);
const c0 = cpuNs(process.pid);
const t0 = performance.now();
const count = await reader.read(n);
const seconds = (performance.now() - t0) / 1000;
if (count !== n) throw new Error(`${count} of ${n} items arrived`);
console.log(`RESULT ${JSON.stringify({ rate: n / seconds, serverNs: (cpuNs(serverPid) - s0) / n, clientNs: (cpuNs(process.pid) - c0) / n })}`);
reader.close();
process.exit(0);
