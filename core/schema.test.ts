import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createSchema, type Procedure } from "./schema.ts";

describe("createSchema", () => {
  test("keeps { input, output } procedures and turns a shape into an input schema", async () => {
    const schema = createSchema({
      server: { full: { input: z.string(), output: z.number() }, none: {}, onlyOutput: { output: z.boolean() } },
      client: { shape: { roomId: z.string(), count: z.number().optional() } },
    });
    expect(schema.server.full.input).toBeDefined();
    expect((schema.server.none as Procedure).input).toBeUndefined();
    expect(schema.server.onlyOutput.output).toBeDefined();
    const validate = schema.client.shape.input["~standard"].validate;
    expect(await validate({ roomId: "1", extra: true })).toEqual({ value: { roomId: "1" } });
    expect(await validate({ roomId: "1", count: 2 })).toEqual({ value: { roomId: "1", count: 2 } });
    const failed = (await validate({ roomId: 1 })) as unknown as { issues: { path: unknown[] }[] };
    expect(failed.issues[0]!.path).toEqual(["roomId"]);
    expect(await validate(null)).toHaveProperty("issues");
    expect(await validate([])).toHaveProperty("issues");
  });

  test("a shape with a field named input alongside others is still a shape", async () => {
    const schema = createSchema({ server: { odd: { input: z.string(), other: z.number() } } });
    const result = await schema.server.odd.input["~standard"].validate({ input: "x", other: 1 });
    expect(result).toEqual({ value: { input: "x", other: 1 } });
  });

  test("the shape's output never carries __proto__ onto the prototype", async () => {
    const schema = createSchema({ server: { p: { a: z.string(), constructor: z.any() } } });
    const input = JSON.parse('{"a":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    const result = (await schema.server.p.input["~standard"].validate(input)) as { value: Record<string, unknown> };
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(Object.keys(result.value)).toEqual(["a", "constructor"]);
  });

  test("a malformed definition throws naming the side and the procedure", () => {
    expect(() => createSchema({ server: { broken: { input: "string" } } } as never)).toThrow('server procedure "broken": "input" is not a schema');
    expect(() => createSchema({ client: { notify: 42 } } as never)).toThrow('client procedure "notify" must be');
    expect(() => createSchema({ client: { shape: { a: z.string(), b: {} } } } as never)).toThrow('client procedure "shape": "b" is not a schema');
    expect(() => createSchema({ server: [] } as never)).toThrow('"server" must be an object');
  });
  test("a presence that is not a validator throws, naming it", () => {
    expect(() => createSchema({ presence: "name" as never })).toThrow(/presence/);
    expect(createSchema({ presence: z.object({ name: z.string() }) }).presence).toBeDefined();
  });
});
