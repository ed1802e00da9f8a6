// Every wait of the client is bounded: the WebSocket handshake, the answer to its HELLO,
// and an open socket that has gone silent. Each ends in a new attempt, with backoff.
// Shown against a server frozen (SIGSTOP) during `authenticate`, a TCP listener that
// accepts and never answers (Bun's client, and Node's `ws` under a real `node`), and a
// proxy that stops forwarding mid-connection.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import type { ChatterError } from "../../core/errors.ts";
import { serveApp } from "./app.ts";
import { cleanup, connect, defer, spawn, until } from "./helpers.ts";

cleanup();

/** The bound these tests give the client for one connection attempt (handshake + HELLO answer). */
const CONNECT_TIMEOUT = 300;
const BACKOFF = { initialDelay: 50, maxDelay: 100 };

/** Every status a client went through, with the time it entered it. */
function watch(client: ReturnType<typeof connect>) {
  const start = Date.now();
  const log: { status: string; at: number }[] = [{ status: client.status, at: 0 }];
  defer(client.onStatus((status) => void log.push({ status, at: Date.now() - start })));
  return {
    log,
    /** Ms spent in the first status before the client left it (or so far). */
    firstLeftAt: () => log[1]?.at,
    seen: (status: string) => log.some((entry) => entry.status === status),
  };
}

/** A TCP listener that accepts every connection and never answers. */
function blackHole() {
  const open = new Set<Socket<undefined>>();
  let accepted = 0;
  let maxOpen = 0;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        accepted++;
        open.add(socket);
        maxOpen = Math.max(maxOpen, open.size);
      },
      data() {},
      close(socket) {
        open.delete(socket);
      },
      error(socket) {
        open.delete(socket);
      },
    },
  });
  defer(() => {
    for (const socket of open) socket.terminate();
    listener.stop(true);
  });
  return {
    url: `ws://127.0.0.1:${listener.port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    get maxOpen() {
      return maxOpen;
    },
  };
}

interface Leg {
  up: Socket<Leg> | undefined;
  early: Uint8Array[];
  /** Stopped forwarding: everything it is sent, either way, is dropped (a partition). */
  dead: boolean;
}

/**
 * A TCP proxy to `port`. `cut()` stops forwarding on every connection it holds and on every
 * connection it accepts from then on (accepted, never answered); `heal()` forwards new
 * connections again (the cut ones stay dead, as after a real partition).
 */
function proxy(port: number) {
  const legs = new Set<Socket<Leg>>();
  let cut = false;
  let accepted = 0;
  const listener = Bun.listen<Leg>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        accepted++;
        legs.add(client);
        const leg: Leg = { up: undefined, early: [], dead: cut };
        client.data = leg;
        if (leg.dead) return;
        Bun.connect<Leg>({
          hostname: "127.0.0.1",
          port,
          socket: {
            open(up) {
              up.data = leg;
              leg.up = up;
              for (const chunk of leg.early) up.write(chunk);
              leg.early = [];
            },
            data(_up, chunk) {
              if (!leg.dead) client.write(chunk);
            },
            close() {
              if (!leg.dead) client.end();
            },
            error() {},
          },
        }).catch(() => client.end());
      },
      data(client, chunk) {
        const leg = client.data;
        if (leg.dead) return;
        if (leg.up) leg.up.write(chunk);
        else leg.early.push(new Uint8Array(chunk));
      },
      close(client) {
        legs.delete(client);
        client.data.up?.end();
      },
      error(client) {
        legs.delete(client);
      },
    },
  });
  defer(() => {
    for (const client of legs) client.data.up?.terminate(), client.terminate();
    listener.stop(true);
  });
  return {
    url: `ws://127.0.0.1:${listener.port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return legs.size;
    },
    cut() {
      cut = true;
      for (const client of legs) client.data.dead = true;
    },
    heal() {
      cut = false;
    },
  };
}

describe("a server that accepts TCP and never answers the handshake", () => {
  test("the Bun client gives up on each attempt after connectTimeout and retries with backoff", async () => {
    const hole = blackHole();
    const client = connect(hole.url, { connectTimeout: CONNECT_TIMEOUT, reconnect: BACKOFF });
    const seen = watch(client);
    const waiting = client.call("add", { a: 1, b: 2 }, { timeout: 1_500 }).catch((e: ChatterError) => e);
    await Bun.sleep(2_000);
    const left = seen.firstLeftAt();
    console.log(`black hole, Bun client: left "connecting" after ${left ?? "never (> 2000)"} ms; ${hole.accepted} TCP attempts in 2 s, at most ${hole.maxOpen} open at once`);
    expect(left).toBeDefined();
    expect(left!).toBeGreaterThanOrEqual(CONNECT_TIMEOUT - 20);
    expect(left!).toBeLessThan(CONNECT_TIMEOUT + 500);
    expect(seen.seen("reconnecting")).toBe(true);
    // ≈ 2000 / (300 + 25..100) attempts; fewer on a busy machine, but more than the one that hangs.
    expect(hole.accepted).toBeGreaterThanOrEqual(3);
    expect(hole.maxOpen).toBeLessThanOrEqual(2); // an abandoned attempt's socket is closed, not leaked
    // The call waited (it is not failed early by a failed attempt) and timed out on its own clock.
    expect(((await waiting) as ChatterError).code).toBe("TIMEOUT");
    client.close();
    await until(() => hole.open === 0, 2_000, "the black hole's sockets to close");
  });

  test("the default bound is 10 s (documented), not forever", async () => {
    const hole = blackHole();
    const client = connect(hole.url, { reconnect: BACKOFF });
    const seen = watch(client);
    await Bun.sleep(10_900);
    console.log(`black hole, Bun client, defaults: left "connecting" after ${seen.firstLeftAt() ?? "never (> 10900)"} ms`);
    expect(seen.firstLeftAt()).toBeGreaterThanOrEqual(9_900);
    expect(hole.accepted).toBeGreaterThanOrEqual(2);
  }, 15_000);

  test("the Node client (ws, under node) gives up and retries too", async () => {
    const hole = blackHole();
    // Bundle the client for Node into a temporary directory (the package's dist is not touched).
    const dir = mkdtempSync(join(tmpdir(), "chatter-hangs-"));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const root = join(import.meta.dir, "../..");
    const built = await Bun.build({ entrypoints: [join(root, "client/index.ts")], target: "node", outdir: dir, external: ["zod"] });
    expect(built.success).toBe(true);
    const script = join(dir, "probe.mjs");
    await Bun.write(
      script,
      `import { createRequire } from "node:module";
import { createClient, createSchema } from "./index.js";
const require = createRequire(${JSON.stringify(join(root, "package.json"))});
const WebSocket = require("ws");
const schema = createSchema({ server: { ping: {} }, client: {} });
const start = Date.now();
const log = [];
const client = createClient({ url: process.argv[2], schema, WebSocket, heartbeat: false, connectTimeout: ${CONNECT_TIMEOUT}, reconnect: ${JSON.stringify(BACKOFF)}, onError() {} });
client.onStatus((status) => log.push([status, Date.now() - start]));
setTimeout(() => { const before = log.slice(); client.close(); log.length = 0; log.push(...before); console.log(JSON.stringify({ log, version: process.version })); process.exit(0); }, 2000);
`,
    );
    const node = Bun.spawn(["node", script, hole.url], { stdout: "pipe", stderr: "pipe" });
    const killer = setTimeout(() => node.kill(9), 10_000);
    defer(() => (clearTimeout(killer), node.kill(9)));
    const [out, err] = await Promise.all([new Response(node.stdout).text(), new Response(node.stderr).text(), node.exited]);
    const result = JSON.parse(out || "{}") as { log?: [string, number][]; version?: string };
    const left = result.log?.[0]?.[1];
    console.log(`black hole, Node ${result.version} + ws: left "connecting" after ${left ?? "never (> 2000)"} ms; ${hole.accepted} TCP attempts in 2 s ${err ? `(stderr: ${err.slice(0, 200)})` : ""}`);
    expect(left).toBeDefined();
    expect(left!).toBeLessThan(CONNECT_TIMEOUT + 500);
    expect(hole.accepted).toBeGreaterThanOrEqual(3);
  }, 20_000);
});

describe("a server frozen (SIGSTOP) while authenticate runs", () => {
  test("the client stops waiting for its HELLO answer after connectTimeout, retries with backoff, and opens once the server resumes", async () => {
    const server = await spawn("fixture-auth-server.ts", [], { ready: /READY (\d+)/, env: { AUTH_MS: "300" } });
    const url = `ws://127.0.0.1:${server.match[1]}`;
    let hellos = 0;
    let firstHello = 0;
    const client = connect(url, {
      params: () => (hellos++ || (firstHello = Date.now()), { token: "ok" }),
      connectTimeout: CONNECT_TIMEOUT * 2, // longer than authenticate itself: an unfrozen server answers in time
      reconnect: BACKOFF,
      heartbeat: { interval: 200, timeout: 200 },
    });
    const seen = watch(client);
    await until(() => hellos > 0, 5_000, "the HELLO");
    await Bun.sleep(50); // authenticate is sleeping its 300 ms: freeze the server in the middle of it
    process.kill(server.proc.pid, "SIGSTOP");
    const frozenAt = Date.now();
    await Bun.sleep(2_500);
    const stillConnecting = client.status === "connecting";
    const left = seen.firstLeftAt();
    console.log(
      `frozen server: ${stillConnecting ? `still "connecting" ${Date.now() - firstHello} ms after its HELLO` : `left "connecting" ${left} ms after the client started`}; ${hellos} HELLO(s) sent in ${Date.now() - frozenAt} ms frozen`,
    );
    process.kill(server.proc.pid, "SIGCONT");
    expect(stillConnecting).toBe(false);
    expect(seen.seen("reconnecting")).toBe(true);
    expect(left!).toBeLessThan(CONNECT_TIMEOUT * 2 + 600);
    // Resumed: the server answers the attempts it queued; the client opens and its call runs.
    expect(await client.call("add", { a: 2, b: 3 }, { timeout: 5_000 })).toBe(5);
    expect(client.status).toBe("open");
  }, 20_000);
});

describe("a proxy that stops forwarding", () => {
  test("the heartbeat drops the silent socket, each new attempt is bounded, and the client is back once the path heals", async () => {
    const served = serveApp();
    defer(() => served.bun.stop(true));
    const path = proxy(served.bun.port!);
    const client = connect(path.url, {
      connectTimeout: CONNECT_TIMEOUT,
      reconnect: BACKOFF,
      heartbeat: { interval: 200, timeout: 200 },
    });
    expect(await client.call("add", { a: 1, b: 1 })).toBe(2);
    const seen = watch(client);
    path.cut();
    const cutAt = Date.now();
    await until(() => client.status !== "open", 3_000, "the heartbeat to notice").catch(() => {});
    const noticed = Date.now() - cutAt;
    const acceptedAtDrop = path.accepted;
    await Bun.sleep(2_000);
    const attempts = path.accepted - acceptedAtDrop;
    console.log(`proxy cut: heartbeat dropped the socket after ${noticed} ms; then ${attempts} attempts in 2 s (status ${client.status})`);
    expect(noticed).toBeLessThan(200 + 200 + 100 + 300);
    expect(attempts).toBeGreaterThanOrEqual(3);
    path.heal();
    const healedAt = Date.now();
    expect(await client.call("add", { a: 2, b: 2 }, { timeout: 5_000 })).toBe(4);
    console.log(`proxy healed: open again after ${Date.now() - healedAt} ms`);
    expect(seen.seen("reconnecting")).toBe(true);
  }, 20_000);
});
