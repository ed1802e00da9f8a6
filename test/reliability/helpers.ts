// Child processes, raw sockets and invariants for the reliability tests. Everything
// started here is stopped after the test (or the file), even when it fails.
import { afterAll, afterEach } from "bun:test";
import net from "node:net";
import type { Subprocess } from "bun";
import { createClient, type ClientOptions } from "../../client/index.ts";
import { schema, type Stats } from "./app.ts";

const perTest: (() => unknown)[] = [];
const perFile: (() => unknown)[] = [];

/**
 * Registers the cleanup hooks; call it at the top of every test file (bun runs the files of
 * a group in one process and evaluates this module once, so hooks here would bind to the first).
 */
export function cleanup(): void {
  afterEach(async () => {
    for (const fn of perTest.splice(0).reverse()) await fn();
  });
  afterAll(async () => {
    for (const fn of perTest.splice(0).reverse()) await fn();
    for (const fn of perFile.splice(0).reverse()) await fn();
  });
}

/** Runs `fn` after the current test. */
export function defer(fn: () => unknown): void {
  perTest.push(fn);
}

/** Runs `fn` after the file. */
export function deferAll(fn: () => unknown): void {
  perFile.push(fn);
}

const here = import.meta.dir;

/** A child `bun` process, killed (SIGCONT first, in case it was stopped) after the test or file. */
export async function spawn(
  script: string,
  args: string[] = [],
  options: { env?: Record<string, string>; ready: RegExp; scope?: "test" | "file" },
): Promise<{ proc: Subprocess<"ignore", "pipe", "pipe">; match: RegExpMatchArray; alive: () => boolean }> {
  const proc = Bun.spawn([process.execPath, `${here}/${script}`, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...options.env },
  });
  const kill = () => {
    try {
      process.kill(proc.pid, "SIGCONT");
    } catch {}
    proc.kill("SIGKILL");
    return proc.exited;
  };
  (options.scope === "file" ? deferAll : defer)(kill);
  const reader = proc.stdout.getReader();
  let out = "";
  const deadline = Date.now() + 10_000;
  while (!options.ready.test(out)) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => "timeout" as const)]);
    if (chunk === "timeout" || chunk.done) {
      await kill();
      throw new Error(`${script} did not start: ${out}${await new Response(proc.stderr).text()}`);
    }
    out += new TextDecoder().decode(chunk.value);
  }
  reader.releaseLock();
  proc.stdout.cancel().catch(() => {}); // nothing more to read; don't let the pipe fill
  return { proc, match: out.match(options.ready)!, alive: () => proc.exitCode === null && !proc.killed };
}

/** Resolves when `predicate` holds (polling); rejects after `ms`. */
export async function until(predicate: () => boolean | Promise<boolean>, ms = 5_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export type Frame = unknown[];

/** The frames in one WebSocket message: one frame, or a batch `[[…],[…]]` of them. */
export function framesOf(text: string): Frame[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [["<not json>"]];
  }
  if (!Array.isArray(parsed)) return [["<not an array>", parsed]];
  return Array.isArray(parsed[0]) ? parsed.map((f) => (Array.isArray(f) ? f : ["<not a frame>", f])) : [parsed];
}

/** A raw WebSocket (Bun's) that records every frame and its close. */
export async function raw(url: string, options?: { headers?: Record<string, string> }) {
  const ws = new WebSocket(url, options as any);
  const frames: Frame[] = [];
  const texts: string[] = [];
  let close: { code: number; reason: string } | undefined;
  ws.onmessage = (event) => {
    texts.push(String(event.data));
    frames.push(...framesOf(String(event.data)));
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (event) => resolve((close = { code: event.code, reason: event.reason }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("raw socket failed to open"));
  });
  defer(() => ws.close());
  return {
    ws,
    frames,
    texts,
    closed,
    get close() {
      return close;
    },
    send: (frame: string | Uint8Array) => ws.send(frame as string | Uint8Array<ArrayBuffer>), // TypeScript 7 types send() with ArrayBuffer-backed views only
    /** Resolves with the first frame answering call `id`. */
    answer: async (id: number, ms = 5_000): Promise<Frame> => {
      let found: Frame | undefined;
      await until(() => !!(found = frames.find((f) => (f[0] === 2 || f[0] === 3) && f[1] === id)) || !!close, ms, `an answer to ${id}`);
      if (!found) throw new Error(`socket closed (${close?.code}) before answering ${id}`);
      return found;
    },
  };
}

/** A WebSocket frame from a client (masked), for bytes Bun's WebSocket will not send. */
export function maskedFrame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const mask = new Uint8Array([0x12, 0x34, 0x56, 0x78]);
  const len = payload.length;
  const first = (fin ? 0x80 : 0) | opcode;
  const head =
    len < 126
      ? Buffer.from([first, 0x80 | len])
      : len < 65536
        ? Buffer.from([first, 0x80 | 126, len >> 8, len & 255])
        : Buffer.concat([Buffer.from([first, 0x80 | 127, 0, 0, 0, 0]), Buffer.from([(len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255])]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, Buffer.from(mask), body]);
}

/** A TCP socket that speaks the WebSocket handshake by hand; `head` is the HTTP answer. */
export async function tcp(port: number, headers: Record<string, string> = {}) {
  const socket = net.connect(port, "127.0.0.1");
  defer(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on("data", (d: Buffer) => chunks.push(d));
  socket.on("close", () => (ended = true));
  socket.on("error", () => {});
  await until(() => Buffer.concat(chunks).includes("\r\n\r\n") || ended, 3_000, "the HTTP answer");
  const all = Buffer.concat(chunks);
  const split = all.indexOf("\r\n\r\n");
  const head = all.subarray(0, split).toString();
  chunks.splice(0, chunks.length, all.subarray(split + 4));
  return {
    socket,
    head,
    status: Number(head.split(" ")[1]),
    received: () => Buffer.concat(chunks),
    get ended() {
      return ended;
    },
  };
}

/** The close code in a server close frame at the start of `bytes` (opcode 8). */
export function closeCode(bytes: Buffer): number | undefined {
  const at = bytes.indexOf(0x88);
  return at >= 0 && bytes.length >= at + 4 ? bytes.readUInt16BE(at + 2) : undefined;
}

/** A Chatter client for the test app, closed after the test. */
export function connect(url: string, options: Partial<ClientOptions<typeof schema>> = {}) {
  const client = createClient<typeof schema>({ url, schema, heartbeat: false, reconnect: false, ...options });
  defer(() => client.close());
  return client;
}

/** The server's view of itself, through a trusted client. */
export async function stats(client: ReturnType<typeof connect>): Promise<Stats> {
  return (await client.call("stats")) as Stats;
}

/**
 * The invariants every hostile test ends with: the server process (if any) is alive, a
 * trusted client's calls still succeed, no pending or running call is left, only the
 * trusted client remains connected, no prototype was polluted, and the heap is back
 * within `heapMargin` bytes of `baseline`.
 */
export async function assertHealthy(
  trusted: ReturnType<typeof connect>,
  options: { alive?: () => boolean; baseline?: Stats; heapMargin?: number; clients?: number } = {},
): Promise<Stats> {
  if (options.alive && !options.alive()) throw new Error("the server process died");
  const sum = await trusted.call("add", { a: 20, b: 22 }, { timeout: 5_000 });
  if (sum !== 42) throw new Error(`a trusted call answered ${sum}`);
  let last!: Stats;
  await until(
    async () => {
      last = await stats(trusted);
      return last.pending === 0 && last.running === 0 && last.clients === (options.clients ?? 1);
    },
    5_000,
    "pending maps and connections back to baseline",
  ).catch((error) => {
    throw new Error(`${error.message}: ${JSON.stringify({ ...last, lastErrors: undefined })}`);
  });
  if (last.polluted) throw new Error("a prototype was polluted");
  if (options.baseline && options.heapMargin !== undefined && last.heapUsed > options.baseline.heapUsed + options.heapMargin) {
    throw new Error(`heap grew from ${mb(options.baseline.heapUsed)} to ${mb(last.heapUsed)}`);
  }
  if (options.alive && !options.alive()) throw new Error("the server process died");
  return last;
}

export const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
