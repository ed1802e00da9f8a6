// Calls across instances: `server.call` to a client on another instance (through Redis)
// against the same call to a client on the calling instance — p50 one at a time and calls/s
// with 64 in flight — and `server.callAll` over subscribers split across two instances:
// the time to collect every reply. Loopback only; starts its own redis-server in a temp dir
// and kills every child at the end.
//
//   bun bench/cluster-calls.ts [--calls 5000] [--subscribers 1000] [--rounds 20]
//
// Roles of this one file: the parent (default), `--instance` (a Chatter server with the
// Redis adapter) and `--clients URL N` (N raw sockets that answer `echo` and subscribe to "all").
import { Children, median, rawSocket } from "./processes.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};

if (args[0] === "--instance") await instance();
else if (args[0] === "--clients") await clients(args[1]!, Number(args[2]));
else await main();

async function instance() {
  const { z } = await import("zod");
  const { createSchema, createServer } = await import("../server/index.ts");
  const { createRedisAdapter } = await import("../redis/index.ts");
  const schema = createSchema({
    server: {
      whoami: { output: z.string() },
      subscribe: { input: z.object({ topic: z.string() }) },
      /** `n` calls to `id`: one at a time (the p50), then `inFlight` at once (calls/s). */
      calls: { input: z.object({ id: z.string(), n: z.number(), inFlight: z.number() }), output: z.object({ p50: z.number(), perSecond: z.number() }) },
      /** `rounds` callAlls to "all": ms to collect each, and the entries of the last. */
      callAll: { input: z.object({ rounds: z.number() }), output: z.object({ ms: z.array(z.number()), entries: z.number(), failed: z.number() }) },
    },
    client: { echo: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) } },
  });
  const adapter = createRedisAdapter({ url: process.env.REDIS_URL });
  const chatter = createServer({
    schema,
    adapter,
    procedures: {
      whoami: (_, client) => client.id,
      subscribe: ({ topic }, client) => client.subscribe(topic),
      async calls({ id, n, inFlight }) {
        const times: number[] = [];
        for (let i = 0; i < n; i++) {
          const started = performance.now();
          await chatter.call(id, "echo", { n: i });
          times.push(performance.now() - started);
        }
        const started = performance.now();
        let next = 0;
        await Promise.all(Array.from({ length: inFlight }, async () => {
          while (next < n) await chatter.call(id, "echo", { n: next++ });
        }));
        return { p50: median(times) * 1_000, perSecond: n / ((performance.now() - started) / 1_000) };
      },
      async callAll({ rounds }) {
        const ms: number[] = [];
        let last: { ok: boolean }[] = [];
        for (let i = 0; i < rounds; i++) {
          const started = performance.now();
          last = await chatter.callAll("all", "echo", { n: i }, { timeout: 10_000 });
          ms.push(performance.now() - started);
        }
        return { ms, entries: last.length, failed: last.filter((entry) => !entry.ok).length };
      },
    },
  });
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (chatter.upgrade(req, srv) ? undefined : new Response("no", { status: 400 })), websocket: chatter.handler });
  await adapter.ready(10_000);
  console.log(`port ${server.port}`);
  await Bun.stdin.stream().pipeTo(new WritableStream()).catch(() => {});
  process.exit(0);
}

/** `count` sockets that answer every `echo` with its input; each subscribes to "all", then prints its id. */
async function clients(url: string, count: number) {
  const ids = await Promise.all(
    Array.from({ length: count }, () => {
      const ws = new WebSocket(url);
      return new Promise<string>((resolve, reject) => {
        let id = "";
        ws.onopen = () => ws.send('[[0,1,"whoami"],[0,2,"subscribe",{"topic":"all"}]]');
        ws.onerror = () => reject(new Error("a client socket failed"));
        ws.onmessage = (event) => {
          const data = JSON.parse(event.data as string) as unknown[];
          for (const frame of (Array.isArray(data[0]) ? data : [data]) as unknown[][]) {
            if (frame[0] === 0) ws.send(JSON.stringify([2, frame[1], frame[3]]));
            else if (frame[0] === 2 && frame[1] === 1) id = frame[2] as string;
            else if (frame[0] === 2 && frame[1] === 2) resolve(id);
          }
        };
      });
    }),
  );
  console.log(`ids ${ids.join(",")}`);
  await Bun.stdin.stream().pipeTo(new WritableStream()).catch(() => {});
  process.exit(0);
}

async function main() {
  const calls = option("calls", 5_000);
  const subscribers = option("subscribers", 1_000);
  const rounds = option("rounds", 20);
  const children = new Children("cluster-calls");
  const redisUrl = await children.redis();
  const spawn = (cmd: string[], env: Record<string, string> = {}) => children.spawn(cmd, env).out;
  const expectLine = (out: AsyncIterator<string>, pattern: RegExp, what: string) => children.expectLine(out, pattern, what);
  const startInstance = async () => `ws://127.0.0.1:${(await expectLine(spawn([process.execPath, import.meta.path, "--instance"], { REDIS_URL: redisUrl }), /^port (\d+)/, "an instance"))[1]}`;
  const [A, B] = await Promise.all([startInstance(), startInstance()]);
  const startClients = async (url: string, n: number) => (await expectLine(spawn([process.execPath, import.meta.path, "--clients", url, String(n)]), /^ids (.*)/, "the clients"))[1]!.split(",");
  const [[local], [remote]] = await Promise.all([startClients(A, 1), startClients(B, 1)]);
  const control = await rawSocket(A);
  let ref = 10;
  const ask = (name: string, input: unknown) =>
    new Promise<any>((resolve) => {
      const id = ++ref;
      control.onmessage = (event) => {
        const frame = JSON.parse(event.data as string) as unknown[];
        if (frame[1] === id) resolve(frame[2]);
      };
      control.send(JSON.stringify([0, id, name, input]));
    });

  await ask("calls", { id: local, n: 500, inFlight: 64 }); // warm-up
  await ask("calls", { id: remote, n: 500, inFlight: 64 });
  const results = { local: [] as { p50: number; perSecond: number }[], remote: [] as { p50: number; perSecond: number }[] };
  for (let round = 0; round < 3; round++) {
    results.local.push(await ask("calls", { id: local, n: calls, inFlight: 64 }));
    results.remote.push(await ask("calls", { id: remote, n: calls, inFlight: 64 }));
  }
  const row = (name: string, r: { p50: number; perSecond: number }[]) => ({ name, p50: median(r.map((x) => x.p50)), perSecond: median(r.map((x) => x.perSecond)) });
  const [l, r] = [row("client on the calling instance", results.local), row("client on the other instance (Redis)", results.remote)];
  console.log(`\nserver.call: ${calls} calls to one client, one at a time (p50) and 64 in flight (calls/s), median of 3 rounds\n`);
  console.log("| target | p50 µs | calls/s | vs local |");
  console.log("| --- | ---: | ---: | ---: |");
  for (const x of [l, r]) console.log(`| ${x.name} | ${x.p50.toFixed(0)} | ${Math.round(x.perSecond).toLocaleString("en-US")} | ${(x.perSecond / l.perSecond).toFixed(2)}× |`);

  const half = Math.floor(subscribers / 2);
  await Promise.all([startClients(A, half - 1), startClients(B, subscribers - half - 1)]); // with the two above: `subscribers`
  const all = await ask("callAll", { rounds });
  console.log(`\nserver.callAll over ${all.entries} subscribers (${half} on the calling instance, the rest on the other), ${rounds} rounds\n`);
  console.log("| entries | failed | median ms to collect | min | max |");
  console.log("| ---: | ---: | ---: | ---: | ---: |");
  console.log(`| ${all.entries} | ${all.failed} | ${median(all.ms).toFixed(1)} | ${Math.min(...all.ms).toFixed(1)} | ${Math.max(...all.ms).toFixed(1)} |`);
  control.close();
  process.exit(0);
}

