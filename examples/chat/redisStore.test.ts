// The Redis history against a real redis-server on a free port of 127.0.0.1 (the same tests as
// sqliteStore.test.ts, and what several instances sharing one Redis need). Without redis-server
// they skip, loudly; under CI they run and fail.
import { afterAll, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { createRedisStore, type RedisStoreOptions } from "./redisStore.ts";
import { startRedisServer } from "./redisServer.ts";
import { testRedisServer } from "./testRedis.ts";
import type { ChatStore } from "./store.ts";

const redis = testRedisServer("the chat's Redis store tests");
const skip = redis.skip;

const stores: ChatStore[] = [];
let tests = 0;
/** A store with keys of its own (a fresh history per test), on the shared redis-server. */
function store(options: RedisStoreOptions = {}, prefix = `t${++tests}:`): ChatStore {
  const made = createRedisStore(redis.url(), { prefix, ...options });
  stores.push(made);
  return made;
}
afterAll(() => {
  for (const made of stores) made.close();
});

test.skipIf(skip)("the store keeps a room's last messages, oldest first, and a total across rooms (the oldest go first)", async () => {
  const chat = store({ perRoom: 3, total: 5 }, "bounds:");
  for (let i = 1; i <= 4; i++) await chat.add({ roomId: "a", username: "ada", message: `a${i}` });
  expect((await chat.history("a")).map((m) => m.message)).toEqual(["a2", "a3", "a4"]);
  // Two more rooms: five messages in all at most, so room a loses its oldest.
  for (const roomId of ["b", "c"]) for (let i = 1; i <= 2; i++) await chat.add({ roomId, username: "bob", message: `${roomId}${i}` });
  expect((await chat.history("a")).map((m) => m.message)).toEqual(["a4"]);
  expect((await chat.history("c")).map((m) => m.message)).toEqual(["c1", "c2"]);
  expect(await chat.history("nowhere")).toEqual([]);
  // What is trimmed from Redis is gone, not just hidden: five messages, one index entry each.
  const raw = new RedisClient(redis.url());
  try {
    expect(((await raw.send("KEYS", ["bounds:*"])) as string[]).sort()).toEqual(["bounds:all", "bounds:id", "bounds:room:a", "bounds:room:b", "bounds:room:c"]);
    expect(await raw.send("ZCARD", ["bounds:all"])).toBe(5);
  } finally {
    raw.close();
  }
});

test.skipIf(skip)("ids grow and messages are stored as given (the schema has cleaned them), with Redis's time", async () => {
  const chat = store();
  const first = await chat.add({ roomId: "r", username: "ada", message: 'two\nlines ✓ "quoted" / \\ \t \u{1F986}' });
  const second = await chat.add({ roomId: "r", username: "ada", message: "next" });
  expect(Number(second.id)).toBeGreaterThan(Number(first.id));
  expect(second.sentAt).toBeGreaterThanOrEqual(first.sentAt);
  expect(first).toMatchObject({ roomId: "r", username: "ada", message: 'two\nlines ✓ "quoted" / \\ \t \u{1F986}' });
  expect(Math.abs(first.sentAt - Date.now())).toBeLessThan(5_000);
  expect(await chat.history("r")).toEqual([first, second]);
});

test.skipIf(skip)("a room's messages read newest first, a page at a time, to the first", async () => {
  const chat = store();
  for (let i = 1; i <= 60; i++) await chat.add({ roomId: i % 2 ? "odd" : "even", username: "ada", message: `m${i}` });
  const read: string[] = [];
  for await (const message of chat.messages("odd")) read.push(message.message);
  expect(read).toEqual(Array.from({ length: 30 }, (_, i) => `m${59 - 2 * i}`));
  for await (const _ of chat.messages("nowhere")) throw new Error("no messages there");
});

test.skipIf(skip)("a read in progress neither repeats nor skips a message when others are sent meanwhile", async () => {
  const chat = store();
  for (let i = 1; i <= 30; i++) await chat.add({ roomId: "r", username: "ada", message: `m${i}` });
  const read: string[] = [];
  for await (const message of chat.messages("r")) {
    read.push(message.message);
    if (read.length === 1) for (let i = 31; i <= 35; i++) await chat.add({ roomId: "r", username: "bob", message: `m${i}` });
  }
  expect(read).toEqual(Array.from({ length: 30 }, (_, i) => `m${30 - i}`));
});

test.skipIf(skip)("two instances sharing one Redis share one history and never give out an id twice; a restarted one goes on from there", async () => {
  const prefix = "shared:";
  const [one, two] = [store({}, prefix), store({}, prefix)];
  const sent = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).add({ roomId: "lobby", username: i % 2 ? "ada" : "bob", message: `m${i}` })),
  );
  const ids = sent.map((m) => Number(m.id));
  expect(new Set(ids).size).toBe(40);
  const history = await one.history("lobby");
  expect(await two.history("lobby")).toEqual(history);
  // In id order, and the times agree with it (one clock, Redis's).
  expect(history.map((m) => Number(m.id))).toEqual([...ids].sort((a, b) => a - b));
  expect(history.map((m) => m.sentAt)).toEqual(history.map((m) => m.sentAt).sort((a, b) => a - b));

  one.close(); // an instance stops; a new one (a new connection) picks up where the ids were
  const restarted = store({}, prefix);
  expect(await restarted.history("lobby")).toEqual(history);
  const next = await restarted.add({ roomId: "lobby", username: "ada", message: "back" });
  expect(Number(next.id)).toBeGreaterThan(Math.max(...ids));
});

test.skipIf(skip)("with Redis out of reach a call fails in bounded time, in words; the store works again once Redis is back", async () => {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  let own = await startRedisServer(port);
  const chat = createRedisStore(own.url, { timeout: 500 });
  stores.push(chat);
  try {
    await chat.add({ roomId: "r", username: "ada", message: "before" });
    await own.stop();
    const started = Date.now();
    const failure = await chat.add({ roomId: "r", username: "ada", message: "lost" }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "INTERNAL", message: "The history is out of reach for now: try again" });
    expect(Date.now() - started).toBeLessThan(3_000);
    own = await startRedisServer(port); // empty: this one keeps no data
    const end = Date.now() + 10_000;
    let after: unknown;
    do after = await chat.add({ roomId: "r", username: "ada", message: "after" }).catch((error: unknown) => error);
    while (!(after && typeof after === "object" && "id" in after) && Date.now() < end && (await Bun.sleep(50), true));
    expect((await chat.history("r")).map((m) => m.message)).toEqual(["after"]);
  } finally {
    await own.stop();
  }
});
