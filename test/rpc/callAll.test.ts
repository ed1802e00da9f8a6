// `server.call(id, …)` and `callAll(topic, …)` on one instance (test/redis/calls.test.ts
// covers them across instances): typed results, one entry per subscriber, bad input, and
// the bound — a callAll arms one timer, not one per subscriber.
import { expect, expectTypeOf, test } from "bun:test";
import { z } from "zod";
import type { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import type { CallAllEntry } from "../../server/index.ts";
import { connect, serve } from "./fixtures/harness.ts";

const schema = createSchema({
  server: {
    join: { topic: z.string() },
    whoami: { output: z.string() },
    /** `client.callAll(topic, "echo", { n: 1 })`: the ids of the entries, the caller's not among them. */
    askOthers: { input: z.object({ topic: z.string() }), output: z.array(z.string()) },
  },
  client: {
    echo: { input: z.object({ n: z.number() }), output: z.object({ n: z.number(), at: z.string().transform((s) => s.length) }) },
    ticks: { stream: z.number() },
  },
});

function app() {
  return serve({
    schema,
    procedures: {
      join: ({ topic }, client) => client.subscribe(topic),
      whoami: (_, client) => client.id,
      async askOthers({ topic }, client) {
        const entries = await client.callAll(topic, "echo", { n: 1 });
        expectTypeOf(entries).toEqualTypeOf<CallAllEntry<{ n: number; at: number }>[]>();
        // @ts-expect-error the input's type is checked
        void client.callAll(topic, "echo", { n: "one" }).catch(() => {});
        return entries.map((entry) => entry.id);
      },
    },
  });
}

/**
 * The code a call rejected with. Not `expect(…).rejects`: it waits in a nested turn of Bun's
 * event loop, inside which the server's socket reads a client frame mid-frame and closes it.
 */
const codeOf = (call: Promise<unknown>) => call.then(() => "resolved", (error: ChatterError) => error.code);

async function member(url: string, echo: (n: number) => unknown = (n) => ({ n, at: "here" })) {
  const client = connect({ url, schema, procedures: { echo: ({ n }) => echo(n) as never, async *ticks() {} }, onError: () => {} });
  return { client, id: await client.call("whoami") };
}

test("server.call calls one client by id and parses its output; an unknown id, a stream and bad input are refused", async () => {
  const { chatter, url, errors } = app();
  const { id } = await member(url);
  const result = await chatter.call(id, "echo", { n: 3 });
  expectTypeOf(result).toEqualTypeOf<{ n: number; at: number }>();
  expect(result).toEqual({ n: 3, at: 4 });
  expect(await codeOf(chatter.call("no-such-client", "echo", { n: 1 }))).toBe("NOT_FOUND");
  // @ts-expect-error a stream is opened with client.stream, not called
  expect(await codeOf(chatter.call(id, "ticks"))).toBe("NOT_FOUND");
  // @ts-expect-error the input's type is checked
  expect(await codeOf(chatter.call(id, "echo", { n: "one" }))).toBe("BAD_INPUT");
  expect(await codeOf(chatter.call(id, "echo", { n: NaN }))).toBe("BAD_INPUT");
});

test("callAll answers one typed entry per subscriber; a bad output and a throw cost their own entries", async () => {
  const { chatter, url } = app();
  const good = await member(url);
  const bad = await member(url, () => ({ n: "not a number", at: "x" }));
  const thrower = await member(url, () => {
    throw new Error("no");
  });
  const outside = await member(url);
  await Promise.all([good, bad, thrower].map((m) => m.client.call("join", { topic: "room" })));
  const entries = await chatter.callAll("room", "echo", { n: 2 });
  expectTypeOf(entries).toEqualTypeOf<CallAllEntry<{ n: number; at: number }>[]>();
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  expect(entries).toHaveLength(3);
  expect(byId.has(outside.id)).toBe(false);
  expect(byId.get(good.id)).toEqual({ id: good.id, ok: true, value: { n: 2, at: 4 } });
  expect((byId.get(bad.id) as { error: ChatterError }).error.code).toBe("BAD_OUTPUT");
  expect((byId.get(thrower.id) as { error: ChatterError }).error.code).toBe("INTERNAL");
  expect(await codeOf(chatter.callAll("", "echo", { n: 1 }))).toBe("BAD_INPUT");
});

test("a callAll over 300 subscribers arms one timer, not one per subscriber", async () => {
  const { chatter, url } = app();
  const members = await Promise.all(Array.from({ length: 300 }, () => member(url, () => new Promise(() => {})))); // none answers
  await Promise.all(members.map((m) => m.client.call("join", { topic: "big" })));
  // Timers of the callAll's own length (an odd one, so nothing else in this process arms it):
  // one for the callAll, or one per subscriber if each call had its own.
  const TIMEOUT = 321;
  const realSetTimeout = globalThis.setTimeout;
  let timers = 0;
  globalThis.setTimeout = ((handler: () => void, ms?: number, ...rest: unknown[]) => {
    if (ms === TIMEOUT) timers++;
    return realSetTimeout(handler, ms, ...rest);
  }) as typeof setTimeout;
  let entries: CallAllEntry<unknown>[];
  try {
    entries = await chatter.callAll("big", "echo", { n: 1 }, { timeout: TIMEOUT });
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  expect(entries).toHaveLength(300);
  expect(entries.every((entry) => !entry.ok && entry.error.code === "TIMEOUT")).toBe(true);
  expect(timers).toBe(1);
});

test("a callAll with no timeout (Infinity) waits for every answer instead of timing out at once", async () => {
  const { chatter, url } = app();
  const members = await Promise.all([member(url), member(url)]);
  await Promise.all(members.map((m) => m.client.call("join", { topic: "calm" })));
  const entries = await chatter.callAll("calm", "echo", { n: 5 }, { timeout: Infinity });
  expect(entries.map((entry) => entry.ok)).toEqual([true, true]);
});

test("client.callAll calls every other subscriber, not the caller", async () => {
  const { url } = app();
  const [asker, other] = await Promise.all([member(url), member(url), member(url)]); // the third never joins
  await Promise.all([asker, other].map((m) => m.client.call("join", { topic: "room" })));
  expect(await asker.client.call("askOthers", { topic: "room" })).toEqual([other.id]);
});
