import { z } from "zod";
import * as v from "valibot";
import { createSchema } from "../schema.ts";

/** The schema most core tests share. */
export const schema = createSchema({
  server: {
    echo: { input: z.object({ a: z.number(), b: z.string() }), output: z.object({ a: z.number(), b: z.string() }) },
    add: { a: z.number(), b: z.number() },
    ping: {},
    slow: { input: z.object({ ms: z.number() }) },
    fail: { input: z.object({ kind: z.enum(["chatter", "plain", "reject"]) }) },
    badOutput: { output: z.object({ ok: z.literal(true) }) },
    strip: { output: z.object({ public: z.string() }) },
    hang: {},
    join: { topic: z.string() },
    leave: { topic: z.string() },
    shout: { topic: z.string(), text: z.string() },
    ask: { input: z.object({ question: z.string() }) },
    whoami: {},
    repeat: { input: z.object({ text: z.string(), times: z.number().int().max(1_000_000) }), output: z.string() },
    vali: { input: v.object({ n: v.pipe(v.number(), v.minValue(1)) }), output: v.number() },
  },
  client: {
    heard: { text: z.string() },
    confirm: { input: z.object({ question: z.string() }), output: z.boolean() },
    tick: {},
  },
});
