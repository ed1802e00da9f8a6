// The JavaScript cost of Chatter alone, in one process, no sockets: a client and a server
// connection wired back to back (each frame delivered in a later microtask). The socket
// benchmarks (run.ts) are dominated by syscalls and by the machine's noise; this isolates
// the part an optimisation of core/ can change. `CHATTER_ROOT=dir` measures another copy of the repo.
//
//   bun bench/micro.ts [--rounds 5] [--calls 200000]
export {};

const root = process.env.CHATTER_ROOT ?? "..";
const { createServer } = (await import(`${root}/server/index.ts`)) as typeof import("../server/index.ts");
const { createClient } = (await import(`${root}/client/index.ts`)) as typeof import("../client/index.ts");
const { schema, payload } = await import("./micro-schema.ts");

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = option("rounds", 5);
const calls = option("calls", 200_000);

let onTick = () => {};
const server = createServer({
  schema,
  maxCallsInFlight: 10_000,
  procedures: {
    echo: (input) => input,
    sub: () => {},
    fire: () => {},
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

// A fake Bun socket for the server side and a fake WebSocket for the client side.
let toClient: (data: string) => void = () => {};
const serverWs = {
  data: undefined as unknown,
  remoteAddress: "127.0.0.1",
  send(data: string) {
    queueMicrotask(() => toClient(data));
    return data.length;
  },
  publish: () => 0,
  subscribe() {},
  unsubscribe() {},
  isSubscribed: () => false,
  close() {},
  cork: (fn: () => void) => fn(),
};
const fakeServer = {
  upgrade(_req: Request, options?: { data?: unknown }) {
    serverWs.data = options?.data;
    return true;
  },
  publish: () => 0,
};
server.upgrade(new Request("http://127.0.0.1/", { headers: { upgrade: "websocket" } }), fakeServer as any);
server.handler.open(serverWs);

class FakeWebSocket {
  readyState = 0;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  constructor(_url: string) {
    toClient = (data) => this.onmessage?.({ data });
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }
  send(data: string) {
    queueMicrotask(() => server.handler.message(serverWs, data));
  }
  close() {}
}

const client = createClient({ url: "ws://fake", schema, WebSocket: FakeWebSocket as any, heartbeat: false, reconnect: false, procedures: { tick: () => onTick(), echo: (x) => x } });
await client.call("sub");

async function callsPerSecond(n: number, inflight: number): Promise<number> {
  let left = n;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (left-- > 0) await client.call("echo", payload);
    }),
  );
  return performance.now() - t;
}

const tickFrame = JSON.stringify([1, "tick", payload]);
function deliveries(n: number): number {
  let got = 0;
  onTick = () => void got++;
  const t = performance.now();
  for (let i = 0; i < n; i++) toClient(tickFrame);
  if (got !== n) throw new Error(`delivered ${got} of ${n}`);
  return performance.now() - t;
}

const results: Record<string, number[]> = { "c→s call, 64 in flight": [], "c→s call, 1 in flight": [], "s→c call, 64 in flight": [], "publish delivery (client side)": [] };
await callsPerSecond(20_000, 64);
await client.call("drive", { n: 20_000, inflight: 64 });
deliveries(100_000);
for (let round = 0; round < rounds; round++) {
  results["c→s call, 64 in flight"]!.push(((await callsPerSecond(calls, 64)) * 1e6) / calls);
  results["c→s call, 1 in flight"]!.push(((await callsPerSecond(calls / 4, 1)) * 1e6) / (calls / 4));
  let t = performance.now();
  await client.call("drive", { n: calls, inflight: 64 });
  results["s→c call, 64 in flight"]!.push(((performance.now() - t) * 1e6) / calls);
  results["publish delivery (client side)"]!.push((deliveries(calls) * 1e6) / calls);
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(34)} ${median(xs).toFixed(0).padStart(6)} ns (both ends, median of ${xs.length})`);
client.close();
process.exit(0);
