// 10,000 connections held: the server's RSS per connection, Chatter against raw Bun.
//   sh -c "ulimit -n 20000 && bun bench/load/connections.ts"   (N=10000 ROUNDS=3)
// Each connection sends one message and gets its answer (an echo for raw Bun, a `ping`
// call for Chatter), then all are held while the server's RSS is read.
import { checkFdLimit, kb, mb, median, rssOf, startServer } from "./util.ts";

const N = Number(process.env.N ?? 10_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
checkFdLimit(N + 500);

async function hold(mode: "raw" | "chatter") {
  const server = await startServer(mode, { fds: N + 1_000 });
  await Bun.sleep(500);
  const before = rssOf(server.pid);
  const url = `ws://127.0.0.1:${server.port}`;
  const sockets: WebSocket[] = [];
  const started = performance.now();
  for (let i = 0; i < N; i += 500) {
    const batch = Array.from({ length: Math.min(500, N - i) }, () => {
      const ws = new WebSocket(url);
      sockets.push(ws);
      return new Promise<void>((resolve, reject) => {
        ws.onopen = () => ws.send(mode === "raw" ? "[5]" : '[0,1,"ping"]');
        ws.onmessage = () => resolve();
        ws.onerror = () => reject(new Error("connection failed"));
      });
    });
    await Promise.all(batch);
  }
  const openMs = performance.now() - started;
  await Bun.sleep(1_000);
  const after = rssOf(server.pid);
  for (const ws of sockets) ws.close();
  await server.kill();
  return { before, after, perConnection: (after - before) / N, openMs };
}

const results: Record<string, Awaited<ReturnType<typeof hold>>[]> = { raw: [], chatter: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const mode of ["raw", "chatter"] as const) {
    const r = await hold(mode);
    results[mode]!.push(r);
    console.log(`round ${round + 1} ${mode.padEnd(7)}: rss ${mb(r.before)} → ${mb(r.after)}, ${kb(r.perConnection)}/connection, ${N} opened in ${r.openMs.toFixed(0)} ms`);
  }
}
const raw = median(results.raw!.map((r) => r.perConnection));
const chatter = median(results.chatter!.map((r) => r.perConnection));
console.log(
  `\nmedian of ${ROUNDS}: raw Bun ${kb(raw)}/connection (rss ${mb(median(results.raw!.map((r) => r.after)))} at ${N}), ` +
    `Chatter ${kb(chatter)}/connection (rss ${mb(median(results.chatter!.map((r) => r.after)))}); Chatter's overhead ${kb(chatter - raw)}/connection`,
);
process.exit(0);
