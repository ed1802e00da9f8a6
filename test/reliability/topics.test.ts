// Topics are checked once, at the edge: Bun and Redis key a topic by its UTF-8 bytes, where
// every lone surrogate becomes U+FFFD, so "\ud800", "\udc00" and "\ufffd" would be one topic
// to them and three to Chatter's own bookkeeping. Chatter refuses (BAD_INPUT) a topic that is
// not a non-empty, well-formed string instead of letting the two disagree; Bun itself throws
// on the empty topic.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { createClient, type ChatterClient } from "../../client/index.ts";
import { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/createServer.ts";
import { Redis, redisBinary, startInstance, stopAll, type Instance } from "../redis/cluster.ts";
import { schema as clusterSchema } from "../redis/instance.ts";
import { cleanup, defer, until } from "./helpers.ts";

cleanup();

const schema = createSchema({
  server: {
    join: { topic: z.string() },
    leave: { topic: z.string() },
    isIn: { input: z.object({ topic: z.string() }), output: z.boolean() },
    /** `client.publish`: every subscriber but the caller. */
    say: { topic: z.string(), n: z.number() },
    /** `server.publish`: every subscriber. */
    shout: { topic: z.string(), n: z.number() },
  },
  client: { news: { topic: z.string(), n: z.number() } },
});

const LONE = ["\ud800", "\udc00", "a\udfffb", "\udbff\ud800"]; // high, low, low inside text, two highs… none is well-formed

function serve() {
  const reports: unknown[] = [];
  const server = createServer({
    schema,
    procedures: {
      join: ({ topic }, client) => client.subscribe(topic),
      leave: ({ topic }, client) => client.unsubscribe(topic),
      isIn: ({ topic }, client) => client.isSubscribed(topic),
      say: ({ topic, n }, client) => client.publish(topic, "news", { topic, n }),
      shout({ topic, n }) {
        server.publish(topic, "news", { topic, n });
      },
    },
    onError: (error) => void reports.push(error),
  });
  const bun = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => (server.upgrade(req, srv) ? undefined : new Response("no", { status: 400 })),
    websocket: server.handler,
  });
  defer(() => bun.stop(true));
  return { server, reports, url: `ws://127.0.0.1:${bun.port}` };
}

function member(url: string) {
  const got: { topic: string; n: number }[] = [];
  const client = createClient({ url, schema, reconnect: false, heartbeat: false, procedures: { news: (m) => void got.push(m) } });
  defer(() => client.close());
  return { client, got };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => "ok", (error: ChatterError) => error.code);

describe("one instance", () => {
  test("a topic with a lone surrogate is refused with BAD_INPUT by subscribe, unsubscribe and both publishes; isSubscribed is false", async () => {
    const { server, url } = serve();
    const a = member(url);
    const results: Record<string, string[]> = {};
    for (const topic of LONE) {
      const key = JSON.stringify(topic);
      results[key] = [
        await codeOf(a.client.call("join", { topic })),
        await codeOf(a.client.call("leave", { topic })),
        await codeOf(a.client.call("say", { topic, n: 1 })),
        await codeOf(a.client.call("shout", { topic, n: 1 })),
        await codeOf(a.client.call("isIn", { topic }).then((v) => (v ? Promise.reject(new ChatterError("INTERNAL", "true")) : v))),
      ];
    }
    console.log("lone surrogates [join, leave, say, shout, isIn]:", JSON.stringify(results));
    for (const codes of Object.values(results)) expect(codes).toEqual(["BAD_INPUT", "BAD_INPUT", "BAD_INPUT", "BAD_INPUT", "ok"]);
    expect(() => server.publish("\ud800", "news", { topic: "x", n: 1 })).toThrow(ChatterError);
    // Well-formed text is untouched: U+FFFD itself, astral characters, a surrogate *pair*.
    for (const topic of ["\ufffd", "😀", "\ud83d\ude00", "room:ü"]) expect(await codeOf(a.client.call("join", { topic }))).toBe("ok");
  });

  test("the empty topic is refused with BAD_INPUT, not Bun's Error (which reached the caller as INTERNAL and onError)", async () => {
    const { server, url, reports } = serve();
    const a = member(url);
    const codes = [
      await codeOf(a.client.call("join", { topic: "" })),
      await codeOf(a.client.call("leave", { topic: "" })),
      await codeOf(a.client.call("say", { topic: "", n: 1 })),
      await codeOf(a.client.call("shout", { topic: "", n: 1 })),
    ];
    console.log(`empty topic [join, leave, say, shout]: ${JSON.stringify(codes)}; onError got ${reports.length}: ${reports.map(String).join(" | ")}`);
    expect(codes).toEqual(["BAD_INPUT", "BAD_INPUT", "BAD_INPUT", "BAD_INPUT"]);
    let thrown: unknown;
    try {
      server.publish("", "news", { topic: "", n: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ChatterError);
    expect((thrown as ChatterError).code).toBe("BAD_INPUT");
    expect(reports).toEqual([]); // the caller's mistake, not a server fault
  });

  test("no publish crosses between lookalike topics", async () => {
    const { url } = serve();
    const [a, b, c] = [member(url), member(url), member(url)];
    await Promise.all([a.client.call("join", { topic: "\ud800" }).catch(() => {}), b.client.call("join", { topic: "\udc00" }).catch(() => {}), c.client.call("join", { topic: "\ufffd" })]);
    await a.client.call("shout", { topic: "\ud800", n: 1 }).catch(() => {});
    await c.client.call("shout", { topic: "\ufffd", n: 2 });
    await until(() => c.got.length > 0, 2_000, "c's own topic");
    await Bun.sleep(50);
    const crossed = [...a.got, ...b.got].length + c.got.filter((m) => m.topic !== "\ufffd").length;
    console.log(`lookalikes: a ("\\ud800") got ${a.got.length}, b ("\\udc00") got ${b.got.length}, c ("\\ufffd") got ${JSON.stringify(c.got.map((m) => m.n))}`);
    expect(crossed).toBe(0);
    expect(c.got.map((m) => m.n)).toEqual([2]);
  });
});

describe.skipIf(!redisBinary)("two instances through Redis", () => {
  let redis: Redis;
  let A: Instance;
  let B: Instance;
  const clients: ChatterClient<typeof clusterSchema>[] = [];
  beforeAll(async () => {
    redis = new Redis();
    await redis.start();
    [A, B] = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
  }, 30_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await stopAll();
  });

  function join(instance: Instance) {
    const got: number[] = [];
    const client = createClient({ url: instance.url, schema: clusterSchema, reconnect: false, heartbeat: false, procedures: { deliver: ({ n }) => void got.push(n) } });
    clients.push(client);
    return { client, got };
  }

  test('a subscriber leaving "\\ud800" does not cut another instance\'s publishes to "\\ufffd" from a client still subscribed', async () => {
    const x = join(A);
    const y = join(A);
    const publisher = join(B);
    const xJoined = await codeOf(x.client.call("subscribe", { topic: "\ud800" }));
    await y.client.call("subscribe", { topic: "\ufffd" });
    const xLeft = await codeOf(x.client.call("unsubscribe", { topic: "\ud800" }));
    await Bun.sleep(100); // Redis has the UNSUBSCRIBE, if one was sent
    for (let n = 1; n <= 5; n++) await publisher.client.call("broadcast", { topic: "\ufffd", n });
    await until(() => y.got.length >= 5, 3_000, "the five publishes").catch(() => {});
    const faults = [...(await A.stats()).faults, ...(await B.stats()).faults];
    console.log(`redis: x subscribe "\\ud800" → ${xJoined}, unsubscribe → ${xLeft}; y on "\\ufffd" got ${y.got.length}/5 of B's publishes; faults reported: ${faults.length}`);
    expect(y.got).toEqual([1, 2, 3, 4, 5]);
    expect(xJoined).toBe("BAD_INPUT");
  }, 20_000);
});
