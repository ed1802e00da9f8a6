// Presence across three Chatter instances (child processes) through a real redis-server:
// lists agree, `onPresence` runs once per change (on the instance where it happened), a
// SIGKILLed instance's members leave within a bounded time and exactly one survivor
// reports them, a Redis restarted empty gets every instance's entries back, and a session
// that moved to another instance leaves no stale leave behind.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ChatterClient } from "../../client/index.ts";
import { createRedisAdapter } from "../../redis/createRedisAdapter.ts";
import { RedisPresence } from "../../redis/presence.ts";
import { createServer } from "../../server/index.ts";
import { type Instance, rawSession, Redis, redisBinary, startInstance, stopAll, until } from "./cluster.ts";
import { presenceSchema } from "./presenceInstance.ts";

if (!redisBinary) console.warn("\n⚠ SKIPPING the Redis presence tests: redis-server is not installed (apt-get install redis-server)\n");

const TIMEOUT = 1_500;
/** A crashed instance's members leave within `presenceTimeout` plus a refresh (docs/scaling.md); allowed 3× plus a second, for a loaded machine. */
const BOUND = TIMEOUT * 3 + 1_000;
type Client = ChatterClient<typeof presenceSchema>;
type Entry = { id: string; meta: { name: string } };

const clients: Client[] = [];
const sockets: WebSocket[] = [];
let redis: Redis;
let A: Instance;
let B: Instance;
let C: Instance;

async function member(instance: Instance): Promise<{ client: Client; id: string }> {
  const client = createClient({ url: instance.url, schema: presenceSchema, reconnect: false, heartbeat: false });
  clients.push(client);
  return { client, id: await client.call("whoami") };
}

const sorted = (list: Entry[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
/** The list as each of `via` (one client per instance) sees it. */
const lists = (via: Client[], topic: string) => Promise.all(via.map(async (client) => sorted(await client.call("list", { topic }))));
const diffsOf = async (client: Client, topic: string) => (await client.call("diffs")).filter((diff) => diff.topic === topic);
/** Every diff of `topic` the instances of `via` ran, together. */
const allDiffs = async (via: Client[], topic: string) => (await Promise.all(via.map((client) => diffsOf(client, topic)))).flat();

/**
 * A marker for "no survivor sweeps anything more": a crashed instance written into Redis, its
 * sweep's lease ending `TIMEOUT * 1.5` from now, with one member ("marker") in `topic`. What
 * would be swept by `now + TIMEOUT` (an instance expired, a lease ended) is claimed before it:
 * by an earlier refresh, or by the same one, which claims expired instances and then ended
 * leases, each by time, and sweeps them in that order. So once the marker's leave is seen, such
 * a sweep's leaves would have been seen first.
 */
async function sweptMarker(topic: string): Promise<void> {
  const [seconds, micros] = (await redis.command("TIME")) as [string, string];
  const dead = `marker-${crypto.randomUUID()}`;
  await redis.command("HSET", [`chatter:presence:${topic}`, "marker", `${dead}{"name":"marker"}`]);
  await redis.command("SADD", [`chatter:presence-of:${dead}`, topic]);
  await redis.command("ZADD", ["chatter:presence-sweeps", String(Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000) + TIMEOUT * 1.5), dead]);
}
const markerLeave = (topic: string) => ({ topic, joins: [], leaves: [{ id: "marker", meta: { name: "marker" } }] });

describe.skipIf(!redisBinary)("presence across instances through Redis", () => {
  let a: Client, b: Client, c: Client;

  beforeAll(async () => {
    redis = new Redis();
    await redis.start();
    const env = { PRESENCE_TIMEOUT: String(TIMEOUT) };
    [A, B, C] = await Promise.all([startInstance(redis.url, env, "presenceInstance.ts"), startInstance(redis.url, env, "presenceInstance.ts"), startInstance(redis.url, env, "presenceInstance.ts")]);
    [a, b, c] = (await Promise.all([member(A), member(B), member(C)])).map((m) => m.client) as [Client, Client, Client];
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const ws of sockets) ws.close();
    await stopAll();
  });

  test("lists agree on every instance; a join, a replace and a leave run onPresence once, where they happened", async () => {
    const ada = await member(A);
    const bob = await member(B);
    await ada.client.call("track", { topic: "room", name: "ada" });
    await bob.client.call("track", { topic: "room", name: "bob" });
    const both = sorted([
      { id: ada.id, meta: { name: "ada" } },
      { id: bob.id, meta: { name: "bob" } },
    ]);
    expect(await lists([a, b, c], "room")).toEqual([both, both, both]);

    await ada.client.call("track", { topic: "room", name: "ada2" });
    await bob.client.call("untrack", { topic: "room" });
    const after = [{ id: ada.id, meta: { name: "ada2" } }];
    expect(await lists([a, b, c], "room")).toEqual([after, after, after]);

    ada.client.close();
    await until(async () => (await diffsOf(a, "room")).length === 3, 5_000, "ada's leave on A");
    expect(await lists([a, b, c], "room")).toEqual([[], [], []]);

    expect(await diffsOf(a, "room")).toEqual([
      { topic: "room", joins: [{ id: ada.id, meta: { name: "ada" } }], leaves: [] },
      { topic: "room", joins: [{ id: ada.id, meta: { name: "ada2" } }], leaves: [{ id: ada.id, meta: { name: "ada" } }] },
      { topic: "room", joins: [], leaves: [{ id: ada.id, meta: { name: "ada2" } }] },
    ]);
    expect(await diffsOf(b, "room")).toEqual([
      { topic: "room", joins: [{ id: bob.id, meta: { name: "bob" } }], leaves: [] },
      { topic: "room", joins: [], leaves: [{ id: bob.id, meta: { name: "bob" } }] },
    ]);
    expect(await diffsOf(c, "room")).toEqual([]);
  });

  test("Redis restarted empty: every instance re-asserts its own entries, with no onPresence", async () => {
    const ada = await member(A);
    const cy = await member(C);
    await ada.client.call("track", { topic: "restart", name: "ada" });
    await cy.client.call("track", { topic: "restart", name: "cy" });
    const both = sorted([
      { id: ada.id, meta: { name: "ada" } },
      { id: cy.id, meta: { name: "cy" } },
    ]);
    expect(await lists([b], "restart")).toEqual([both]);
    await redis.kill();
    await redis.start(); // the same port, empty
    const started = Date.now();
    await until(async () => JSON.stringify(await lists([b], "restart")) === JSON.stringify([both]), 10_000, "the entries back in Redis");
    console.log(`re-asserted ${Date.now() - started} ms after Redis came back`);
    expect(await redis.command("HLEN", ["chatter:presence:restart"])).toBe(2);
    expect(await lists([a, b, c], "restart")).toEqual([both, both, both]);
    expect((await Promise.all([a, b, c].map((x) => diffsOf(x, "restart")))).flat().length).toBe(2); // the two joins, nothing more
    for (const instance of [A, B, C]) await until(async () => (await instance.stats()).status === "connected", 10_000, "the adapter back");
  }, 20_000);

  test("an instance that closes removes its entries and its expiry: no survivor reports its members again", async () => {
    const adapter = createRedisAdapter({ url: redis.url, presenceTimeout: TIMEOUT });
    const diffs: unknown[] = [];
    const chatter = createServer({
      schema: presenceSchema,
      adapter,
      onPresence: (topic, diff) => void diffs.push([topic, diff]),
      procedures: {
        track: ({ topic, name }, client) => client.track(topic, { name }),
        untrack: () => {},
        list: () => [],
        whoami: (_, client) => client.id,
        diffs: () => [],
        connected: () => false,
      },
    });
    const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (chatter.upgrade(req, srv) ? undefined : new Response(null, { status: 400 })), websocket: chatter.handler });
    try {
      await adapter.ready(5_000);
      const dee = await member({ url: `ws://127.0.0.1:${bun.port}` } as Instance);
      await dee.client.call("track", { topic: "closing", name: "dee" });
      expect(await lists([a], "closing")).toEqual([[{ id: dee.id, meta: { name: "dee" } }]]);
      chatter.close();
      await until(() => adapter.status === "closed", 3_000, "the adapter closed after presence's last writes");
      await until(() => diffs.length === 2, 1_000, "dee's leave");
      expect(diffs).toEqual([
        ["closing", { joins: [{ id: dee.id, meta: { name: "dee" } }], leaves: [] }],
        ["closing", { joins: [], leaves: [{ id: dee.id, meta: { name: "dee" } }] }],
      ]);
      expect(await redis.command("HLEN", ["chatter:presence:closing"])).toBe(0);
      expect(await redis.command("ZSCORE", ["chatter:instances", adapter.id])).toBe(null);
      await sweptMarker("closing-marker"); // a survivor that swept it would report it before the marker
      await until(async () => (await allDiffs([a, b, c], "closing-marker")).length > 0, BOUND, "the marker's sweep");
      expect(await allDiffs([a, b, c], "closing-marker")).toEqual([markerLeave("closing-marker")]);
      expect(await allDiffs([a, b, c], "closing")).toEqual([]);
    } finally {
      bun.stop(true);
    }
  }, 15_000);

  test("an untrack that failed while Redis was unreachable is made good once the connection is back", async () => {
    const adapter = createRedisAdapter({ url: redis.url, presenceTimeout: 60_000 }); // no refresh during the test: only the reconnect re-asserts
    let down = false;
    let reconnected = () => {};
    const store = new RedisPresence(
      {
        id: adapter.id,
        command: (name, args) => (down ? Promise.reject(Object.assign(new Error("down"), { code: "DISCONNECTED" })) : adapter.command(name, args)),
        onReconnect: (listener) => void (reconnected = listener),
        ready: (timeout) => adapter.ready(timeout),
      },
      { prefix: "chatter:", timeout: 60_000 },
    );
    const local = new Map<string, (readonly [string, string])[]>();
    const left: unknown[] = [];
    store.start({ entries: () => new Map(local), left: (topic, leaves) => void left.push([topic, leaves]), report: (error) => void left.push(error) });
    adapter.attach({ deliver() {}, report() {} });
    try {
      await adapter.ready(5_000);
      await until(async () => (await redis.command("ZSCORE", ["chatter:instances", adapter.id])) !== null, 3_000, "the first refresh");
      local.set("blip", [["x1", '{"name":"x1"}'], ["x2", '{"name":"x2"}']]);
      await store.track("blip", "x1", '{"name":"x1"}');
      await store.track("blip", "x2", '{"name":"x2"}');
      local.set("blip", [["x2", '{"name":"x2"}']]);
      down = true;
      await store.untrack("blip", "x1", false); // resolves: the entry is re-asserted (here: removed) once back
      down = false;
      await until(async () => (await store.list("blip")).length === 2, 1_000, "the list, stale entry included");
      reconnected();
      await until(async () => JSON.stringify(await store.list("blip")) === JSON.stringify([["x2", '{"name":"x2"}']]), 3_000, "the stale entry gone");
      expect(left).toEqual([]);
    } finally {
      await store.close();
      adapter.close();
    }
  });

  test("a SIGKILLed instance's members leave every list within a bounded time, and one survivor runs onPresence with the leaves", async () => {
    const cy1 = await member(C);
    const cy2 = await member(C);
    const stays = await member(A);
    await cy1.client.call("track", { topic: "crash", name: "cy1" });
    await cy2.client.call("track", { topic: "crash", name: "cy2" });
    await cy2.client.call("track", { topic: "crash-2", name: "cy2" });
    await stays.client.call("track", { topic: "crash", name: "stays" });
    expect((await lists([a], "crash"))[0]!.length).toBe(3);

    C.kill();
    const killed = Date.now();
    const only = [{ id: stays.id, meta: { name: "stays" } }];
    await until(async () => JSON.stringify(await lists([a, b], "crash")) === JSON.stringify([only, only]), BOUND, "C's members gone from the lists");
    const gone = Date.now() - killed;
    const leaves = async () => (await Promise.all([a, b].map(async (x) => [...(await diffsOf(x, "crash")), ...(await diffsOf(x, "crash-2"))].filter((diff) => diff.leaves.length)))).map((d) => d.length);
    await until(async () => (await leaves()).reduce((x, y) => x + y) === 2, BOUND, "the sweep's leaves");
    const swept = Date.now() - killed;
    console.log(`SIGKILL → gone from the lists in ${gone} ms, onPresence with the leaves in ${swept} ms (presenceTimeout ${TIMEOUT} ms)`);
    expect(gone).toBeLessThan(BOUND);
    expect(swept).toBeLessThan(BOUND);
    await sweptMarker("crash-marker"); // a second sweep of C (its lease ended, or a second claim) would report before the marker
    await until(async () => (await allDiffs([a, b], "crash-marker")).length > 0, BOUND, "the marker's sweep");
    expect(await allDiffs([a, b], "crash-marker")).toEqual([markerLeave("crash-marker")]);
    const counts = await leaves();
    expect(counts.sort()).toEqual([0, 2]); // one survivor, both topics
    const all = [...(await diffsOf(a, "crash")), ...(await diffsOf(a, "crash-2")), ...(await diffsOf(b, "crash")), ...(await diffsOf(b, "crash-2"))].filter((diff) => diff.leaves.length);
    expect(all.map((diff) => [diff.topic, sorted(diff.leaves as Entry[])]).sort()).toEqual(
      [
        ["crash", sorted([{ id: cy1.id, meta: { name: "cy1" } }, { id: cy2.id, meta: { name: "cy2" } }])],
        ["crash-2", [{ id: cy2.id, meta: { name: "cy2" } }]],
      ].sort(),
    );
    expect(await redis.command("HLEN", ["chatter:presence:crash"])).toBe(1);
  }, 30_000);

  test("a session recovered on another instance while its old socket is open: the old instance's close of that socket reports no leave", async () => {
    const env = { PRESENCE_TIMEOUT: String(TIMEOUT), RECOVERY_WINDOW: "2000" }; // sessions refreshed every second
    const [D, E] = await Promise.all([startInstance(redis.url, env, "presenceInstance.ts"), startInstance(redis.url, env, "presenceInstance.ts")]);
    try {
      const [d, e] = await Promise.all([member(D), member(E)]);
      const first = await rawSession(D.url, sockets);
      const id = (await first.call("whoami")) as string;
      await first.call("track", { topic: "moved", name: "ada" });
      const closed = new Promise<number>((resolve) => first.ws.addEventListener("close", (event) => resolve(event.code)));
      const second = await rawSession(E.url, sockets, first.token);
      expect(second.recovered).toBe(true);
      expect(await Promise.race([closed, Bun.sleep(5_000).then(() => 0)])).toBe(1001); // at D's next refresh
      await until(async () => !(await d.client.call("connected", { id })), 5_000, "D to run the old socket's close");
      // The marker: a change on D after that close (its store writes go in order), so a leave from the close comes before it.
      await d.client.call("track", { topic: "moved", name: "marker" });
      const ada = { id, meta: { name: "ada" } };
      const marker = { id: d.id, meta: { name: "marker" } };
      expect(await diffsOf(d.client, "moved")).toEqual([
        { topic: "moved", joins: [ada], leaves: [] },
        { topic: "moved", joins: [marker], leaves: [] },
      ]);
      expect(await diffsOf(e.client, "moved")).toEqual([{ topic: "moved", joins: [ada], leaves: [] }]); // the recovery's join
      const both = sorted([ada, marker]);
      expect(await lists([d.client, e.client, a], "moved")).toEqual([both, both, both]);
    } finally {
      D.kill(); // no sweeper of later tests' crashes but A, B and C
      E.kill();
    }
  }, 30_000);
});
