// What the types say is what arrives: every value crosses as JSON, the implementing side
// parses its input, and the server parses every output (docs/protocol.md, "What the types say").
import { expect, expectTypeOf, test } from "bun:test";
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import type { ServerProcedures } from "../../server/index.ts";
import { connect, serve, until } from "./fixtures/harness.ts";

const At = z.string().transform((s) => new Date(s));
const schema = createSchema({
  server: {
    when: { output: z.object({ at: At }) },
    /** A transformed input: the server's procedure sees the Date. */
    age: { input: z.object({ at: At }), output: z.number() },
    optional: { output: z.object({ a: z.string().optional(), b: z.string() }) },
    strip: { output: z.object({ name: z.string() }) },
    ask: {},
    pushed: {},
  },
  client: {
    clock: { output: At },
    note: { at: At },
  },
});

test("a server output's transform runs on the server; the client gets its JSON, typed as such", async () => {
  const { url } = serve({
    schema,
    procedures: {
      when: () => ({ at: "2026-12-02T10:00:00.000Z" }),
      age: ({ at }) => {
        expect(at).toBeInstanceOf(Date); // parsed where it is used
        return at.getUTCFullYear();
      },
      optional: () => ({ a: undefined, b: "b" }),
      strip: () => ({ name: "ada", password: "secret" }) as { name: string },
      ask: (_, client) => client.call("clock"),
      pushed: () => undefined,
    },
  });
  const client = connect({ url, schema, procedures: { clock: () => "2026-01-01T00:00:00.000Z" } });
  const when = await client.call("when");
  expectTypeOf(when).toEqualTypeOf<{ at: string }>();
  expect(when).toEqual({ at: "2026-12-02T10:00:00.000Z" });
  expect(await client.call("age", { at: "2026-12-02T10:00:00.000Z" })).toBe(2026);

  const optional = await client.call("optional");
  expectTypeOf(optional).toEqualTypeOf<{ a?: string; b: string }>();
  expect(optional).toEqual({ b: "b" });
  expect("a" in optional).toBe(false); // undefined fields are left out, as the type says
  expect(await client.call("strip")).toEqual({ name: "ada" }); // undeclared fields never leave the server
});

/** Procedures a test does not look at; `pushed` subscribes its caller to "t". */
const unused: ServerProcedures<typeof schema, Record<string, unknown>> = {
  when: () => ({ at: "x" }),
  age: () => 0,
  optional: () => ({ b: "" }),
  strip: () => ({ name: "" }),
  ask: () => undefined,
  pushed: (_, client) => client.subscribe("t"),
};

test("a client procedure's output is parsed by the server: the transform runs there, typed z.output", async () => {
  let seen: unknown;
  const { url } = serve({
    schema,
    procedures: {
      ...unused,
      async ask(_, client) {
        const at = await client.call("clock");
        expectTypeOf(at).toEqualTypeOf<Date>();
        seen = at;
      },
    },
  });
  const client = connect({ url, schema, procedures: { clock: () => "2026-01-01T00:00:00.000Z" } });
  await client.call("ask");
  expect(seen).toBeInstanceOf(Date);
  expect((seen as Date).toISOString()).toBe("2026-01-01T00:00:00.000Z");
});

test("a publish's input is parsed by the client that runs it", async () => {
  const notes: unknown[] = [];
  const { url, chatter } = serve({ schema, procedures: unused });
  const client = connect({ url, schema, procedures: { note: ({ at }) => void notes.push(at) } });
  await client.call("pushed");
  chatter.publish("t", "note", { at: "2026-05-05T00:00:00.000Z" });
  await until(() => notes.length, 3_000, "the publish");
  expect(notes[0]).toBeInstanceOf(Date);
});
