// Edge cases of the public API, grouped by behaviour.
// Regressions found in review: each test failed before its fix.
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import { connect, defer, raw, rejection, serve, serveRaw, until } from "./fixtures/harness.ts";
import { testApp } from "./fixtures/app.ts";

describe("heartbeat and connection params", () => {
  test("after one heartbeat timeout, the next connections still ping (and are not dropped while the server answers)", async () => {
    let opens = 0;
    const silentFirst = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, srv) => (srv.upgrade(req, { data: { n: ++opens } } as never) ? undefined : new Response(null, { status: 400 })),
      websocket: {
        message(ws, message) {
          if ((ws.data as unknown as { n: number }).n > 1 && message === "[5]") ws.send("[6]"); // the first socket never answers
        },
        sendPings: false,
        idleTimeout: 0,
      },
    });
    defer(() => silentFirst.stop(true));
    const app = testApp();
    const client = connect({ url: `ws://127.0.0.1:${silentFirst.port}`, schema: app.schema, heartbeat: { interval: 60, timeout: 60 }, reconnect: { initialDelay: 10, maxDelay: 20 } });
    await until(() => opens === 2 && client.status === "open", 3_000, "the second connection");
    await Bun.sleep(600); // five heartbeat periods: the second socket answers its pings
    expect(opens).toBe(2);
    expect(client.status).toBe("open");
  });

  test("an authenticate slower than the client's heartbeat still lets the client in", async () => {
    const app = testApp();
    const { url } = serve({ ...app, authenticate: async () => void (await Bun.sleep(300)) });
    const client = connect({ url, schema: app.schema, params: { token: "t" }, heartbeat: { interval: 50, timeout: 50 } });
    expect(await client.call("ping")).toBe("pong");
  });

  test("a server call made in onConnect reaches a client with params when the server has no authenticate", async () => {
    const app = testApp();
    let answer: unknown;
    const { url } = serve({ ...app, onConnect: async (client) => void (answer = await client.call("confirm", { question: "hi?" }).catch((e) => e.code)) });
    connect({ url, schema: app.schema, params: { token: "t" }, procedures: { confirm: () => true } });
    await until(() => answer !== undefined, 3_000, "the answer");
    expect(answer).toBe(true);
  });
});

describe("frames, batches and error frames", () => {
  test("nothing in a batch runs after a procedure closed the connection", async () => {
    const app = testApp();
    const { url } = serve({ ...app, procedures: { ...app.procedures, ping: (_input, client) => client.close(4000, "bye") } });
    const sock = await raw(url);
    sock.ws.send(JSON.stringify([[0, 1, "ping"], [0, 2, "slow", { ms: 1 }], [0, 3, "slow", { ms: 1 }]]));
    expect((await sock.closed).code).toBe(4000);
    expect(app.seen.started).toBe(0);
  });

  test("an error frame stays small whatever the validator reports", async () => {
    const schema = createSchema({ server: { list: { input: z.array(z.string()) } } });
    const { url } = serve({ schema, procedures: { list: () => {} } });
    const sock = await raw(url);
    sock.ws.send(JSON.stringify([0, 1, "list", Array.from({ length: 50_000 }, (_, i) => i)]));
    await until(() => sock.frames.length === 1, 10_000, "the error");
    const frame = sock.frames[0]!;
    expect(frame.length).toBeLessThan(64_000);
    const [kind, id, code, , issues] = JSON.parse(frame);
    expect([kind, id, code, issues.length]).toEqual([3, 1, "BAD_INPUT", 50]);
  });

  test("a client's connection-level ERROR frames never reach the server's log", async () => {
    const app = testApp();
    const { url, errors } = serve(app);
    const sock = await raw(url);
    sock.ws.send(JSON.stringify([[3, 0, "INTERNAL", "\u001b[31mfake log line"], [3, 0, "INTERNAL", "another"]]));
    const client = connect({ url, schema: app.schema });
    expect(await client.call("ping")).toBe("pong");
    expect(errors).toHaveLength(0);
  });

  test("a server with a small maxPayload still takes a burst of calls: batches stay small", async () => {
    const app = testApp();
    const client = connect({ url: serve({ ...app, maxPayload: 16_384 }).url, schema: app.schema });
    const text = "x".repeat(200);
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => client.call("echo", { a: i, b: text })));
    expect(results.every((r, i) => r.a === i)).toBe(true);
  });
});

describe("client options", () => {
  test("timeout: Infinity means no timeout (not an immediate one)", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    expect(await client.call("slow", { ms: 50 }, { timeout: Infinity })).toBe(50);
  });

  test("a malformed URL closes the client at once instead of retrying forever", async () => {
    const app = testApp();
    const client = connect({ url: "not a url", schema: app.schema, onError: () => {} });
    expect(client.status).toBe("closed");
    expect((await rejection(client.call("ping"))).code).toBe("DISCONNECTED");
  });

  test("the onStatus remover stops the listener", async () => {
    const app = testApp();
    const { url } = serve(app);
    const client = connect({ url, schema: app.schema });
    const seen: string[] = [];
    const off = client.onStatus((status) => void seen.push(status));
    await until(() => client.status === "open", 1_000, "open");
    off();
    client.close();
    expect(seen).toEqual(["open"]);
  });
});

describe("publishes", () => {
  test("a publish the client's schema rejects is reported on the client, not dropped silently", async () => {
    const serverSchema = createSchema({ server: { go: {} }, client: { news: { text: z.string() } } });
    const clientSchema = createSchema({ server: { go: {} }, client: { news: { text: z.string().max(3) } } }); // a deploy in between
    const { url, chatter } = serve({ schema: serverSchema, procedures: { go: (_input, client) => void client.subscribe("t") } });
    const reported: unknown[] = [];
    const client = connect({ url, schema: clientSchema, procedures: { news: () => {} }, onError: (error) => void reported.push(error) });
    await client.call("go");
    chatter.publish("t", "news", { text: "too long" });
    await until(() => reported.length === 1, 1_000, "the report");
    expect((reported[0] as { code: string }).code).toBe("BAD_INPUT");
  });
});

describe("limits and hostile peers", () => {
  test("an origins check that throws refuses the upgrade and is reported, instead of throwing into fetch", async () => {
    const app = testApp();
    const { url, errors } = serve({
      ...app,
      origins: () => {
        throw new Error("allow-list unavailable");
      },
    });
    const client = connect({ url, schema: app.schema, reconnect: false });
    await until(() => client.status === "closed", 2_000, "the refusal");
    expect(errors.map((e) => (e as Error).message)).toContain("allow-list unavailable");
  });

  test("the server's maxPendingCalls refuses more server→client calls with OVERLOADED, without sending them", async () => {
    const app = testApp();
    const { url, chatter } = serve({ ...app, maxPendingCalls: 3 });
    let asked = 0;
    const client = connect({ url, schema: app.schema, procedures: { confirm: () => (asked++, new Promise<boolean>(() => {})) } });
    await client.call("ping");
    const [remote] = chatter.clients.values();
    const calls = Array.from({ length: 5 }, () => remote!.call("confirm", { question: "?" }, { timeout: 200 }).catch((e) => e.code));
    expect((await Promise.all(calls)).sort()).toEqual(["OVERLOADED", "OVERLOADED", "TIMEOUT", "TIMEOUT", "TIMEOUT"]);
    expect(asked).toBe(3);
  });

  test("the client's maxPendingCalls bounds the offline queue", async () => {
    const app = testApp();
    const client = connect({ url: "ws://127.0.0.1:9", schema: app.schema, maxPendingCalls: 2, reconnect: { initialDelay: 1_000 }, onError: () => {} });
    const calls = Array.from({ length: 3 }, () => client.call("ping", undefined, { timeout: 100 }).catch((e) => e.code));
    expect((await Promise.all(calls)).sort()).toEqual(["OVERLOADED", "TIMEOUT", "TIMEOUT"]);
  });

  test("a client survives a hostile server: bad frames are reported, unknown codes read as INTERNAL, calls still settle", async () => {
    const hostile = serveRaw((ws, message) => {
      const [kind, id] = JSON.parse(message) as [number, number];
      if (kind === 7) return; // the client's HELLO, before its call
      ws.send("not json");
      ws.send(new Uint8Array([1, 2]));
      ws.send("[2,999999,\"an answer to nothing\"]");
      ws.send(JSON.stringify([3, id, "WHATEVER", "odd"]));
    });
    const app = testApp();
    const reported: unknown[] = [];
    const client = connect({ url: hostile.url, schema: app.schema, onError: (error) => void reported.push(error) });
    const error = await rejection(client.call("ping"));
    expect([error.code, error.message]).toEqual(["INTERNAL", "odd"]);
    expect(reported.map((e) => (e as { code: string }).code)).toEqual(["PROTOCOL", "PROTOCOL"]);
    expect(client.status).toBe("open");
  });
});
