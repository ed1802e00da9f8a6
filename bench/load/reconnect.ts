// 10,000 clients reconnecting after a server restart: the time until all are back and the
// peak connection rate (the jitter must spread it).
//   sh -c "ulimit -n 20000 && bun bench/load/reconnect.ts"   (N=10000 DOWN_MS=1000 ROUNDS=3)
// The clients are real Chatter clients with the default reconnect settings (250 ms doubling
// to 10 s, each delay jittered over its upper half); the server is killed with SIGKILL and
// started again on the same port after DOWN_MS.
import { createClient, type ChatterClient } from "../../client/index.ts";
import { schema } from "./schema.ts";
import { checkFdLimit, median, startServer } from "./util.ts";

const N = Number(process.env.N ?? 10_000);
const DOWN_MS = Number(process.env.DOWN_MS ?? 1_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
checkFdLimit(N + 500);

async function round() {
  let server = await startServer("chatter", { fds: N + 1_000 });
  const port = server.port;
  const opens: number[] = [];
  const clients: ChatterClient<typeof schema>[] = [];
  for (let i = 0; i < N; i++) {
    const client = createClient({ url: `ws://127.0.0.1:${port}`, schema, onError: () => {} });
    client.onStatus((status) => void (status === "open" && opens.push(performance.now())));
    clients.push(client);
    if (i % 500 === 499) await Bun.sleep(50); // the first connect, paced: not what is measured
  }
  while (clients.some((c) => c.status !== "open")) await Bun.sleep(50);

  opens.length = 0;
  await server.kill();
  const killedAt = performance.now();
  await Bun.sleep(DOWN_MS);
  server = await startServer("chatter", { port, fds: N + 1_000 });
  const restartedAt = performance.now();
  const deadline = restartedAt + 60_000;
  while (clients.some((c) => c.status !== "open") && performance.now() < deadline) await Bun.sleep(20);
  const back = clients.filter((c) => c.status === "open").length;
  const last = Math.max(...opens);
  const buckets = new Map<number, number>();
  for (const t of opens) buckets.set(Math.floor((t - restartedAt) / 100), (buckets.get(Math.floor((t - restartedAt) / 100)) ?? 0) + 1);
  const peak = Math.max(...buckets.values()) * 10;
  const ready = opens.map((t) => t - restartedAt).sort((a, b) => a - b);
  for (const client of clients) client.close();
  await server.kill();
  void killedAt;
  return { back, allBackMs: last - restartedAt, peak, p50: ready[ready.length >> 1]!, p90: ready[Math.floor(ready.length * 0.9)]!, buckets };
}

const results = [];
for (let r = 0; r < ROUNDS; r++) {
  const result = await round();
  results.push(result);
  const histogram = [...result.buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, n]) => `${b * 100}ms:${n}`).join(" ");
  console.log(
    `round ${r + 1}: ${result.back}/${N} back; all back ${result.allBackMs.toFixed(0)} ms after the restart (p50 ${result.p50.toFixed(0)}, p90 ${result.p90.toFixed(0)}); ` +
      `peak ${result.peak} connections/s (per 100 ms window)\n  opens per 100 ms after the restart: ${histogram}`,
  );
}
console.log(
  `\nmedian of ${ROUNDS} (N=${N}, down ${DOWN_MS} ms): all back in ${median(results.map((r) => r.allBackMs)).toFixed(0)} ms, ` +
    `peak ${median(results.map((r) => r.peak))} connections/s`,
);
process.exit(0);
