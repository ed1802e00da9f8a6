// Presence on one instance (test/redis/presence.test.ts covers it across instances):
// track, untrack and list; a replaced meta; a bad meta or topic; a disconnect; the exact
// diffs `onPresence` gets; and a recovered session's metas coming back.
import { expect, expectTypeOf, test } from "bun:test";
import { z } from "zod";
import type { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import type { PresenceDiff, PresenceEntry } from "../../server/index.ts";
import { connect, serve, until } from "./fixtures/harness.ts";
import { dropProxy } from "./fixtures/proxy.ts";

const schema = createSchema({
  server: {
    track: { input: z.object({ topic: z.string(), meta: z.unknown() }) },
    untrack: { input: z.object({ topic: z.string() }) },
    whoami: { output: z.string() },
  },
  presence: z.object({ name: z.string(), since: z.number().default(0) }),
});

type Meta = { name: string; since: number };

function app(options: { recovery?: { window: number } } = {}) {
  const diffs: [string, PresenceDiff<Meta>][] = [];
  const served = serve({
    schema,
    ...options,
    procedures: {
      track: ({ topic, meta }, client) => client.track(topic, meta as never),
      untrack: ({ topic }, client) => client.untrack(topic),
      whoami: (_, client) => client.id,
    },
    onPresence(topic, diff) {
      expectTypeOf(diff).toEqualTypeOf<PresenceDiff<Meta>>();
      diffs.push([topic, diff]);
    },
  });
  return { ...served, diffs };
}

const codeOf = (call: Promise<unknown>) => call.then(() => "resolved", (error: ChatterError) => error.code);
const byId = (list: readonly PresenceEntry<Meta>[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));

async function member(url: string) {
  const client = connect({ url, schema, onError: () => {} });
  return { client, id: await client.call("whoami") };
}

test("track, list and untrack; tracking again replaces the meta (a leave of the old, a join of the new)", async () => {
  const { chatter, url, diffs, errors } = app();
  const ada = await member(url);
  const bob = await member(url);
  await ada.client.call("track", { topic: "room", meta: { name: "ada" } });
  await bob.client.call("track", { topic: "room", meta: { name: "bob", since: 5 } });
  const listed = await chatter.presence("room");
  expectTypeOf(listed).toEqualTypeOf<PresenceEntry<Meta>[]>();
  expect(byId(listed)).toEqual(byId([{ id: ada.id, meta: { name: "ada", since: 0 } }, { id: bob.id, meta: { name: "bob", since: 5 } }]));
  expect(await chatter.presence("elsewhere")).toEqual([]);

  await ada.client.call("track", { topic: "room", meta: { name: "ada2" } });
  expect(byId(await chatter.presence("room"))).toEqual(byId([{ id: ada.id, meta: { name: "ada2", since: 0 } }, { id: bob.id, meta: { name: "bob", since: 5 } }]));
  await bob.client.call("untrack", { topic: "room" });
  await bob.client.call("untrack", { topic: "room" }); // twice: nothing more happens
  expect(await chatter.presence("room")).toEqual([{ id: ada.id, meta: { name: "ada2", since: 0 } }]);

  expect(diffs).toEqual([
    ["room", { joins: [{ id: ada.id, meta: { name: "ada", since: 0 } }], leaves: [] }],
    ["room", { joins: [{ id: bob.id, meta: { name: "bob", since: 5 } }], leaves: [] }],
    ["room", { joins: [{ id: ada.id, meta: { name: "ada2", since: 0 } }], leaves: [{ id: ada.id, meta: { name: "ada", since: 0 } }] }],
    ["room", { joins: [], leaves: [{ id: bob.id, meta: { name: "bob", since: 5 } }] }],
  ]);
  expect(errors).toEqual([]);
});

test("a bad meta is BAD_INPUT and the connection survives; a bad topic is BAD_INPUT too", async () => {
  const { chatter, url, diffs } = app();
  const ada = await member(url);
  expect(await codeOf(ada.client.call("track", { topic: "room", meta: { name: 1 } }))).toBe("BAD_INPUT");
  expect(await codeOf(ada.client.call("track", { topic: "room", meta: "ada" }))).toBe("BAD_INPUT");
  expect(await codeOf(ada.client.call("track", { topic: "", meta: { name: "ada" } }))).toBe("BAD_INPUT");
  expect(await codeOf(ada.client.call("track", { topic: "\ud800", meta: { name: "ada" } }))).toBe("BAD_INPUT");
  expect(await codeOf(ada.client.call("track", { topic: "chatter:client:x", meta: { name: "ada" } }))).toBe("BAD_INPUT");
  expect(await codeOf(ada.client.call("untrack", { topic: "" }))).toBe("BAD_INPUT");
  expect(await codeOf(chatter.presence(""))).toBe("BAD_INPUT");
  expect(await chatter.presence("room")).toEqual([]);
  expect(diffs).toEqual([]);
  // Still connected and served.
  await ada.client.call("track", { topic: "room", meta: { name: "ada" } });
  expect(await chatter.presence("room")).toEqual([{ id: ada.id, meta: { name: "ada", since: 0 } }]);
});

test("a disconnect leaves every topic at once, one diff per topic; two connections of one user are two entries", async () => {
  const { chatter, url, diffs } = app();
  const phone = await member(url);
  const laptop = await member(url);
  for (const topic of ["a", "b"]) await phone.client.call("track", { topic, meta: { name: "ada" } });
  await laptop.client.call("track", { topic: "a", meta: { name: "ada" } });
  expect(byId(await chatter.presence("a"))).toEqual(byId([{ id: phone.id, meta: { name: "ada", since: 0 } }, { id: laptop.id, meta: { name: "ada", since: 0 } }]));
  diffs.length = 0;
  phone.client.close();
  await until(() => diffs.length === 2, 2_000, "the leaves");
  expect(diffs.sort()).toEqual([
    ["a", { joins: [], leaves: [{ id: phone.id, meta: { name: "ada", since: 0 } }] }],
    ["b", { joins: [], leaves: [{ id: phone.id, meta: { name: "ada", since: 0 } }] }],
  ]);
  expect(await chatter.presence("a")).toEqual([{ id: laptop.id, meta: { name: "ada", since: 0 } }]);
  expect(await chatter.presence("b")).toEqual([]);
});

test("tracking does not subscribe, and subscribing does not track", async () => {
  const { chatter, url, diffs } = app();
  const ada = await member(url);
  const bob = await member(url);
  await ada.client.call("track", { topic: "room", meta: { name: "ada" } });
  expect(chatter.clients.get(ada.id)!.isSubscribed("room")).toBe(false);
  await chatter.clients.get(bob.id)!.subscribe("room");
  expect(chatter.clients.get(bob.id)!.isSubscribed("room")).toBe(true);
  const entry = { id: ada.id, meta: { name: "ada", since: 0 } };
  expect(await chatter.presence("room")).toEqual([entry]);
  expect(diffs).toEqual([["room", { joins: [entry], leaves: [] }]]);
});

test("onPresence's throw goes to onError; presence goes on", async () => {
  const errors: unknown[] = [];
  const { chatter, url } = serve({
    schema,
    onError: (error) => void errors.push(error),
    procedures: { track: ({ topic, meta }, client) => client.track(topic, meta as never), untrack() {}, whoami: (_, client) => client.id },
    onPresence() {
      throw new Error("hook failed");
    },
  });
  const ada = await member(url);
  await ada.client.call("track", { topic: "room", meta: { name: "ada" } });
  expect(errors.map((error) => (error as Error).message)).toEqual(["hook failed"]);
  expect((await chatter.presence("room")).length).toBe(1);
});

test("a dropped connection leaves at once; when its session is recovered, its metas come back as a join", async () => {
  const server = app({ recovery: { window: 5_000 } });
  const proxy = dropProxy(server.bun.port!);
  const opens: boolean[] = [];
  const client = connect({ url: proxy.url, schema, reconnect: { initialDelay: 50, maxDelay: 200 }, onOpen: (_s, { recovered }) => void opens.push(recovered) });
  const id = await client.call("whoami");
  await client.call("track", { topic: "room", meta: { name: "ada" } });
  const entry = { id, meta: { name: "ada", since: 0 } };
  proxy.cut();
  await until(() => server.diffs.length === 2, 5_000, "the leave at the drop");
  expect(await server.chatter.presence("room")).toEqual([]);
  proxy.heal();
  await until(() => server.diffs.length === 3 && opens.length === 2, 5_000, "the join at the recovery");
  expect(opens).toEqual([false, true]);
  expect(server.diffs).toEqual([
    ["room", { joins: [entry], leaves: [] }],
    ["room", { joins: [], leaves: [entry] }],
    ["room", { joins: [entry], leaves: [] }],
  ]);
  expect(await server.chatter.presence("room")).toEqual([entry]);
});

test("without a presence schema a meta is any JSON value, stored as JSON", async () => {
  const loose = createSchema({ server: { track: { input: z.object({ meta: z.unknown() }) } } });
  const { chatter, url } = serve({
    schema: loose,
    procedures: { track: ({ meta }, client) => client.track("room", meta as never) },
  });
  const client = connect({ url, schema: loose });
  await client.call("track", { meta: { at: "2020", list: [1, null] } });
  const [entry] = await chatter.presence("room");
  expectTypeOf(entry!.meta).toEqualTypeOf<import("../../server/index.ts").JsonValue>();
  expect(entry!.meta).toEqual({ at: "2020", list: [1, null] });
});

test("with an async presence schema, an untrack while the meta is checked wins; the later of two tracks wins", async () => {
  const slow = createSchema({
    server: { race: { input: z.object({ order: z.enum(["track-untrack", "track-track"]) }) } },
    presence: z.object({ name: z.string() }).refine(async () => (await Bun.sleep(20), true)),
  });
  const diffs: unknown[] = [];
  const { chatter, url } = serve({
    schema: slow,
    onPresence: (topic, diff) => void diffs.push([topic, diff]),
    procedures: {
      async race({ order }, client) {
        const first = client.track(order, { name: "first" });
        if (order === "track-untrack") client.untrack(order);
        else await client.track(order, { name: "second" });
        await first;
      },
    },
  });
  const client = connect({ url, schema: slow });
  await client.call("race", { order: "track-untrack" });
  expect(await chatter.presence("track-untrack")).toEqual([]);
  await client.call("race", { order: "track-track" });
  expect((await chatter.presence("track-track")).map((entry) => entry.meta)).toEqual([{ name: "second" }]);
  expect(diffs.length).toBe(1);
});

test("a meta JSON cannot carry is BAD_INPUT, one over 16 KiB of UTF-8 TOO_LARGE, a track after the disconnect DISCONNECTED", async () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const odd = { nan: Number.NaN, cycle: cyclic, big: "€".repeat(6_000) } as const; // 6,000 characters, 18,000 bytes
  const loose = createSchema({ server: { trackOdd: { input: z.object({ kind: z.enum(["nan", "cycle", "big"]) }) }, whoami: { output: z.string() } } });
  const { chatter, url } = serve({
    schema: loose,
    procedures: { trackOdd: ({ kind }, client) => client.track("room", odd[kind] as never), whoami: (_, client) => client.id },
  });
  const client = connect({ url, schema: loose, onError: () => {} });
  expect(await codeOf(client.call("trackOdd", { kind: "nan" }))).toBe("BAD_INPUT");
  expect(await codeOf(client.call("trackOdd", { kind: "cycle" }))).toBe("BAD_INPUT");
  expect(await codeOf(client.call("trackOdd", { kind: "big" }))).toBe("TOO_LARGE");
  expect(await chatter.presence("room")).toEqual([]);
  const id = await client.call("whoami"); // the connection survived all three
  const gone = chatter.clients.get(id)!;
  client.close();
  await until(() => !chatter.clients.has(id), 2_000, "the disconnect");
  expect(await codeOf(gone.track("room", { ok: true }))).toBe("DISCONNECTED");
  expect(await chatter.presence("room")).toEqual([]);
});
