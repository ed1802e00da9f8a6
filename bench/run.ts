// `npm run bench`: Chatter side by side with raw Bun, birpc, Socket.IO and tRPC.
// Each measurement starts a fresh server process and a separate load-generator process;
// rounds are interleaved (the system order rotates) and the table shows medians and
// ratios to raw Bun from this run. Loopback only; every child is killed at the end.
// Then the costs before the first frame: the type check (typecheck.ts) and the browser
// bundle (bundle.ts), next to the peers; streams (streams.ts) and calls across instances (cluster-calls.ts).
//
//   bun bench/run.ts [--quick] [--rounds N] [--seconds S] [--systems raw,chatter,...] [--scenarios p50,...,types,bundle,streams,cluster] [--json out.json]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { bundleTable } from "./bundle.ts";
import { firstLine } from "./processes.ts";
import { typecheckTable } from "./typecheck.ts";

const here = dirname(new URL(import.meta.url).pathname);
const bun = process.execPath;
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};

const quick = flag("quick");
const rounds = Number(option("rounds") ?? (quick ? 1 : 3));
const seconds = Number(option("seconds") ?? (quick ? 0.5 : 2));
const ALL = ["raw", "chatter", "recovery", "birpc", "socketio", "trpc"] as const;
const systems = (option("systems")?.split(",") ?? [...ALL]) as string[];
const NAMES: Record<string, string> = {
  raw: "raw Bun (the limit)",
  chatter: "Chatter",
  recovery: "Chatter, recovery on",
  birpc: "birpc over Bun",
  socketio: "Socket.IO v4 acks",
  trpc: "tRPC v11 ws",
};
const pinned = spawnSync("taskset", ["-c", "0", "true"]).status === 0;

interface Scenario {
  key: string;
  title: string;
  scenario: string;
  params: Record<string, number>;
  /** Client and server on one core (latency): across cores this VM adds scheduler wake-ups. */
  pin?: boolean;
  only?: string[];
  /** The column's figure from a result. */
  pick: (r: any) => number;
  unit: string;
  /** Higher is better (throughputs) or lower (latency, memory). */
  higher: boolean;
}

const scenarios: Scenario[] = [
  { key: "p50", title: "p50 latency, 1 in flight", scenario: "latency", params: { seconds, warmup: quick ? 1_000 : 5_000 }, pin: true, pick: (r) => r.p50, unit: "µs", higher: false },
  { key: "tput64", title: "calls/s, 1 conn × 64", scenario: "throughput", params: { seconds, conns: 1, inflight: 64 }, pick: (r) => r.rate, unit: "/s", higher: true },
  { key: "tput100", title: "calls/s, 100 conns × 8", scenario: "throughput", params: { seconds, conns: 100, inflight: 8 }, pick: (r) => r.rate, unit: "/s", higher: true },
  { key: "fan1k", title: "fan-out deliveries/s, 1,000 subs", scenario: "fanout", params: { seconds, subscribers: 1_000 }, pick: (r) => r.rate, unit: "/s", higher: true },
  ...(quick
    ? []
    : [{ key: "fan10k", title: "fan-out deliveries/s, 10,000 subs", scenario: "fanout", params: { seconds, subscribers: 10_000 }, pick: (r: any) => r.rate, unit: "/s", higher: true }]),
  { key: "s2c", title: "server→client calls/s, 1 conn × 64", scenario: "server-calls", params: { seconds, inflight: 64 }, only: ["chatter", "before"], pick: (r) => r.rate, unit: "/s", higher: true },
  { key: "mem", title: "server bytes per idle conn", scenario: "memory", params: { conns: quick ? 500 : 5_000 }, pick: (r) => r.perConn, unit: "B", higher: false },
];
const chosen = option("scenarios")?.split(",");
const active = scenarios.filter((s) => !chosen || chosen.includes(s.key));
const wants = (key: string) => !chosen || chosen.includes(key);

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const child of children) child.kill("SIGKILL");
};
process.on("exit", killAll);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

function start(command: string[], pin: boolean): ChildProcess {
  const argv = pin && pinned ? ["taskset", "-c", "0", ...command] : command;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], cwd: here });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

// `--baseline DIR` adds "before": Chatter from another copy of the repo (A/B of an optimisation),
// e.g. `git archive <commit> | tar -x -C DIR`.
const baseline = option("baseline");
if (baseline && !systems.includes("before")) systems.splice(systems.indexOf("chatter") + 1, 0, "before");
NAMES.before = `Chatter from ${baseline}`;

/** Chatter with `recovery` on costs something per publish and per connection only: the other rows would repeat Chatter's. */
const RECOVERY_ROWS = ["fan1k", "fan10k", "mem"];

async function measure(name: string, s: Scenario): Promise<any> {
  const system = name === "before" || name === "recovery" ? "chatter" : name;
  if (name === "before") process.env.CHATTER_ROOT = baseline;
  else delete process.env.CHATTER_ROOT;
  if (name === "recovery") process.env.CHATTER_RECOVERY = "1";
  else delete process.env.CHATTER_RECOVERY;
  const server = start([bun, "systems/server.ts", system], !!s.pin);
  try {
    const port = await firstLine(server, "READY ", 15_000);
    const client = start([bun, "systems/client.ts", system, s.scenario, port, String(server.pid), JSON.stringify(s.params)], !!s.pin);
    try {
      return JSON.parse(await firstLine(client, "RESULT ", 170_000));
    } finally {
      client.kill("SIGKILL");
    }
  } finally {
    server.kill("SIGKILL");
  }
}

const results: Record<string, Record<string, any[]>> = {};
const started = performance.now();
console.log(`chatter bench: ${rounds} round(s), ${seconds} s per measurement${quick ? " (quick)" : ""}, latency ${pinned ? "pinned to core 0 (taskset)" : "unpinned (no taskset)"}`);
for (let round = 0; active.length && round < rounds; round++) {
  const order = systems.map((_, i) => systems[(i + round) % systems.length]!);
  for (const s of active) {
    for (const system of order) {
      if (s.only && !s.only.includes(system)) continue;
      if (system === "recovery" && !RECOVERY_ROWS.includes(s.key)) continue;
      let result: any;
      const t0 = performance.now();
      try {
        result = await measure(system, s);
        result.wall = (performance.now() - t0) / 1000;
      } catch (error) {
        result = { error: String((error as Error).message ?? error).slice(0, 2000) };
        console.error(`  ${system} ${s.key}: ${result.error}`);
      }
      ((results[system] ??= {})[s.key] ??= []).push(result);
      process.stdout.write(".");
    }
  }
  console.log(` round ${round + 1}/${rounds} done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

const median = (xs: number[]) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
};
const med = (system: string, key: string, pick: (r: any) => number) => median((results[system]?.[key] ?? []).filter((r) => !r.error).map(pick));

function fmt(x: number, unit: string): string {
  if (!Number.isFinite(x)) return "—";
  if (unit === "µs") return `${x.toFixed(1)} µs`;
  if (unit === "B") return x >= 1024 ? `${(x / 1024).toFixed(1)} kB` : `${x.toFixed(0)} B`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)}k`;
  return x.toFixed(0);
}

// The table: raw figures on the first row, ratios to raw below (×, where lower latency/memory is better).
const cols = active.filter((s) => s.key !== "s2c");
const header = ["system", ...cols.map((s) => s.title)];
const rows: string[][] = [];
for (const system of systems) {
  const row = [NAMES[system] ?? system];
  for (const s of cols) {
    const v = med(system, s.key, s.pick);
    if (system === "raw") row.push(fmt(v, s.unit));
    else {
      const base = med("raw", s.key, s.pick);
      row.push(Number.isFinite(v) && Number.isFinite(base) ? `${(v / base).toFixed(2)}× (${fmt(v, s.unit)})` : fmt(v, s.unit));
    }
  }
  rows.push(row);
}
const table = [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
if (cols.length) console.log(`\n${table}\n`);
if (cols.length && systems.includes("raw")) console.log("Ratios are to raw Bun in this run: higher is better for calls/s and deliveries/s, lower for latency and memory.");

// p99 and CPU per call: which side pays.
const lines: string[] = [];
for (const system of systems) {
  const parts: string[] = [];
  const p99 = med(system, "p50", (r) => r.p99);
  if (Number.isFinite(p99)) parts.push(`p99 ${p99.toFixed(1)} µs`);
  for (const s of active.filter((s) => s.key !== "mem")) {
    const sv = med(system, s.key, (r) => r.serverNs);
    const cv = med(system, s.key, (r) => r.clientNs);
    if (Number.isFinite(sv)) parts.push(`${s.key} cpu/op server ${(sv / 1000).toFixed(2)} µs client ${(cv / 1000).toFixed(2)} µs`);
  }
  lines.push(`${NAMES[system] ?? system}: ${parts.join("; ")}`);
}
const s2c = med("chatter", "s2c", (r) => r.rate);
const c2s = med("chatter", "tput64", (r) => r.rate);
const s2cBefore = med("before", "s2c", (r) => r.rate);
if (Number.isFinite(s2cBefore)) lines.push(`Chatter before: server→client calls/s ${fmt(s2cBefore, "/s")}`);
if (Number.isFinite(s2c)) lines.push(`Chatter server→client calls/s, 1 conn × 64: ${fmt(s2c, "/s")} = ${(s2c / c2s).toFixed(2)}× its client→server calls/s`);
if (active.length) console.log(lines.join("\n"));
const lost = Object.entries(results).flatMap(([system, r]) => Object.values(r).flat().filter((x) => x.lost).map((x) => `${system}: ${x.lost} lost`));
if (lost.length) console.log(`deliveries lost: ${lost.join(", ")}`);
const failures = Object.entries(results).flatMap(([system, r]) => Object.entries(r).flatMap(([key, xs]) => xs.filter((x) => x.error).map(() => `${system}/${key}`)));
if (failures.length) console.log(`failed measurements: ${failures.join(", ")}`);
if (wants("types")) console.log(`\n${typecheckTable(quick ? [50, 200] : [50, 200, 500, 1_000], quick ? 1 : 3)}`);
if (wants("bundle")) console.log(`\n${bundleTable()}`);
// Streams (items/s against raw Bun and tRPC subscriptions), and calls across instances
// (server.call, callAll through Redis): processes of their own.
if (wants("streams")) spawnSync(bun, [join(here, "streams.ts"), ...(quick ? ["--n", "50000", "--rounds", "1"] : [])], { stdio: "inherit", cwd: here });
if (wants("cluster")) spawnSync(bun, [join(here, "cluster-calls.ts"), ...(quick ? ["--calls", "1000", "--rounds", "5"] : [])], { stdio: "inherit" });
const json = option("json");
if (json) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), rounds, seconds, pinned, results }, null, 2));
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
killAll();
process.exit(0);
