// Faults: restarts, peers that vanish without a close, clients that never read,
// handlers that misbehave, and calls to clients that left.
import { describe, expect, test } from "bun:test";
import { ChatterError } from "../../core/errors.ts";
import { serveApp } from "./app.ts";
import { cleanup, connect, defer, mb, spawn, stats, until } from "./helpers.ts";

cleanup();

type Served = ReturnType<typeof serveApp>;

function serve(port = 0, overrides: Parameters<typeof serveApp>[1] = {}): Served {
  const served = serveApp(port, overrides);
  defer(() => served.bun.stop(true));
  return served;
}

async function rejection(promise: Promise<unknown>): Promise<ChatterError> {
  try {
    throw new Error(`expected a rejection, got ${JSON.stringify(await promise)}`);
  } catch (error) {
    return error as ChatterError;
  }
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

describe("server restart mid-call", () => {
  test("calls in flight reject DISCONNECTED and are not retried; calls made offline go out once; clients come back spread by jitter and onOpen rejoins", async () => {
    const first = serve();
    const port = first.bun.port!;
    const N = 20;
    const opens: number[][] = Array.from({ length: N }, () => []);
    const news: unknown[][] = Array.from({ length: N }, () => []);
    const clients = Array.from({ length: N }, (_, i) =>
      connect(first.url, {
        reconnect: { initialDelay: 200, maxDelay: 2_000 },
        procedures: { news: (value) => void news[i]!.push(value) },
        onOpen: (client) => {
          opens[i]!.push(Date.now());
          return client.call("join", { room: "lobby" });
        },
      }),
    );
    await until(() => clients.every((c) => c.status === "open"), 5_000, "all open");
    const inFlight = clients.map((c) => c.call("slow", { ms: 10_000, tag: "restart" }, { timeout: 20_000 }));
    await until(() => first.counts["slow:restart"] === N, 3_000, "every call running");

    first.bun.stop(true);
    const errors = await Promise.all(inFlight.map(rejection));
    expect(errors.map((e) => e.code)).toEqual(Array(N).fill("DISCONNECTED"));
    const offline = clients.map((c, i) => c.call("add", { a: i, b: 1 }, { timeout: 10_000 }));

    await Bun.sleep(300);
    const restartedAt = Date.now();
    const second = serve(port);
    expect(await Promise.all(offline)).toEqual(clients.map((_, i) => i + 1)); // asked for: sent once, answered
    await until(() => clients.every((c) => c.status === "open") && second.server.clients.size === N, 5_000, "all back");
    expect(second.counts["slow:restart"]).toBeUndefined(); // not asked for again: never retried
    expect(first.counts["slow:restart"]).toBe(N);

    // Every client opened twice (onOpen ran on the reconnect too), at times spread by jitter.
    expect(opens.every((o) => o.length === 2)).toBe(true);
    const back = opens.map((o) => o[1]! - restartedAt);
    expect(new Set(back).size).toBeGreaterThan(N / 2);
    expect(Math.max(...back) - Math.min(...back)).toBeGreaterThan(50);

    // onOpen rejoined the room: a publish on the new server reaches everyone.
    second.server.publish("lobby", "news", "welcome back");
    await until(() => news.every((n) => n.includes("welcome back")), 3_000, "the publish");
  }, 20_000);
});

describe("a peer that vanishes without a close (SIGSTOP)", () => {
  test("the server's heartbeat finds a stopped client within two intervals; its pending calls fail", async () => {
    const interval = 200;
    const closes: { id: string; code: number }[] = [];
    const served = serve(0, {
      heartbeat: { interval, timeout: interval },
      onDisconnect: (client, { code }) => void closes.push({ id: client.id, code }),
    });
    const child = await spawn("fixture-client.ts", [served.url, "lobby"], { ready: /OPEN/ });
    const [id, peer] = [...served.server.clients.entries()][0]!;

    await Bun.sleep(interval * 4); // idle but alive: answered the pings, still here
    expect(served.server.clients.has(id)).toBe(true);
    expect(await peer.call("question", "still there?")).toBe("still there?");

    const pending = peer.call("question", "hello?", { timeout: 60_000 });
    process.kill(child.proc.pid, "SIGSTOP");
    const stoppedAt = Date.now();
    const error = await rejection(pending);
    const found = Date.now() - stoppedAt;
    console.log(`server heartbeat (${interval}/${interval} ms) found the stopped client after ${found} ms`);
    expect(error.code).toBe("DISCONNECTED");
    // Silent for interval + timeout, found at the next sweep (every min/2): ≤ 2.5 × 200 ms here; slack for a busy machine.
    expect(found).toBeLessThanOrEqual(interval + interval + interval / 2 + 150);
    expect(closes).toEqual([{ id, code: 4408 }]);
    expect(served.server.clients.size).toBe(0);
    expect((peer as any).peer.pendingCount).toBe(0);
  });

  test("the client's heartbeat finds a stopped server within two intervals; its pending calls fail", async () => {
    const server = await spawn("fixture-server.ts", [], { ready: /READY (\d+)/ });
    const interval = 200;
    const client = connect(`ws://127.0.0.1:${server.match[1]}`, { heartbeat: { interval, timeout: interval } });
    expect(await client.call("add", { a: 1, b: 1 })).toBe(2);
    await Bun.sleep(interval * 4); // idle but alive
    expect(client.status).toBe("open");

    const pending = client.call("slow", { ms: 60_000 }, { timeout: 60_000 });
    await Bun.sleep(20);
    process.kill(server.proc.pid, "SIGSTOP");
    const stoppedAt = Date.now();
    const error = await rejection(pending);
    const found = Date.now() - stoppedAt;
    console.log(`client heartbeat (${interval}/${interval} ms) found the stopped server after ${found} ms`);
    expect(error.code).toBe("DISCONNECTED");
    expect(found).toBeLessThanOrEqual(interval + interval + interval / 2 + 150);
    expect(client.status).toBe("closed"); // reconnect: false here
  });
});

describe("a client that never reads", () => {
  test("publishes fill its queue to the backpressure limit, then its socket is closed; others' latency holds", async () => {
    const closes: number[] = [];
    const served = serve(0, { backpressureLimit: 256 * 1024, onDisconnect: (_, { code }) => void closes.push(code) });
    const child = await spawn("fixture-client.ts", [served.url, "firehose"], { ready: /OPEN/ });
    const other = connect(served.url);
    const latency = async (n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        await other.call("add", { a: i, b: 1 });
        times.push(performance.now() - start);
      }
      return times;
    };
    const before = await latency(50);

    process.kill(child.proc.pid, "SIGSTOP");
    const frame = "x".repeat(64 * 1024);
    const during: number[] = [];
    let sent = 0;
    // Publish until the server gives up on the stopped client (kernel buffers first, then Bun's 256 KiB).
    while (served.server.clients.size > 1 && sent < 2_000) {
      for (let i = 0; i < 20; i++, sent++) served.server.publish("firehose", "news", frame);
      during.push(...(await latency(1)));
    }
    expect(served.server.clients.size).toBe(1);
    expect(closes).toHaveLength(1);
    const after = await latency(50);
    console.log(
      `never-reading client closed after ${sent} × 64 KiB publishes (${mb(sent * 64 * 1024)}); ` +
        `other client's p50/max latency: before ${percentile(before, 0.5).toFixed(2)}/${Math.max(...before).toFixed(2)} ms, ` +
        `during ${percentile(during, 0.5).toFixed(2)}/${Math.max(...during).toFixed(2)} ms, after ${percentile(after, 0.5).toFixed(2)}/${Math.max(...after).toFixed(2)} ms`,
    );
    expect(percentile(after, 0.5)).toBeLessThan(20);
    expect(Math.max(...during)).toBeLessThan(250);
  }, 20_000);

  test("a slow reader under the limit gets every publish: nothing is dropped quietly", async () => {
    const served = serve(0, { backpressureLimit: 1_048_576 });
    const child = await spawn("fixture-client.ts", [served.url, "slowpoke"], { ready: /OPEN/ });
    const peer = [...served.server.clients.values()][0]!;
    const frame = "z".repeat(16 * 1024);
    for (let i = 0; i < 200; i++) {
      if (i % 20 === 0) process.kill(child.proc.pid, "SIGSTOP");
      served.server.publish("slowpoke", "news", frame);
      if (i % 20 === 10) process.kill(child.proc.pid, "SIGCONT");
      await Bun.sleep(2);
    }
    process.kill(child.proc.pid, "SIGCONT");
    await until(async () => (await peer.call("question", "count")) === 200, 5_000, "all 200 publishes");
    expect(served.server.clients.size).toBe(1);
  });

  test("server→client calls to it fail DISCONNECTED once its socket is over the limit: none is dropped silently", async () => {
    const served = serve(0, { backpressureLimit: 256 * 1024 });
    const child = await spawn("fixture-client.ts", [served.url, "lobby"], { ready: /OPEN/ });
    const peer = [...served.server.clients.values()][0]!;
    process.kill(child.proc.pid, "SIGSTOP");
    const input = "y".repeat(64 * 1024);
    const calls: Promise<unknown>[] = [];
    while (served.server.clients.size && calls.length < 2_000) {
      calls.push(peer.call("question", input, { timeout: 60_000 }).catch((e: ChatterError) => e.code));
      if (calls.length % 20 === 0) await Bun.sleep(1);
    }
    const outcomes = await Promise.all(calls);
    expect(served.server.clients.size).toBe(0);
    expect(new Set(outcomes)).toEqual(new Set(["DISCONNECTED"]));
    expect((peer as any).peer.pendingCount).toBe(0);
  }, 20_000);
});

describe("handlers that throw, reject or never resolve", () => {
  const rss = () => {
    Bun.gc(true);
    return process.memoryUsage().rss;
  };

  const tally = (codes: Record<string, number>, list: unknown[]) => {
    for (const code of list) codes[code as string] = (codes[code as string] ?? 0) + 1;
    return codes;
  };

  test("server→client: 100,000 calls to client procedures that throw or reject, then 3,000 that never resolve: every pending entry goes, hung ones hold at most the client's cap, RSS stays flat", async () => {
    const served = serve(0, { maxPendingCalls: 1_000 });
    connect(served.url, {
      onError: () => {},
      procedures: {
        question: (kind): unknown => {
          if (kind === "throw") throw new Error("thrown");
          if (kind === "reject") return Promise.reject(new Error("rejected"));
          return new Promise(() => {}); // never
        },
      },
    });
    await until(() => served.server.clients.size === 1, 3_000, "the client");
    const peer = [...served.server.clients.values()][0]!;
    const failing: Record<string, number> = {};
    let start = 0;
    for (let batch = 0; batch < 100; batch++) {
      if (batch === 10) start = rss(); // after warm-up
      const calls = Array.from({ length: 1_000 }, (_, i) => peer.call("question", i % 2 ? "throw" : "reject", { timeout: 10_000 }).catch((e: ChatterError) => e.code));
      tally(failing, await Promise.all(calls));
      expect((peer as any).peer.pendingCount).toBe(0);
    }
    const end = rss();
    const hanging: Record<string, number> = {};
    for (let batch = 0; batch < 3; batch++) {
      tally(hanging, await Promise.all(Array.from({ length: 1_000 }, () => peer.call("question", "hang", { timeout: 100 }).catch((e: ChatterError) => e.code))));
      expect((peer as any).peer.pendingCount).toBe(0); // gone after the timeout
    }
    console.log(`server→client: 100,000 failing calls ${JSON.stringify(failing)}, rss ${mb(start)} → ${mb(end)}; 3,000 hanging calls ${JSON.stringify(hanging)}`);
    expect(failing).toEqual({ INTERNAL: 100_000 });
    expect(end - start).toBeLessThan(64 * 1_048_576);
    // A hung procedure keeps its slot after the CANCEL until it returns (never, here): the
    // client runs at most 1,000 at once and refuses the rest, OVERLOADED.
    expect(hanging).toEqual({ TIMEOUT: 1_000, OVERLOADED: 2_000 });
  }, 60_000);

  test("client→server: 100,000 calls to procedures that throw or reject, then 3,000 that never resolve: the caller's entries go, hung ones hold at most maxCallsInFlight until the close, RSS stays flat", async () => {
    const served = serve(0, { maxCallsInFlight: 1_000 });
    const client = connect(served.url);
    const trusted = connect(served.url);
    const failing: Record<string, number> = {};
    let start = 0;
    for (let batch = 0; batch < 100; batch++) {
      if (batch === 10) start = rss();
      tally(failing, await Promise.all(Array.from({ length: 1_000 }, (_, i) => client.call(i % 2 ? "throws" : "rejects").catch((e: ChatterError) => e.code))));
    }
    const end = rss();
    const hanging: Record<string, number> = {};
    for (let batch = 0; batch < 3; batch++) {
      tally(hanging, await Promise.all(Array.from({ length: 1_000 }, () => client.call("hang", undefined, { timeout: 100 }).catch((e: ChatterError) => e.code))));
    }
    const server = await stats(trusted);
    console.log(`client→server: 100,000 failing calls ${JSON.stringify(failing)}, rss ${mb(start)} → ${mb(end)}; 3,000 hanging calls ${JSON.stringify(hanging)}, still running ${server.running}`);
    expect(failing).toEqual({ INTERNAL: 100_000 });
    expect(end - start).toBeLessThan(64 * 1_048_576);
    expect(hanging).toEqual({ TIMEOUT: 1_000, OVERLOADED: 2_000 });
    expect(server.running).toBe(1_000); // cancelled by their callers' timeouts, still counted: they never returned
    client.close();
    await until(async () => (await stats(trusted)).running === 0, 3_000, "the slots freed at the close");
  }, 60_000);
});

describe("the server calling a client that left", () => {
  test("its pending calls reject DISCONNECTED at the close, and later calls fail at once", async () => {
    const served = serve();
    const client = connect(served.url, { procedures: { question: () => new Promise(() => {}) } });
    await until(() => served.server.clients.size === 1, 3_000, "the client");
    const peer = [...served.server.clients.values()][0]!;
    const pending = [peer.call("question", 1, { timeout: 60_000 }), peer.call("question", 2, { timeout: 60_000 })];
    await Bun.sleep(20);
    const closedAt = Date.now();
    client.close();
    const errors = await Promise.all(pending.map(rejection));
    expect(errors.map((e) => e.code)).toEqual(["DISCONNECTED", "DISCONNECTED"]);
    expect(Date.now() - closedAt).toBeLessThan(500);
    expect((peer as any).peer.pendingCount).toBe(0);
    expect((await rejection(peer.call("question", 3))).code).toBe("DISCONNECTED");
    expect((peer as any).peer.pendingCount).toBe(0);
  });
});
