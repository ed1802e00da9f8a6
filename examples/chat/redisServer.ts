// A throwaway redis-server of our own on 127.0.0.1, for `npm run start:cluster` and the
// tests: its data in a temporary folder that goes with it. Where `setpriv` is there (Linux)
// it dies with the process that started it, even one killed outright, and it is in a process
// group of its own, so a Ctrl-C reaches the parent, which stops it in its turn.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The redis-server on the PATH, if any (`apt-get install redis-server`). */
export const redisServerBinary = Bun.which("redis-server") ?? undefined;
const setpriv = Bun.which("setpriv");

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Resolves when the process has exited (on its own, or by `stop`). */
  readonly exited: Promise<number | null>;
  /** Stops it (SIGTERM, then SIGKILL after 3 s) and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts redis-server on `port` and resolves once it accepts connections (its own
 * "Ready to accept connections" line), or rejects with what it printed if it exits first
 * (a port in use, say) or is not ready in 10 s.
 */
export async function startRedisServer(port: number, binary = redisServerBinary): Promise<RedisServer> {
  if (!binary) throw new Error("redis-server is not installed (apt-get install redis-server)");
  const dir = mkdtempSync(join(tmpdir(), "chat-redis-"));
  const command = [binary, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  const child = Bun.spawn(setpriv ? [setpriv, "--pdeathsig", "SIGKILL", "--", ...command] : command, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    detached: Boolean(setpriv),
  });
  const exited = child.exited.then(() => child.exitCode);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await child.exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Read its log to the marker, then keep reading so that a full pipe never blocks it.
  let log = "";
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  const ready = (async () => {
    while (!log.includes("Ready to accept connections")) {
      const { value, done } = await reader.read();
      if (done) return false;
      log += decoder.decode(value, { stream: true });
    }
    void (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});
    return true;
  })();
  const errors = new Response(child.stderr).text();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const up = await Promise.race([ready, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 10_000)))]);
  clearTimeout(timer);
  if (!up) {
    await stop();
    throw new Error(`redis-server did not start on port ${port}:\n${log}${await errors}`);
  }
  return { port, url: `redis://127.0.0.1:${port}`, exited, stop };
}
