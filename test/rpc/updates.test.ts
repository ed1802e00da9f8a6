// The server updates what clients cached: invalidate and setData, to one client or a topic,
// as a plain client (no framework) sees them through `onUpdate`.
import { expect, expectTypeOf, test } from "bun:test";
import { z } from "zod";
import type { CacheUpdate } from "../../client/index.ts";
import { createSchema } from "../../core/schema.ts";
import type { ChatterError } from "../../core/errors.ts";
import { connect, serve, until } from "./fixtures/harness.ts";

const Member = z.object({ name: z.string(), since: z.string().transform((s) => s.slice(0, 4)) });
const schema = createSchema({
  server: {
    join: { roomId: z.string() },
    members: { input: z.object({ roomId: z.string() }), output: z.array(Member) },
    history: { input: z.object({ roomId: z.string() }), output: z.array(z.string()) },
    poke: { input: z.object({ roomId: z.string(), bad: z.boolean().optional() }) },
    stale: {},
    /** Takes an input or none: `invalidate("search", undefined)` is the call without one. */
    search: { input: z.object({ q: z.string() }).optional(), output: z.array(z.string()) },
  },
});

function app() {
  return serve({
    schema,
    procedures: {
      join: ({ roomId }, client) => client.subscribe(roomId),
      members: () => [],
      history: () => ["first"],
      poke({ roomId, bad }, client) {
        if (bad) client.setData("members", { roomId }, [{ name: 1 }] as never);
        client.setData("members", { roomId }, [{ name: "ada", since: "2026-12-02" }]);
        client.invalidate("history", { roomId });
        client.invalidate("history");
        client.invalidate("search", undefined);
        return "poked";
      },
      stale: () => undefined,
      search: () => [],
    },
  });
}

test("client.setData and client.invalidate reach that client, after the answer written before them", async () => {
  const { url } = app();
  const updates: (CacheUpdate<typeof schema> | string)[] = [];
  const client = connect({ url, schema });
  client.onUpdate((update) => void updates.push(update));
  const answered = client.call("poke", { roomId: "r1" }).then((value) => void updates.push(`answer ${value}`));
  await answered;
  await until(() => updates.length === 5, 3_000, "the updates");
  // Written in the procedure before its answer: they arrive in that order, the answer last.
  expect(updates).toEqual([
    { type: "setData", name: "members", input: { roomId: "r1" }, data: [{ name: "ada", since: "2026" }] }, // parsed by the output schema
    { type: "invalidate", name: "history", input: { roomId: "r1" } },
    { type: "invalidate", name: "history" }, // every input of history
    { type: "invalidate", name: "search", input: undefined }, // the call without input only
    "answer poked",
  ]);
  expect("input" in (updates[2] as object)).toBe(false);
  expect("input" in (updates[3] as object)).toBe(true);
});

test("a setData that fails the output schema throws BAD_OUTPUT on the server and sends nothing", async () => {
  const { url } = app();
  const updates: unknown[] = [];
  const client = connect({ url, schema });
  client.onUpdate((update) => void updates.push(update));
  const error = (await client.call("poke", { roomId: "r1", bad: true }).catch((e) => e)) as ChatterError;
  expect(error.code).toBe("BAD_OUTPUT");
  // A marker that must arrive after anything the failed call might have sent.
  await client.call("join", { roomId: "r1" });
  expect(updates).toEqual([]);
});

test("server.invalidate and server.setData reach the topic's subscribers only", async () => {
  const { url, chatter } = app();
  const seen: Record<string, unknown[]> = { in: [], out: [] };
  const inside = connect({ url, schema });
  const outside = connect({ url, schema });
  inside.onUpdate((update) => void seen.in!.push(update));
  outside.onUpdate((update) => void seen.out!.push(update));
  await inside.call("join", { roomId: "r1" });
  await outside.call("join", { roomId: "r2" });
  chatter.invalidate("r1", "history", { roomId: "r1" });
  chatter.setData("r1", "members", { roomId: "r1" }, [{ name: "bo", since: "2025-01-01" }]);
  chatter.invalidate("r2", "stale"); // the marker for `outside`
  chatter.invalidate("r1", "stale"); // and for `inside`
  await until(() => seen.in!.length === 3 && seen.out!.length === 1, 3_000, "the updates");
  expect(seen.in).toEqual([
    { type: "invalidate", name: "history", input: { roomId: "r1" } },
    { type: "setData", name: "members", input: { roomId: "r1" }, data: [{ name: "bo", since: "2025" }] },
    { type: "invalidate", name: "stale" },
  ]);
  expect(seen.out).toEqual([{ type: "invalidate", name: "stale" }]);
  expect(() => chatter.setData("r1", "members", { roomId: "r1" }, [{ name: 2 }] as never)).toThrow(/Invalid output/);
  // The input is a cache key a call would use: a wrong one is refused, not filed under a key no call reads.
  let refused: unknown;
  try {
    chatter.setData("r1", "members", { roomId: 7 } as never, []);
  } catch (error) {
    refused = error;
  }
  expect((refused as ChatterError).code).toBe("BAD_INPUT");
  expect(() => (chatter.invalidate as (t: string, n: string) => void)("r1", "nope")).toThrow(/No server procedure/);
});

test("should type updates by the schema", () => {
  type U = CacheUpdate<typeof schema>;
  expectTypeOf<Extract<U, { name: "members"; type: "setData" }>["data"]>().toEqualTypeOf<{ name: string; since: string }[]>();
  const { chatter } = app();
  const typeOnly = () => {
    // @ts-expect-error unknown procedure
    chatter.invalidate("r", "nope");
    // @ts-expect-error wrong input
    chatter.invalidate("r", "history", { roomId: 1 });
    // @ts-expect-error wrong data
    chatter.setData("r", "history", { roomId: "1" }, [1]);
    chatter.setData("r", "history", { roomId: "1" }, ["ok"]);
  };
  expect(typeof typeOnly).toBe("function"); // checked by tsc, never run
});
