// `bun bench/streams.ts`: a one-way stream's items/s, side by side in one run: raw Bun (the
// same JSON frames in a send loop that honours backpressure), Chatter at windows 16/64/256
// and tRPC v11 subscriptions over its ws adapter. Each measurement starts a fresh server
// process (systems/streamServer.ts) and a separate consumer process (systems/streamClient.ts), loopback
// only: a warm-up stream, then `n` items `{ i, text }` counted as they arrive. Rounds are
// interleaved (the order rotates); the table shows medians and the ratios to raw Bun and to
// tRPC from this run, and each side's CPU per item. Raw Bun has no flow control; Chatter has
// at most `window` items in flight, so a small window is bound by round trips (each process
// waking the other up), not by CPU.
//
//   bun bench/streams.ts [--rounds 5] [--n 300000] [--systems raw,chatter16,chatter64,chatter256,trpc] [--baseline DIR]
//
// `--baseline DIR` adds "before" rows: Chatter from another copy of the repo (an A/B run).
import { spawn, type ChildProcess } from "node:child_process";
import { dirname } from "node:path";
import { firstLine } from "./processes.ts";

const here = dirname(new URL(import.meta.url).pathname);
const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const rounds = Number(option("rounds") ?? 5);
const n = Number(option("n") ?? 300_000);
const baseline = option("baseline");
const WINDOWS = [16, 64, 256];
const systems = option("systems")?.split(",") ?? ["raw", ...WINDOWS.map((w) => `chatter${w}`), "trpc"];
if (baseline) systems.push(...systems.filter((s) => s.startsWith("chatter")).map((s) => `before${s.slice(7)}`));
const name = (system: string) => {
  const window = Number(system.replace(/^\D+/, ""));
  if (system === "raw") return "raw Bun (backpressured send loop)";
  if (system === "trpc") return "tRPC v11 subscription (ws adapter, wsLink)";
  const who = system.startsWith("before") ? `Chatter from ${baseline}` : "Chatter";
  return `${who}, window ${window}${window === 64 ? " (default)" : ""}`;
};

const children = new Set<ChildProcess>();
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));

/** Starts `command` here and waits for its first stdout line starting with `prefix`. */
function line(command: string[], prefix: string, ms: number, env: NodeJS.ProcessEnv): { child: ChildProcess; found: Promise<string> } {
  const child = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "pipe", "pipe"], cwd: here, env });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return { child, found: firstLine(child, prefix, ms) };
}

async function measure(system: string): Promise<{ rate: number; serverNs: number; clientNs: number }> {
  const kind = system.replace(/\d+$/, "").replace("before", "chatter");
  const env = { ...process.env, CHATTER_ROOT: system.startsWith("before") ? baseline : undefined };
  const server = line([process.execPath, "systems/streamServer.ts", kind], "READY ", 15_000, env);
  try {
    const port = await server.found;
    const params = { n, warmup: Math.min(n, 50_000), window: Number(system.replace(/^\D+/, "")) || undefined };
    const client = line([process.execPath, "systems/streamClient.ts", kind, port, String(server.child.pid), JSON.stringify(params)], "RESULT ", 130_000, env);
    try {
      return JSON.parse(await client.found);
    } finally {
      client.child.kill("SIGKILL");
    }
  } finally {
    server.child.kill("SIGKILL");
  }
}

const results: Record<string, { rate: number; serverNs: number; clientNs: number }[]> = {};
console.log(`stream bench: ${n.toLocaleString()} items per run, ${rounds} interleaved rounds, server and consumer in separate processes`);
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < systems.length; i++) {
    const system = systems[(i + round) % systems.length]!;
    try {
      (results[system] ??= []).push(await measure(system));
    } catch (error) {
      console.error(`  ${system}: ${(error as Error).message}`);
    }
    process.stdout.write(".");
  }
  console.log(` round ${round + 1}/${rounds}`);
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
};
const med = (system: string, pick: "rate" | "serverNs" | "clientNs") => (results[system]?.length ? median(results[system]!.map((r) => r[pick])) : NaN);
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "—");
const k = (x: number) => (Number.isFinite(x) ? `${Math.round(x / 1000).toLocaleString()}k` : "—");
const spread = (system: string) => {
  const rates = results[system]?.map((r) => r.rate) ?? [];
  return rates.length ? `${k(Math.min(...rates))}–${k(Math.max(...rates))}` : "—";
};
console.log(`\n| system | items/s (median) | range | vs raw Bun | vs tRPC | CPU/item server · consumer |\n| --- | ---: | ---: | ---: | ---: | ---: |`);
for (const system of systems) {
  const rate = med(system, "rate");
  const cpu = `${Math.round(med(system, "serverNs"))} · ${Math.round(med(system, "clientNs"))} ns`;
  console.log(`| ${name(system)} | ${k(rate)} | ${spread(system)} | ${ratio(rate, med("raw", "rate"))} | ${ratio(rate, med("trpc", "rate"))} | ${cpu} |`);
}
process.exit(0);
