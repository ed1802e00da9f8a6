// The one payload every system carries, validated by the same Zod 4 schema.
import { z } from "zod";
import { createSchema } from "../../index.ts";

export const Payload = z.object({ a: z.number(), b: z.string() });
export type Payload = z.infer<typeof Payload>;
export const payload: Payload = { a: 1, b: "hello" };
export const Fire = z.object({ n: z.number().int().min(1).max(100_000) });
export const Drive = z.object({ n: z.number().int().min(1).max(10_000_000), inflight: z.number().int().min(1).max(1_000) });

export const TOPIC = "bench";

/** Chatter's schema for the benchmark: echo, subscribe, publish `n` ticks, drive server→client calls. */
export const schema = createSchema({
  server: {
    echo: { input: Payload },
    sub: {},
    fire: { input: Fire },
    drive: { input: Drive },
  },
  client: {
    tick: { input: Payload },
    echo: { input: Payload },
  },
});
