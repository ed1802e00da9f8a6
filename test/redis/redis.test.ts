// Publishes across three Chatter instances (child processes) through a real
// redis-server. Skips, loudly, without redis-server; under CI a skip fails the run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ChatterClient } from "../../client/index.ts";
import { createServer } from "../../server/index.ts";
import { createRedisAdapter } from "../../redis/createRedisAdapter.ts";
import { Redis, redisBinary, startInstance, stopAll, until, type Instance } from "./cluster.ts";
import { schema } from "./instance.ts";

if (!redisBinary) console.warn("\n⚠ SKIPPING the Redis tests: redis-server is not installed (apt-get install redis-server)\n");

/** One test client: what it received, per topic, in order. */
class Member {
  readonly got = new Map<string, number[]>();
  readonly client: ChatterClient<typeof schema>;
  constructor(instance: Instance) {
    this.client = createClient({
      url: instance.url,
      schema,
      reconnect: false,
      heartbeat: false,
      procedures: {
        deliver: ({ topic, n }) => {
          const list = this.got.get(topic) ?? [];
          list.push(n);
          this.got.set(topic, list);
        },
      },
    });
    members.push(this);
  }
  on(topic: string): number[] {
    return this.got.get(topic) ?? [];
  }
  has(topic: string, n: number): boolean {
    return this.on(topic).includes(n);
  }
  subscribe(...topics: string[]) {
    return Promise.all(topics.map((topic) => this.client.call("subscribe", { topic })));
  }
}

const members: Member[] = [];
let redis: Redis;
let A: Instance;
let B: Instance;
let C: Instance;

/** A unique topic per test, so one test's leftovers never satisfy another's wait. */
let topics = 0;
const topic = () => `room-${++topics}`;

describe.skipIf(!redisBinary)("publishes across instances through Redis", () => {
  beforeAll(async () => {
    redis = new Redis();
    await redis.start();
    [A, B, C] = await Promise.all([startInstance(redis.url), startInstance(redis.url), startInstance(redis.url)]);
  }, 30_000);

  afterAll(async () => {
    for (const member of members) member.client.close();
    await stopAll();
  });

  test("a client.publish on A reaches subscribers on A, B and C once each, and skips its sender", async () => {
    const room = topic();
    const [sender, neighbour, b, c] = [new Member(A), new Member(A), new Member(B), new Member(C)];
    await Promise.all([sender, neighbour, b, c].map((m) => m.subscribe(room)));
    await sender.client.call("publish", { topic: room, n: 1 });
    await until(() => neighbour.has(room, 1) && b.has(room, 1) && c.has(room, 1), 10_000, "the publish on every instance");
    // A server publish is the barrier: it reaches the sender too, after anything before it.
    await b.client.call("broadcast", { topic: room, n: 2 });
    await until(() => [sender, neighbour, b, c].every((m) => m.has(room, 2)), 10_000, "the server publish from B everywhere");
    expect(sender.on(room)).toEqual([2]);
    for (const m of [neighbour, b, c]) expect(m.on(room)).toEqual([1, 2]);
  });

  test("an instance listens to a topic's channel only while it has subscribers", async () => {
    const room = topic();
    expect(await redis.subscribers(room)).toBe(0);
    const [a1, a2, b] = [new Member(A), new Member(A), new Member(B)];
    await a1.subscribe(room);
    await until(async () => (await redis.subscribers(room)) === 1, 10_000, "A's subscription");
    await a2.subscribe(room);
    await b.subscribe(room);
    await until(async () => (await redis.subscribers(room)) === 2, 10_000, "B's subscription (A subscribes once for two clients)");
    await a1.client.call("unsubscribe", { topic: room });
    await Bun.sleep(50);
    expect(await redis.subscribers(room)).toBe(2); // a2 still listens on A
    a2.client.close(); // a disconnect drops its subscriptions
    await until(async () => (await redis.subscribers(room)) === 1, 10_000, "A's unsubscription after the last local subscriber left");
    await b.client.call("unsubscribe", { topic: room });
    await until(async () => (await redis.subscribers(room)) === 0, 10_000, "no instance listening");
  });

  test("unsubscribe and disconnect stop delivery", async () => {
    const room = topic();
    const control = topic();
    const [sender, b, c, stays] = [new Member(A), new Member(B), new Member(C), new Member(C)];
    await Promise.all([b.subscribe(room, control), c.subscribe(room), stays.subscribe(room, control)]);
    await b.client.call("unsubscribe", { topic: room });
    c.client.close();
    await until(async () => (await redis.subscribers(room)) === 1, 10_000, "only C's subscription to the room left");
    await sender.client.call("publish", { topic: room, n: 1 });
    // One publishing instance's messages stay in order across topics, so once the
    // control message is in, a room message would have been too.
    await sender.client.call("publish", { topic: control, n: 2 });
    await until(() => b.has(control, 2) && stays.has(control, 2), 10_000, "the control message");
    expect(stays.on(room)).toEqual([1]);
    expect(b.on(room)).toEqual([]);
    expect(c.on(room)).toEqual([]);
  });

  test("1,000 publishes from one instance arrive in order, once each, on the others", async () => {
    const room = topic();
    const [sender, b, c, local] = [new Member(A), new Member(B), new Member(C), new Member(A)];
    await Promise.all([b, c, local].map((m) => m.subscribe(room)));
    const expected = Array.from({ length: 1_000 }, (_, i) => i);
    // client.publish, one call each, then server.publish in one synchronous burst.
    await Promise.all(expected.slice(0, 500).map((n) => sender.client.call("publish", { topic: room, n })));
    await sender.client.call("burst", { topic: room, from: 500, count: 500 });
    await until(() => [b, c, local].every((m) => m.on(room).length >= 1_000), 10_000, "1,000 messages on every subscriber");
    await Bun.sleep(100); // a duplicate would arrive right behind
    for (const m of [b, c, local]) expect(m.on(room)).toEqual(expected);
  });

  test("once client.subscribe resolves, publishes from other instances reach the client", async () => {
    const [sender, b] = [new Member(A), new Member(B)];
    const rooms = Array.from({ length: 100 }, () => topic());
    for (const [i, room] of rooms.entries()) {
      await b.subscribe(room); // the procedure returns client.subscribe's promise
      await sender.client.call("publish", { topic: room, n: i });
    }
    const last = topic();
    await b.subscribe(last);
    await sender.client.call("publish", { topic: last, n: -1 });
    await until(() => b.has(last, -1), 10_000, "the last publish");
    expect(rooms.filter((room, i) => !b.has(room, i))).toEqual([]);
  });

  test("a publish to clientTopic(id) reaches that one client on whichever instance it is connected to", async () => {
    const [a, b, c] = [new Member(A), new Member(B), new Member(C)];
    const id = await c.client.call("whoami");
    await a.client.call("sendTo", { id, n: 7 });
    await until(() => c.has("direct", 7), 10_000, "the direct message on C");
    await b.client.call("sendTo", { id: await a.client.call("whoami"), n: 8 }); // and back to A
    await until(() => a.has("direct", 8), 10_000, "the direct message on A");
    await Bun.sleep(50);
    expect(c.on("direct")).toEqual([7]);
    expect(a.on("direct")).toEqual([8]);
    expect(b.on("direct")).toEqual([]);
  });

  test("Redis killed and restarted mid-run: local delivery goes on, the adapters report it, resubscribe, and delivery resumes", async () => {
    const room = topic();
    const [sender, local, b, c] = [new Member(A), new Member(A), new Member(B), new Member(C)];
    await Promise.all([local, b, c].map((m) => m.subscribe(room)));
    let n = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing && n < 5_000) {
        await sender.client.call("publish", { topic: room, n: n++ });
        await Bun.sleep(2);
      }
    })();
    try {
      await until(() => b.on(room).length >= 20 && c.on(room).length >= 20, 5_000, "traffic before the crash");
      await redis.kill();
      const killedAt = n;
      await until(() => local.on(room).length >= killedAt + 20, 5_000, "local delivery on A while Redis is down");
      for (const instance of [A, B, C]) {
        await until(async () => (await instance.stats()).status !== "connected", 5_000, "the adapter to notice the outage");
      }
      const gapFrom = n;
      await redis.start();
      for (const instance of [A, B, C]) {
        await until(async () => (await instance.stats()).status === "connected", 10_000, "the adapter to reconnect");
      }
      await until(async () => (await redis.subscribers(room)) === 3, 5_000, "every instance resubscribed");
      const resumedFrom = n;
      await until(() => b.on(room).some((x) => x > resumedFrom) && c.on(room).some((x) => x > resumedFrom), 5_000, "delivery after the restart");
      publishing = false;
      await publisher;
      await until(() => b.on(room).at(-1) === n - 1 && c.on(room).at(-1) === n - 1, 5_000, "the last message everywhere");
      expect(gapFrom).toBeGreaterThan(killedAt);
      // Local subscribers missed nothing; remote ones lost some during the outage but
      // never got one twice or out of order.
      expect(local.on(room)).toEqual(Array.from({ length: n }, (_, i) => i));
      for (const m of [b, c]) {
        const got = m.on(room);
        expect(got.every((x, i) => i === 0 || x > got[i - 1]!)).toBe(true);
      }
      const stats = await A.stats();
      expect(stats.stats.reconnects).toBeGreaterThanOrEqual(2); // publish and subscribe connections
      expect(stats.faults.some((f) => f.includes("is down"))).toBe(true);
      expect((await B.stats()).faults.some((f) => f.includes("is down"))).toBe(true);
      // A's publishes during the outage were counted and reported, not silently lost.
      expect(stats.stats.dropped).toBeGreaterThan(0);
      await until(async () => (await A.stats()).faults.some((f) => /\d+ publish(es were| was) not forwarded/.test(f)), 5_000, "the drop report");
    } finally {
      publishing = false;
      await publisher;
    }
  }, 40_000);

  test("server.close() closes the adapter: the instance's channels go away", async () => {
    const room = topic();
    const adapter = createRedisAdapter({ url: redis.url });
    const errors: unknown[] = [];
    const chatter = createServer({
      schema,
      adapter,
      onError: (error) => void errors.push(error),
      procedures: {
        subscribe: ({ topic }, client) => client.subscribe(topic),
        unsubscribe: () => {},
        publish: () => {},
        broadcast: () => {},
        burst: () => {},
        sendTo: () => {},
        whoami: (_, client) => client.id,
      },
    });
    const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (chatter.upgrade(req, srv) ? undefined : new Response(null, { status: 400 })), websocket: chatter.handler });
    try {
      await adapter.ready(5_000);
      const member = new Member({ url: `ws://127.0.0.1:${bun.port}` } as Instance);
      await member.subscribe(room);
      expect(await redis.subscribers(room)).toBe(1); // the subscribe resolved after Redis confirmed it
      chatter.close();
      expect(adapter.status).toBe("closed");
      await until(async () => (await redis.subscribers(room)) === 0, 5_000, "the channel to go away");
      expect(errors).toEqual([]);
    } finally {
      bun.stop(true);
    }
  });

  test("an adapter started while Redis is down reports it, serves locally, and connects when Redis comes up", async () => {
    const late = new Redis();
    const adapter = createRedisAdapter({ url: late.url, reconnectDelay: 20, maxReconnectDelay: 100 });
    const errors: Error[] = [];
    const chatter = createServer({
      schema,
      adapter,
      onError: (error) => void errors.push(error as Error),
      procedures: {
        subscribe: ({ topic }, client) => client.subscribe(topic),
        unsubscribe: () => {},
        publish: ({ topic, n }, client) => client.publish(topic, "deliver", { topic, n }),
        broadcast: () => {},
        burst: () => {},
        sendTo: () => {},
        whoami: (_, client) => client.id,
      },
    });
    const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (chatter.upgrade(req, srv) ? undefined : new Response(null, { status: 400 })), websocket: chatter.handler });
    try {
      await until(() => errors.some((e) => e.message.includes("is down")), 5_000, "the fault report");
      expect(adapter.status).toBe("connecting");
      const url = `ws://127.0.0.1:${bun.port}`;
      const [sender, listener] = [new Member({ url } as Instance), new Member({ url } as Instance)];
      await listener.subscribe("early");
      await sender.client.call("publish", { topic: "early", n: 1 });
      await until(() => listener.has("early", 1), 5_000, "local delivery without Redis");
      await late.start();
      await adapter.ready(10_000);
      expect(await late.subscribers("early")).toBe(1); // subscribed on connect
    } finally {
      chatter.close();
      bun.stop(true);
    }
  }, 20_000);

  test("after the restart a new subscription reaches the others too", async () => {
    const room = topic();
    const [sender, b] = [new Member(A), new Member(B)];
    await b.subscribe(room);
    await sender.client.call("publish", { topic: room, n: 1 });
    await until(() => b.has(room, 1), 10_000, "the publish on B");
    expect(b.on(room)).toEqual([1]);
  });
});
