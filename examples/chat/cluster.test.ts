// Two chat servers sharing one real redis-server (a free port of 127.0.0.1), as
// `npm run start:cluster` runs them: one room, whichever instance a person is on. Without
// redis-server the tests skip, loudly; under CI they run and fail.
import { afterEach, expect, test } from "bun:test";
import { ChatterError, createClient } from "@manyducks.co/chatter/client";
import { testRedisServer } from "./testRedis.ts";
import { schema } from "./schema.ts";
import { startChat } from "./server.ts";

const redis = testRedisServer("the chat's cluster tests");
const skip = redis.skip;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two instances on free ports, sharing the redis-server (and so a history and the rooms' members). */
async function cluster(): Promise<[string, string]> {
  const urls = [0, 1].map(async () => {
    const chat = startChat({ port: 0, hostname: "127.0.0.1", redisUrl: redis.url() });
    cleanups.push(() => chat.stop());
    await chat.ready;
    return `ws://127.0.0.1:${chat.server.port}/ws`;
  });
  return (await Promise.all(urls)) as [string, string];
}

function connect(url: string, heard: string[] = [], members?: string[][]) {
  const client = createClient({
    url,
    schema,
    heartbeat: false,
    reconnect: false,
    procedures: {
      receiveMessage: ({ message }) => void heard.push(message.message),
      presence: ({ members: now }) => void members?.push(now),
    },
  });
  cleanups.push(() => client.close());
  return client;
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 5_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

test.skipIf(skip)("a message sent on one instance reaches the room on the other, and both serve the same history, in order", async () => {
  const [one, two] = await cluster();
  const heardByBob: string[] = [];
  const heardByAda: string[] = [];
  const ada = connect(one, heardByAda);
  const bob = connect(two, heardByBob);
  await ada.call("joinRoom", { roomId: "lobby", username: "ada" });
  await bob.call("joinRoom", { roomId: "lobby", username: "bob" });
  const first = await ada.call("sendMessage", { roomId: "lobby", message: "hi from one" });
  await until(() => heardByBob.length === 1, "bob to hear ada");
  const second = await bob.call("sendMessage", { roomId: "lobby", message: "hi from two" });
  await until(() => heardByAda.length === 1, "ada to hear bob");
  expect([heardByBob, heardByAda]).toEqual([["hi from one"], ["hi from two"]]);
  expect(Number(second.id)).toBeGreaterThan(Number(first.id));
  expect(second.sentAt).toBeGreaterThanOrEqual(first.sentAt);
  for (const client of [ada, bob]) expect(await client.call("history", { roomId: "lobby" })).toEqual([first, second]);
  // Search reads the shared history too, newest first.
  const found: string[] = [];
  for await (const message of bob.stream("search", { roomId: "lobby", query: "hi from" })) found.push(message.message);
  expect(found).toEqual(["hi from two", "hi from one"]);
});

test.skipIf(skip)("a history outlives both instances: a new cluster on the same Redis has it, and its ids go on", async () => {
  const [one] = await cluster();
  const ada = connect(one);
  await ada.call("joinRoom", { roomId: "archive", username: "ada" });
  const before = await ada.call("sendMessage", { roomId: "archive", message: "remember me" });
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();

  const [, two] = await cluster();
  const bob = connect(two);
  expect(await bob.call("history", { roomId: "archive" })).toEqual([before]);
  await bob.call("joinRoom", { roomId: "archive", username: "bob" });
  const after = await bob.call("sendMessage", { roomId: "archive", message: "I do" });
  expect(Number(after.id)).toBeGreaterThan(Number(before.id));
});

test.skipIf(skip)("both instances list the same members and tell the room of every join and leave, wherever it happened", async () => {
  const [one, two] = await cluster();
  const adaHears: string[][] = [];
  const bobHears: string[][] = [];
  const ada = connect(one, [], adaHears);
  const bob = connect(two, [], bobHears);
  expect(await ada.call("joinRoom", { roomId: "members", username: "ada" })).toEqual({ members: ["ada"] });
  expect(await bob.call("joinRoom", { roomId: "members", username: "bob" })).toEqual({ members: ["ada", "bob"] });
  await until(() => adaHears.at(-1)?.join() === "ada,bob", "ada to hear that bob joined on the other instance");
  const grace = connect(one);
  await grace.call("joinRoom", { roomId: "members", username: "grace" });
  for (const client of [ada, bob, grace]) expect(await client.call("members", { roomId: "members" })).toEqual(["ada", "bob", "grace"]);
  await until(() => bobHears.at(-1)?.join() === "ada,bob,grace", "bob to hear that grace joined on the other instance");

  await grace.call("leaveRoom", { roomId: "members" }); // a leave on one instance
  await until(() => bobHears.at(-1)?.join() === "ada,bob", "bob to hear that grace left");
  ada.close(); // a drop on the other
  await until(() => bobHears.at(-1)?.join() === "bob", "bob to hear that ada dropped");
  expect(await connect(one).call("members", { roomId: "members" })).toEqual(["bob"]);
});

test.skipIf(skip)("a name is one person's per room across instances; a rejoin with the same key takes it back on either", async () => {
  const [one, two] = await cluster();
  await connect(one).call("joinRoom", { roomId: "names", username: "alice", key: "tab-1" });
  for (const impostor of ["alice", "Alice ", "alice\u200b"]) {
    const error = await connect(two).call("joinRoom", { roomId: "names", username: impostor }).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ChatterError);
    expect([(error as ChatterError).code, (error as ChatterError).message]).toEqual(["BAD_INPUT", 'The name "alice" is taken in #names: pick another']);
  }
  const wrongKey = await connect(two).call("joinRoom", { roomId: "names", username: "alice", key: "guess" }).catch((error: unknown) => error);
  expect((wrongKey as ChatterError).code).toBe("BAD_INPUT");
  // The tab's connection to instance one is still there (a drop the server has not noticed): its key takes the name on instance two.
  const back = connect(two);
  expect(await back.call("joinRoom", { roomId: "names", username: "alice", key: "tab-1" })).toEqual({ members: ["alice"] });
  await back.call("sendMessage", { roomId: "names", message: "it is me" });
});

test.skipIf(skip)("two people taking one name on two instances at the same instant never both get it", async () => {
  const [one, two] = await cluster();
  for (let round = 0; round < 10; round++) {
    const roomId = `race-${round}`;
    const [a, b] = [connect(one), connect(two)];
    const results = await Promise.allSettled([a.call("joinRoom", { roomId, username: "ada" }), b.call("joinRoom", { roomId, username: "ada" })]);
    expect(results.filter((result) => result.status === "fulfilled").length).toBeLessThanOrEqual(1);
    for (const result of results) if (result.status === "rejected") expect((result.reason as ChatterError).message).toBe(`The name "ada" is taken in #${roomId}: pick another`);
    expect((await connect(one).call("members", { roomId })).length).toBeLessThanOrEqual(1);
  }
});
