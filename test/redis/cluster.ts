// A real redis-server and Chatter instances as child processes, all on 127.0.0.1,
// for the multi-instance tests. Every child is killed by `stopAll`, and on exit.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const redisBinary = Bun.which("redis-server");

const children = new Set<Subprocess>();
const dirs: string[] = [];
const killChildren = () => {
  for (const child of children) child.kill("SIGKILL");
};
process.on("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

export async function stopAll(): Promise<void> {
  for (const child of children) child.kill("SIGKILL");
  await Promise.all([...children].map((child) => child.exited));
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export async function until(predicate: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export class Redis {
  private process: Subprocess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "chatter-redis-"));
  readonly port = freePort();
  readonly url = `redis://127.0.0.1:${this.port}`;

  constructor() {
    dirs.push(this.dir);
  }

  async start(): Promise<void> {
    if (!redisBinary) throw new Error("redis-server is not installed");
    const child = Bun.spawn(
      [redisBinary, "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir],
      { stdout: "ignore", stderr: "ignore" },
    );
    children.add(child);
    this.process = child;
    await until(() => this.ping(), 5_000, `redis-server on port ${this.port}`);
  }

  /** SIGKILL: no goodbye to its clients, as in a crash. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    child.kill("SIGKILL");
    await child.exited;
    children.delete(child);
  }

  /** Runs one command on a fresh connection; undefined when Redis is unreachable. */
  async command(name: string, args: string[] = []): Promise<unknown> {
    const client = new Bun.RedisClient(this.url, { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 500 });
    try {
      await client.connect();
      return await client.send(name, args);
    } catch {
      return undefined;
    } finally {
      client.close();
    }
  }

  private async ping(): Promise<boolean> {
    return (await this.command("PING")) === "PONG";
  }

  /** How many connections subscribe to the topic's channel (one per interested instance). */
  async subscribers(topic: string): Promise<number> {
    const reply = (await this.command("PUBSUB", ["NUMSUB", `chatter:${topic}`])) as [string, number] | undefined;
    return Number(reply?.[1] ?? -1);
  }
}

export interface Instance {
  readonly port: number;
  readonly url: string;
  stats(): Promise<{ id: string; status: string; stats: Record<string, number>; faults: string[] }>;
  kill(): void;
}

/** Starts `script` (a fixture in this folder that calls `serve` of instance.ts) as one instance. */
export async function startInstance(redisUrl: string, env: Record<string, string> = {}, script = "instance.ts"): Promise<Instance> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, script)], {
    env: { ...process.env, ...env, REDIS_URL: redisUrl },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  children.add(child);
  const reader = child.stdout.getReader();
  const line = await Promise.race([
    reader.read().then(({ value }) => new TextDecoder().decode(value)),
    Bun.sleep(10_000).then(() => ""),
  ]);
  reader.releaseLock();
  const port = Number(/"port":(\d+)/.exec(line)?.[1]);
  if (!port) throw new Error(`the instance did not start (printed ${JSON.stringify(line)})`);
  const http = `http://127.0.0.1:${port}`;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    stats: async () => (await fetch(`${http}/stats`)).json() as never,
    kill: () => child.kill("SIGKILL"),
  };
}

/**
 * A hand-driven socket, for the recovery and presence tests: HELLO (with `token` and `last`, the
 * origin → number map, to take a session back), its answer, then calls by name. `sockets`
 * collects it for the test file to close.
 */
export async function rawSession(url: string, sockets: WebSocket[], token?: string, last: unknown = {}) {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const frames: unknown[][] = [];
  ws.onmessage = (event) => {
    const msg = JSON.parse(String(event.data)) as unknown[];
    frames.push(...(Array.isArray(msg[0]) ? (msg as unknown[][]) : [msg]));
  };
  await new Promise((resolve, reject) => ((ws.onopen = resolve), (ws.onerror = reject)));
  ws.send(JSON.stringify(token === undefined ? [7, null] : [7, null, token, last]));
  await until(() => frames.length > 0, 5_000, "the HELLO answer");
  const [kind, next, recovered] = frames[0] as [number, string, number];
  if (kind !== 7) throw new Error(`the server answered HELLO with ${JSON.stringify(frames[0])}`);
  let id = 0;
  const call = async (name: string, input?: unknown): Promise<any> => {
    const mine = ++id;
    ws.send(JSON.stringify(input === undefined ? [0, mine, name] : [0, mine, name, input]));
    await until(() => frames.some((f) => f[0] === 2 && f[1] === mine), 5_000, `the answer to ${name}`);
    return frames.find((f) => f[0] === 2 && f[1] === mine)![2];
  };
  return { ws, frames, token: next, recovered: recovered === 1, call };
}
