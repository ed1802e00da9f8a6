// What the multi-process benchmarks share (run.ts, streams.ts, redis-fanout.ts,
// cluster-calls.ts): child processes killed on exit, reading their stdout line by line or
// to the first line with a prefix, a redis-server of their own in a temp dir, and medians.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import type { Subprocess } from "bun";

/** Children of this benchmark, all SIGKILLed (and the temp dirs removed) when it exits. */
export class Children {
  private readonly all: Subprocess[] = [];
  private readonly dirs: string[] = [];

  constructor(private readonly bench: string) {
    process.on("exit", () => {
      for (const child of this.all.reverse()) child.kill("SIGKILL"); // the servers before their Redis: no "Redis is down" on the way out
      for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    });
    process.once("SIGINT", () => process.exit(130));
  }

  /** Starts `cmd` with stdin open (it exits when stdin closes) and its stdout as lines. */
  spawn(cmd: string[], env: Record<string, string> = {}) {
    const child = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
    this.all.push(child);
    return { child, out: lines(child.stdout) };
  }

  /** The first line of `out` matching `pattern`; throws after 60 s. */
  async expectLine(out: AsyncIterator<string>, pattern: RegExp, what: string): Promise<RegExpExecArray> {
    const timeout = Bun.sleep(60_000).then(() => ({ done: true, value: undefined }) as const);
    for (;;) {
      const next = await Promise.race([out.next(), timeout]);
      if (next.done) throw new Error(`${this.bench}: ${what} did not answer`);
      const match = pattern.exec(next.value);
      if (match) return match;
    }
  }

  /** A redis-server on a free port with no persistence; exits the benchmark (status 1) without one. */
  async redis(): Promise<string> {
    const binary = Bun.which("redis-server");
    if (!binary) {
      console.error(`${this.bench}: SKIPPED — redis-server is not installed (apt-get install redis-server)`);
      process.exit(1);
    }
    const dir = mkdtempSync(join(tmpdir(), "chatter-bench-redis-"));
    this.dirs.push(dir);
    const port = freePort();
    this.all.push(Bun.spawn([binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdout: "ignore", stderr: "ignore" }));
    const url = `redis://127.0.0.1:${port}`;
    const end = Date.now() + 5_000;
    while (Date.now() < end) {
      const client = new Bun.RedisClient(url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 });
      try {
        await client.connect();
        client.close();
        return url;
      } catch {
        await Bun.sleep(20);
      }
    }
    throw new Error(`${this.bench}: redis-server did not start`);
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function rawSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  return ws;
}

export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
    }
  }
}

/** Resolves with the rest of `child`'s first stdout line that starts with `prefix`; rejects on exit or after `ms`. */
export function firstLine(child: ChildProcess, prefix: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`no "${prefix}" within ${ms} ms; stderr: ${err.slice(-500)}`)), ms);
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const found = out.split("\n").find((l) => l.startsWith(prefix));
      if (found) clearTimeout(timer), resolve(found.slice(prefix.length).trim());
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      const tail = err.length > 1600 ? `${err.slice(0, 800)} … ${err.slice(-800)}` : err;
      reject(new Error(`exited with ${code} before "${prefix}"; stderr: ${tail}`));
    });
  });
}

/** CPU time (ns) of every thread of a process so far. */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {} // a thread that just ended
  }
  return total;
}
