// Fan-out through Redis: deliveries per second when one server publishes a burst to a
// topic's subscribers, for one instance against two instances sharing the subscribers
// through the Redis adapter (plus one instance with the adapter and no peer, the
// adapter's own cost; and two instances with `recovery` across them, each publish numbered
// and appended to the instance's log in Redis). One run, rounds interleaved, medians. Loopback only; starts its
// own redis-server in a temp dir and kills every child at the end.
//
//   bun bench/redis-fanout.ts [--subscribers 200] [--messages 2000] [--rounds 5] [--json out.json]
//
// Roles of this one file: the parent (default), `--instance` (a Chatter server) and
// `--receiver URL SOCKETS` (subscribed sockets that count frames).
import { writeFileSync } from "node:fs";
import { Children, lines, median, rawSocket } from "./processes.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const TOPIC = "fanout";
const TEXT = "x".repeat(80); // a chat-sized message: the frame is ~110 bytes

if (args[0] === "--instance") await instance();
else if (args[0] === "--receiver") await receiver(args[1]!, Number(args[2]));
else await main();

/** A Chatter server; with REDIS_URL, through the Redis adapter. Prints its port when ready. */
async function instance() {
  const { z } = await import("zod");
  const { createSchema, createServer } = await import("../server/index.ts");
  const { createRedisAdapter } = await import("../redis/index.ts");
  const schema = createSchema({
    server: { subscribe: { input: z.object({ topic: z.string() }) }, burst: { input: z.object({ count: z.number() }), output: z.number() } },
    client: { deliver: { input: z.object({ n: z.number(), text: z.string() }) } },
  });
  const adapter = process.env.REDIS_URL ? createRedisAdapter({ url: process.env.REDIS_URL, prefix: process.env.PREFIX }) : undefined;
  const chatter = createServer({
    schema,
    adapter,
    recovery: process.env.RECOVERY ? { window: 120_000 } : undefined,
    backpressureLimit: 16 * 1_048_576,
    procedures: {
      subscribe: ({ topic }, client) => client.subscribe(topic),
      /** Answers the milliseconds the publishing instance spent in the loop (validate, encode, publish, forward). */
      burst({ count }) {
        const started = performance.now();
        for (let n = 0; n < count; n++) chatter.publish(TOPIC, "deliver", { n, text: TEXT });
        return performance.now() - started;
      },
    },
  });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => (chatter.upgrade(req, srv) ? undefined : new Response("no", { status: 400 })),
    websocket: chatter.handler,
  });
  await adapter?.ready(10_000);
  console.log(`port ${server.port}`);
  await Bun.stdin.stream().pipeTo(new WritableStream()).catch(() => {});
  process.exit(0);
}

/** `sockets` subscribers; on "expect N" from stdin, prints "done" once they have received N frames since they started. */
async function receiver(url: string, sockets: number) {
  let count = 0;
  let expected = Infinity;
  const check = () => {
    if (count >= expected) (expected = Infinity), console.log("done");
  };
  await Promise.all(
    Array.from({ length: sockets }, (_, i) => {
      const ws = new WebSocket(url);
      return new Promise<void>((resolve, reject) => {
        ws.onopen = () => {
          ws.send("[7,null]"); // HELLO: a server with recovery waits for it, one without answers it
          ws.send(JSON.stringify([0, 1, "subscribe", { topic: TOPIC }]));
        };
        ws.onerror = () => reject(new Error(`receiver socket ${i} failed`));
        ws.onclose = (event) => event.code !== 1000 && console.error(`receiver socket ${i} closed ${event.code} ${event.reason}`);
        ws.onmessage = (event) => {
          const data = event.data as string;
          if (data.startsWith("[1,") || data.startsWith("[15,")) return void (count++, check()); // a publish, or one numbered for recovery
          if (data.startsWith("[2,1")) resolve();
        };
      });
    }),
  );
  console.log("ready");
  for await (const line of lines(Bun.stdin.stream())) {
    const n = /^expect (\d+)/.exec(line)?.[1];
    if (n) (expected = Number(n)), check(); // a total, never reset: frames may beat this line
  }
  process.exit(0);
}

async function main() {
  const subscribers = option("subscribers", 200);
  const messages = option("messages", 2_000);
  const rounds = option("rounds", 5);
  const children = new Children("redis-fanout");
  const spawn = (cmd: string[], env: Record<string, string> = {}) => children.spawn(cmd, env);
  const expectLine = (out: AsyncIterator<string>, pattern: RegExp, what: string) => children.expectLine(out, pattern, what);
  const redisUrl = await children.redis();

  const startInstance = async (env: Record<string, string>) => {
    const { out } = spawn([process.execPath, import.meta.path, "--instance"], env);
    const port = Number((await expectLine(out, /^port (\d+)/, "an instance"))[1]);
    return `ws://127.0.0.1:${port}`;
  };
  const startReceiver = async (url: string, sockets: number) => {
    const { child, out } = spawn([process.execPath, import.meta.path, "--receiver", url, String(sockets)]);
    await expectLine(out, /^ready/, "a receiver");
    let total = 0;
    return {
      async expect(n: number) {
        total += n;
        child.stdin.write(`expect ${total}\n`);
        child.stdin.flush();
        await expectLine(out, /^done/, "a receiver");
      },
    };
  };

  const half = Math.floor(subscribers / 2);
  const single = await startInstance({});
  const alone = await startInstance({ REDIS_URL: redisUrl, PREFIX: "alone:" }); // must not hear the pair
  const [a, b] = [await startInstance({ REDIS_URL: redisUrl }), await startInstance({ REDIS_URL: redisUrl })];
  const recovering = { REDIS_URL: redisUrl, PREFIX: "recovery:", RECOVERY: "1" };
  const [ra, rb] = [await startInstance(recovering), await startInstance(recovering)];
  const setups = [
    { name: "1 instance, no adapter", publisher: single, receivers: [await startReceiver(single, half), await startReceiver(single, subscribers - half)] },
    { name: "1 instance + Redis adapter", publisher: alone, receivers: [await startReceiver(alone, half), await startReceiver(alone, subscribers - half)] },
    { name: "2 instances through Redis", publisher: a, receivers: [await startReceiver(a, half), await startReceiver(b, subscribers - half)] },
    { name: "2 instances, recovery across them", publisher: ra, receivers: [await startReceiver(ra, half), await startReceiver(rb, subscribers - half)] },
  ];
  const counts = [half, subscribers - half];

  const publishers = await Promise.all(setups.map((setup) => rawSocket(setup.publisher)));
  for (const socket of publishers) socket.send("[7,null]");
  await Bun.sleep(200); // the HELLO answers, before the rounds listen for theirs
  const results = setups.map(() => [] as number[]);
  const loops = setups.map(() => [] as number[]); // µs per publish on the publishing instance
  for (let round = -1; round < rounds; round++) {
    for (let i = 0; i < setups.length; i++) {
      const at = (i + Math.max(round, 0)) % setups.length; // rotate the order
      const setup = setups[at]!;
      const done = Promise.all(setup.receivers.map((r, j) => r.expect(counts[j]! * messages)));
      const publisher = publishers[at]!;
      const answered = new Promise<number>((resolve) => (publisher.onmessage = (event) => resolve(Number(JSON.parse(event.data as string)[2]))));
      const started = performance.now();
      publisher.send(JSON.stringify([0, round + 2, "burst", { count: messages }]));
      await done;
      const seconds = (performance.now() - started) / 1_000;
      const loopMs = await answered;
      if (round >= 0) results[at]!.push((subscribers * messages) / seconds), loops[at]!.push((loopMs * 1_000) / messages);
      await Bun.sleep(100);
    }
  }

  const medians = results.map(median);
  const base = medians[0]!;
  console.log(`\nFan-out: ${messages} server publishes to ${subscribers} subscribers (${subscribers * messages} deliveries a round), median of ${rounds} rounds\n`);
  console.log("| setup | deliveries/s (median) | ratio | rounds (k/s) | publish loop, µs/publish (median) |");
  console.log("| --- | ---: | ---: | --- | ---: |");
  setups.forEach((setup, i) =>
    console.log(
      `| ${setup.name} | ${Math.round(medians[i]!).toLocaleString("en-US")} | ${(medians[i]! / base).toFixed(2)} | ${results[i]!.map((r) => Math.round(r / 1_000)).join(", ")} | ${median(loops[i]!).toFixed(2)} |`,
    ),
  );
  const jsonAt = args.indexOf("--json");
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1]!, JSON.stringify({ subscribers, messages, rounds, setups: setups.map((s, i) => ({ name: s.name, median: medians[i], rounds: results[i], loopMicros: median(loops[i]!) })) }, null, 2));
  for (const socket of publishers) socket.close();
  process.exit(0);
}

