// Shared by the load benchmarks: start the server process (with a raised fd limit), read
// a process's RSS, and make sure every child dies with the benchmark.
import type { Subprocess } from "bun";

const children = new Set<Subprocess>();
const killAll = () => {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {}
  }
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => (killAll(), process.exit(130)));

/** Starts `bench/load/server.ts <mode>` under `ulimit -n <fds>`; resolves with its port and pid. */
export async function startServer(mode: "raw" | "chatter", options: { port?: number; fds?: number } = {}) {
  const script = `${import.meta.dir}/server.ts`;
  const proc = Bun.spawn(["sh", "-c", `ulimit -n ${options.fds ?? 20_000} && exec "${process.execPath}" "${script}" ${mode}`], {
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, PORT: String(options.port ?? 0) },
  });
  children.add(proc);
  const reader = proc.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 15_000;
  while (!/READY (\d+) (\d+)/.test(out)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => null)]);
    if (!chunk || chunk.done) throw new Error(`server did not start: ${out}`);
    out += new TextDecoder().decode(chunk.value);
  }
  reader.releaseLock();
  const [, port, pid] = out.match(/READY (\d+) (\d+)/)!;
  return {
    proc,
    port: Number(port),
    pid: Number(pid),
    kill: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
      children.delete(proc);
    },
  };
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) * 1024;
}

export const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Raises this process's own fd limit is not possible from Bun: run the benchmark as `sh -c "ulimit -n 20000 && bun …"`. */
export function checkFdLimit(needed: number): void {
  const limit = Number(Bun.spawnSync(["sh", "-c", "ulimit -n"]).stdout.toString().trim());
  if (limit < needed) {
    console.error(`This benchmark needs ${needed} file descriptors; the limit is ${limit}. Run it as:\n  sh -c "ulimit -n 20000 && bun ${process.argv[1]}"`);
    process.exit(1);
  }
}
