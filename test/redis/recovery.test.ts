// Recovery across instances: sessions and each instance's log in a real redis-server, the
// instances child processes (SIGKILLed, shut down), clients failing over between them.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { createClient, type ChatterClient } from "../../client/index.ts";
import { type Instance, rawSession, Redis, redisBinary, startInstance, stopAll, until } from "./cluster.ts";
import { recoverySchema as schema } from "./recoveryInstance.ts";
import { dropProxy } from "../rpc/fixtures/proxy.ts";

if (!redisBinary) console.warn("\n⚠ SKIPPING the Redis recovery tests: redis-server is not installed (apt-get install redis-server)\n");

const clients: ChatterClient<typeof schema>[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const ws of sockets.splice(0)) ws.close();
  await stopAll();
});
afterAll(() => stopAll());

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function cluster(count: number, env: Record<string, string> = {}) {
  const redis = new Redis();
  await redis.start();
  const instances = await Promise.all(Array.from({ length: count }, () => startInstance(redis.url, env, "recoveryInstance.ts")));
  return { redis, instances };
}

/**
 * A client whose `url` is `target()` on every attempt, recording what it receives per topic
 * and every open; `rejoin` is joined again on an open that did not recover.
 */
function member(target: () => string, rejoin?: { topic: string; name: string }, delay = 50) {
  const got = new Map<string, number[]>();
  const opens: boolean[] = [];
  /** What had arrived on each topic at each open. */
  const at: number[] = [];
  const client = createClient({
    url: target,
    schema,
    heartbeat: false,
    reconnect: { initialDelay: delay, maxDelay: delay * 4 },
    onOpen: async (socket, { recovered }) => {
      opens.push(recovered);
      at.push([...got.values()].reduce((sum, list) => sum + list.length, 0));
      if (!recovered && rejoin && opens.length > 1) await socket.call("join", rejoin);
    },
    procedures: {
      deliver: ({ topic, n }) => {
        const list = got.get(topic) ?? [];
        list.push(n);
        got.set(topic, list);
      },
    },
  });
  clients.push(client);
  return { client, opens, at, on: (topic: string) => got.get(topic) ?? [] };
}

/** The session record in Redis: the SHA-256 of its token, its topics with their marks, its state; undefined when there is none. */
async function sessionRecord(redis: Redis, id: string) {
  const value = (await redis.command("GET", [`chatter:session:${id}`])) as string | null | undefined;
  if (typeof value !== "string") return undefined;
  const record = JSON.parse(value.slice(65)) as { t: [string, Record<string, number>][]; s?: Record<string, unknown> };
  return { hash: value.slice(0, 64), topics: new Map(record.t), state: record.s };
}

const sha256 = (text: string) => new Bun.CryptoHasher("sha256").update(text).digest("hex");

describe.skipIf(!redisBinary)("recovery across instances", () => {
  test("A SIGKILLed mid-stream of publishes from B: the client fails over to B and gets every publish once, in order, and its id and state", async () => {
    const { instances } = await cluster(2);
    const [A, B] = instances as [Instance, Instance];
    let target = A;
    const m = member(() => target.url, undefined, 300); // away for 300 ms or more: hundreds of publishes missed
    await m.client.call("join", { topic: "room", name: "ada" });
    const before = await m.client.call("whoami");
    const publisher = member(() => B.url);
    await publisher.client.call("stream", { topic: "room", from: 0, count: 2_000, every: 1 });
    await until(() => m.on("room").length >= 300, 10_000, "the first publishes");

    A.kill();
    target = B;
    await until(() => m.client.status !== "open", 5_000, "the client to see the drop");
    const killed = m.on("room").length;
    await publisher.client.call("sendTo", { id: before.id, n: 1 }); // to this client alone, wherever it is
    await until(() => m.opens.length === 2, 10_000, "the fail-over");
    expect(m.at[1]).toBe(killed); // nothing arrived while it was away: what it missed must come from the replay
    await until(() => m.on("room").length >= 2_000, 15_000, "every publish");
    await publisher.client.call("burst", { topic: "room", from: 2_000, count: 10 }); // newer than the replay
    await until(() => m.on("room").length >= 2_010 && m.on("direct").length >= 1, 5_000, "the newer ones"); // a duplicate would have come before them
    expect(m.on("room")).toEqual(range(0, 2_010));
    expect(m.on("direct")).toEqual([1]);
    expect(m.opens).toEqual([false, true]);
    expect(await m.client.call("whoami")).toEqual(before);
    expect((await B.stats()).faults).toEqual([]);
  }, 40_000);

  test("a session recovered on B tracks its presence metas again there", async () => {
    const { redis, instances } = await cluster(2, { PRESENCE_TIMEOUT: "500" }); // A's entries are swept soon after it dies
    const [A, B] = instances as [Instance, Instance];
    const [a, b] = [(await A.stats()).id, (await B.stats()).id];
    let target = A;
    const m = member(() => target.url);
    await m.client.call("join", { topic: "room", name: "ada" });
    await m.client.call("track", { topic: "room", name: "ada" });
    const { id } = await m.client.call("whoami");
    const admin = member(() => B.url);
    await until(async () => (await admin.client.call("presence", { topic: "room" })).some((e) => e.id === id), 5_000, "the meta on B");
    /** A expired and was swept: in neither set. */
    const swept = async () => (await redis.command("ZSCORE", ["chatter:instances", a])) == null && (await redis.command("ZSCORE", ["chatter:presence-sweeps", a])) == null;
    /** The instance whose entry for the client is in Redis. */
    const owner = async () => String(await redis.command("HGET", ["chatter:presence:room", id])).slice(0, a.length);
    expect([await swept(), await owner()]).toEqual([false, a]);
    A.kill();
    target = B;
    await until(() => m.opens.length === 2, 10_000, "the fail-over");
    expect(m.opens).toEqual([false, true]);
    await until(async () => (await swept()) && (await owner()) === b, 10_000, "A's sweep and B's entry"); // then what is listed is B's
    expect(await admin.client.call("presence", { topic: "room" })).toEqual([{ id, name: "ada" }]);
  }, 30_000);

  test("a clean shutdown() of A: the client reconnects to B and recovers what was published meanwhile", async () => {
    const { instances } = await cluster(2);
    const [A, B] = instances as [Instance, Instance];
    let target = A;
    const m = member(() => target.url);
    await m.client.call("join", { topic: "room", name: "ada" });
    const before = await m.client.call("whoami");
    const publisher = member(() => B.url);
    await publisher.client.call("burst", { topic: "room", from: 0, count: 100 });
    await until(() => m.on("room").length === 100, 5_000, "the first publishes");
    target = B;
    await publisher.client.call("stream", { topic: "room", from: 100, count: 500, every: 1 });
    const admin = member(() => A.url);
    await admin.client.call("shutdown");
    await until(() => m.opens.length === 2, 10_000, "the reconnect to B");
    await until(() => m.on("room").length >= 600, 10_000, "every publish");
    await publisher.client.call("burst", { topic: "room", from: 600, count: 1 }); // from B as well: a duplicate would come before it
    await until(() => m.on("room").includes(600), 5_000, "the last publish");
    expect(m.on("room")).toEqual(range(0, 601));
    expect(m.opens).toEqual([false, true]);
    expect(await m.client.call("whoami")).toEqual(before);
  }, 30_000);

  test("a token is single-use across instances: replayed from a second client it gets a fresh session; a wrong secret spends nothing", async () => {
    const { redis, instances } = await cluster(3);
    const [A, B, C] = instances as [Instance, Instance, Instance];
    const victim = await rawSession(A.url, sockets);
    await victim.call("join", { topic: "room", name: "victim" });
    const { id } = await victim.call("whoami");
    A.kill();
    await Bun.sleep(50);

    const guess = await rawSession(B.url, sockets, `${id}${"A".repeat(21)}`);
    expect(guess.recovered).toBe(false);
    const back = await rawSession(B.url, sockets, victim.token);
    expect(back.recovered).toBe(true);
    expect(await back.call("whoami")).toEqual({ id, name: "victim" });

    const replayed = await rawSession(C.url, sockets, victim.token);
    expect(replayed.recovered).toBe(false);
    const who = await replayed.call("whoami");
    expect(who.id).not.toBe(id);
    expect(who.name).toBeUndefined();
    expect(back.token).not.toBe(victim.token);
    // The recovered session's new token works once, on any instance.
    back.ws.close(4000); // a close the client chose ends the session
    await until(async () => (await sessionRecord(redis, id)) === undefined, 5_000, "the session to end");
    expect((await rawSession(C.url, sockets, back.token)).recovered).toBe(false);
  }, 30_000);

  test("a hostile last-received map in HELLO (an array, bad numbers, wrong-length origins, 200 origins) is ignored: the session still recovers, the instance serves on", async () => {
    const { instances } = await cluster(2);
    const [A, B] = instances as [Instance, Instance];
    const one = await rawSession(A.url, sockets);
    const two = await rawSession(A.url, sockets);
    await one.call("join", { topic: "room", name: "one" });
    await two.call("join", { topic: "room", name: "two" });
    const [idOne, idTwo] = [(await one.call("whoami")).id, (await two.call("whoami")).id];
    A.kill();
    await Bun.sleep(50);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`o${String(i).padStart(7, "0")}`, i % 2 ? -1 : 1e300]));
    const backOne = await rawSession(B.url, sockets, one.token, [1, 2, 3]);
    const backTwo = await rawSession(B.url, sockets, two.token, { ...many, short: 5, toolongorigin: 7, origin01: 2.5 });
    expect([backOne.recovered, backTwo.recovered]).toEqual([true, true]);
    expect(await backOne.call("whoami")).toEqual({ id: idOne, name: "one" });
    expect(await backTwo.call("whoami")).toEqual({ id: idTwo, name: "two" });
  }, 30_000);

  test("a socket still open on A whose session a new socket took on B is closed 1001 at A's next refresh, and A writes nothing over the session", async () => {
    const { redis, instances } = await cluster(2, { RECOVERY_WINDOW: "2000" }); // a refresh a second
    const [A, B] = instances as [Instance, Instance];
    const first = await rawSession(A.url, sockets);
    await first.call("join", { topic: "room", name: "ada" });
    const closed = new Promise<number>((resolve) => first.ws.addEventListener("close", (event) => resolve(event.code)));
    const second = await rawSession(B.url, sockets, first.token);
    expect(second.recovered).toBe(true);
    expect(await Promise.race([closed, Bun.sleep(3_000).then(() => 0)])).toBe(1001);
    await Bun.sleep(1_200); // another refresh on A: it writes nothing over B's session
    const record = await sessionRecord(redis, first.token.slice(0, 21));
    expect(record?.hash).toBe(sha256(second.token)); // still under the token B handed out
    expect(record?.topics.has("room")).toBe(true);
    expect(record?.state).toEqual({ name: "ada" });
  }, 30_000);

  test("past maxMessages of the publishing instance's log the session is not recoverable: a fresh session, never part of a replay", async () => {
    const { instances } = await cluster(2, { RECOVERY_MAX_MESSAGES: "50" });
    const [A, B] = instances as [Instance, Instance];
    let target = A;
    const room = { topic: "room", name: "ada" };
    const m = member(() => target.url, room, 300);
    await m.client.call("join", room);
    const { id } = await m.client.call("whoami");
    const publisher = member(() => B.url);
    A.kill();
    target = B;
    await publisher.client.call("burst", { topic: "room", from: 0, count: 200 }); // while the client is away
    await until(() => m.opens.length === 2, 10_000, "the reconnect");
    await until(async () => (await m.client.call("whoami")).name === "ada", 5_000, "the rejoin");
    await publisher.client.call("burst", { topic: "room", from: 200, count: 1 });
    await until(() => m.on("room").length > 0, 5_000, "the next publish");
    expect(m.opens).toEqual([false, false]);
    expect(m.on("room")).toEqual([200]);
    expect((await m.client.call("whoami")).id).not.toBe(id);
  }, 30_000);

  test("a quiet session stays recoverable while another instance logs far more than maxMessages to other topics (its marks move on while it is live)", async () => {
    const { instances } = await cluster(2, { RECOVERY_MAX_MESSAGES: "50", RECOVERY_WINDOW: "2000" }); // a refresh a second
    const [A, B] = instances as [Instance, Instance];
    let target = A;
    const m = member(() => target.url);
    await m.client.call("join", { topic: "quiet", name: "ada" });
    const publisher = member(() => B.url);
    await publisher.client.call("burst", { topic: "busy", from: 0, count: 500 });
    for (let i = 0; i < 14; i++) {
      await m.client.call("whoami"); // the client is there
      await Bun.sleep(300);
    }
    A.kill();
    target = B;
    await until(() => m.opens.length === 2, 10_000, "the fail-over");
    await publisher.client.call("burst", { topic: "quiet", from: 0, count: 3 });
    await until(() => m.on("quiet").length === 3, 5_000, "the quiet topic's publishes");
    await publisher.client.call("burst", { topic: "quiet", from: 3, count: 1 }); // from B as well: a stray frame would come before it
    await until(() => m.on("quiet").includes(3), 5_000, "the last publish");
    expect(m.opens).toEqual([false, true]);
    expect(m.on("quiet")).toEqual([0, 1, 2, 3]);
    expect(m.on("busy")).toEqual([]);
  }, 30_000);

  test("a state JSON cannot carry (NaN) is reported and not kept across instances, never turned into null", async () => {
    const { instances } = await cluster(2);
    const [A, B] = instances as [Instance, Instance];
    let target = A;
    const m = member(() => target.url);
    await m.client.call("join", { topic: "room", name: "ada" });
    const { id } = await m.client.call("whoami");
    await m.client.call("setScore", { score: "NaN" });
    expect(await m.client.call("score")).toBe("NaN"); // A's own socket keeps it as it is
    await until(async () => (await A.stats()).faults.length > 0, 5_000, "A to report the state it cannot keep");
    expect((await A.stats()).faults).toEqual([expect.stringContaining("NaN")]);
    A.kill();
    target = B;
    await until(() => m.opens.length === 2, 10_000, "the fail-over");
    expect(m.opens).toEqual([false, true]); // the session is recovered, its state is not
    expect(await m.client.call("whoami")).toEqual({ id });
    expect(await m.client.call("score")).toBe("undefined");
  }, 30_000);

  test("an instance gone for longer than the window is forgotten: a topic subscribed to after that has no mark of it", async () => {
    const { redis, instances } = await cluster(2, { RECOVERY_WINDOW: "1000" }); // stale 11 s after its last beat
    const [A, C] = instances as [Instance, Instance];
    const s = await rawSession(A.url, sockets);
    await s.call("join", { topic: "room", name: "ada" });
    const { id } = await s.call("whoami");
    const publisher = await rawSession(C.url, sockets);
    await publisher.call("burst", { topic: "room", from: 0, count: 1 });
    await until(() => s.frames.some((f) => f[0] === 15), 5_000, "C's publish");
    const origin = s.frames.find((f) => f[0] === 15)![3] as string; // [15, n, frame, origin]
    const marks = async (topic: string) => Object.keys((await sessionRecord(redis, id))?.topics.get(topic) ?? {});
    await s.call("join", { topic: "before" });
    expect(await marks("before")).toContain(origin);

    const listed = async () => Number(await redis.command("HEXISTS", ["chatter:origins", origin])) === 1;
    await until(listed, 5_000, "C's entry in the origins");
    C.kill();
    await until(async () => !(await listed()), 20_000, "C's entry to go stale");
    await s.call("join", { topic: "after" });
    expect(await marks("after")).not.toContain(origin);
    expect(await marks("after")).not.toEqual([]); // A's own is there
  }, 40_000);

  test("Redis restarted mid-window: sessions it held start fresh (recovered false, no duplicates), and one begun after the restart recovers in full", async () => {
    const { redis, instances } = await cluster(3);
    const [A, B, C] = instances as [Instance, Instance, Instance];
    const room = { topic: "room", name: "old" };
    let target = A;
    const old = member(() => target.url, room);
    await old.client.call("join", room);
    // A dropped session: cut from its instance until after the restart.
    const proxy = dropProxy(A.port);
    const dropped = member(() => proxy.url, room);
    await dropped.client.call("join", room);
    const publisher = member(() => B.url);
    await publisher.client.call("burst", { topic: "room", from: 0, count: 50 });
    await until(() => old.on("room").length === 50 && dropped.on("room").length === 50, 5_000, "the first publishes");
    proxy.cut();

    await redis.kill();
    await redis.start();
    for (const instance of instances) await until(async () => (await instance.stats()).status === "connected", 10_000, "the adapters to reconnect");
    const fresh = member(() => target.url);
    await fresh.client.call("join", { topic: "room", name: "new" });
    const before = await fresh.client.call("whoami");
    proxy.heal();
    await until(() => dropped.opens.length === 2, 10_000, "the dropped client's reconnect");
    expect(dropped.opens).toEqual([false, false]);

    await publisher.client.call("stream", { topic: "room", from: 50, count: 1_000, every: 1 });
    await until(() => fresh.on("room").length >= 100, 10_000, "publishes after the restart");
    A.kill();
    target = C;
    await until(() => old.opens.length === 2 && fresh.opens.length === 2, 10_000, "the fail-overs to C");
    await until(() => fresh.on("room").length >= 1_000, 15_000, "every publish after the restart");
    await publisher.client.call("burst", { topic: "room", from: 1_050, count: 10 });
    await until(() => fresh.on("room").at(-1) === 1_059 && old.on("room").at(-1) === 1_059, 5_000, "the last publish");

    expect(fresh.opens).toEqual([false, true]);
    expect(fresh.on("room")).toEqual(range(50, 1_060));
    expect(await fresh.client.call("whoami")).toEqual(before);
    // The session Redis lost: a fresh one, rejoined by onOpen; what it got, it got once and in order.
    expect(old.opens).toEqual([false, false]);
    for (const got of [old.on("room"), dropped.on("room")]) expect(got.every((n, i) => i === 0 || n > got[i - 1]!)).toBe(true);
    expect((await old.client.call("whoami")).name).toBe("old");
    for (const instance of [B, C]) expect((await instance.stats()).status).toBe("connected");
  }, 60_000);
});
