// `npm run start:cluster`: the example chat as two instances sharing one Redis, on this machine.
// Builds the web apps once, starts a redis-server of its own on REDIS_PORT (6390, its data in a
// temporary folder) unless REDIS_URL is given, then examples/chat/server.ts on PORT (5000) and
// PORT + 1 with REDIS_URL set. Ctrl-C (or SIGTERM) stops all three, the instances first (they
// shut down cleanly), then Redis; where `setpriv` is there (Linux) they also die if this process
// is killed outright.
//   --no-build   serve the web apps already in examples/chat/dist
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { startRedisServer, type RedisServer } from "../examples/chat/redisServer.ts";

const root = join(import.meta.dir, "..");
const port = Number(process.env.PORT ?? 5000);
const ports = [port, port + 1];
const setpriv = Bun.which("setpriv");

let redis: RedisServer | undefined;
const instances: Subprocess<"ignore", "pipe", "pipe">[] = [];
let stopping = false;

/** Stops the instances (they shut down cleanly on SIGTERM), then our Redis; exits with `code`. */
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const child of instances) child.kill("SIGTERM");
    const timer = setTimeout(() => instances.forEach((child) => child.kill("SIGKILL")), 5_000);
    await Promise.all(instances.map((child) => child.exited));
    clearTimeout(timer);
    await redis?.stop();
    console.log("chat cluster stopped");
  }
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stopAll(0));
process.on("exit", () => {
  for (const child of instances) child.kill("SIGKILL");
});

/** Copies `stream` to `out` a line at a time, each line tagged; resolves on the first line that contains `marker`. */
function relay(stream: ReadableStream<Uint8Array>, tag: string, out: NodeJS.WriteStream, marker?: string): Promise<void> {
  return new Promise((resolve) => {
    void (async () => {
      let rest = "";
      const decoder = new TextDecoder();
      const reader = stream.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const chunk = read.value;
        const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
        rest = lines.pop()!;
        for (const line of lines) {
          out.write(`${tag} ${line}\n`);
          if (marker && line.includes(marker)) resolve();
        }
      }
      if (rest) out.write(`${tag} ${rest}\n`);
    })();
  });
}

/** Starts one chat instance on `port` and resolves once it says it is listening. */
async function startInstance(port: number, redisUrl: string): Promise<void> {
  const command = [process.execPath, join(root, "examples/chat/server.ts")];
  const child = Bun.spawn(setpriv ? [setpriv, "--pdeathsig", "SIGKILL", "--", ...command] : command, {
    cwd: root,
    env: { ...process.env, PORT: String(port), REDIS_URL: redisUrl },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: Boolean(setpriv), // a Ctrl-C reaches this process, which stops them in order
  });
  instances.push(child);
  void relay(child.stderr, `[${port}]`, process.stderr);
  const listening = relay(child.stdout, `[${port}]`, process.stdout, "chat server on");
  void child.exited.then((status) => {
    if (stopping) return;
    // 0: it was told to stop (without setpriv a Ctrl-C reaches the children too).
    if (status !== 0) console.error(`the instance on port ${port} exited (${child.signalCode ?? status}): stopping the cluster`);
    void stopAll(status === 0 ? 0 : 1);
  });
  await listening;
}

if (!process.argv.includes("--no-build")) {
  const build = spawnSync(process.execPath, [join(root, "scripts/build-web.ts")], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

let redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  try {
    redis = await startRedisServer(Number(process.env.REDIS_PORT ?? 6390));
  } catch (error) {
    console.error(`${(error as Error).message}\n(REDIS_PORT picks another port, REDIS_URL uses a Redis of yours)`);
    await stopAll(1);
  }
  redisUrl = redis!.url;
  void redis!.exited.then((status) => {
    if (stopping) return;
    if (status !== 0) console.error(`redis-server exited (${status}): stopping the cluster`);
    void stopAll(status === 0 ? 0 : 1);
  });
}

await Promise.all(ports.map((port) => startInstance(port, redisUrl)));
console.log(`
chat cluster up: two instances sharing ${redisUrl}${redis ? " (a redis-server of its own, emptied when it stops)" : ""}
  http://localhost:${ports[0]}   instance 1 (Solid at /solid/)
  http://localhost:${ports[1]}   instance 2
Open one in each window and join the same room: messages, history and members cross instances.
Ctrl-C stops all three.`);
