// One instance for the recovery-across-instances tests (test/redis/recovery.test.ts): the
// Redis adapter and `recovery` (window RECOVERY_WINDOW ms, 10 s by default; maxMessages RECOVERY_MAX_MESSAGES).
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import { clientTopic } from "../../redis/index.ts";
import { createServer } from "../../server/index.ts";
import { serve } from "./instance.ts";

export const recoverySchema = createSchema({
  server: {
    /** Subscribes the caller to `topic` and sets its `name` state. */
    join: { input: z.object({ topic: z.string(), name: z.string().optional() }) },
    whoami: { output: z.object({ id: z.string(), name: z.string().optional() }) },
    /** `client.set("score", Number(score))`: "NaN" and "Infinity" are numbers JSON cannot carry. */
    setScore: { input: z.object({ score: z.string() }) },
    /** `String(client.get("score"))`: "undefined" when it is not set. */
    score: { output: z.string() },
    /** Publishes `{ topic, n }` for n in [from, from + count), one every `every` ms; answers at once. */
    stream: { input: z.object({ topic: z.string(), from: z.number(), count: z.number(), every: z.number() }) },
    /** The same in one synchronous loop. */
    burst: { input: z.object({ topic: z.string(), from: z.number(), count: z.number() }) },
    /** A publish to client `id`'s own topic (`{ topic: "direct", n }`), wherever it is. */
    sendTo: { input: z.object({ id: z.string(), n: z.number() }) },
    /** `server.shutdown()`, after this answer. */
    shutdown: {},
    /** `client.track(topic, { name })`. */
    track: { input: z.object({ topic: z.string(), name: z.string() }) },
    /** `server.presence(topic)`: the ids and names tracked on every instance. */
    presence: { input: z.object({ topic: z.string() }), output: z.array(z.object({ id: z.string(), name: z.string() })) },
  },
  client: {
    deliver: { input: z.object({ topic: z.string(), n: z.number() }) },
  },
});

if (import.meta.main) {
  await serve((adapter, onError) => {
    const chatter = createServer({
      schema: recoverySchema,
      adapter,
      onError,
      recovery: { window: Number(process.env.RECOVERY_WINDOW ?? 10_000), maxMessages: Number(process.env.RECOVERY_MAX_MESSAGES ?? 10_000) },
      procedures: {
        join({ topic, name }, client) {
          if (name !== undefined) client.set("name", name);
          return client.subscribe(topic);
        },
        whoami: (_, client) => ({ id: client.id, name: client.get("name") as string | undefined }),
        setScore: ({ score }, client) => client.set("score", Number(score)),
        score: (_, client) => String(client.get("score")),
        stream({ topic, from, count, every }) {
          let n = from;
          const timer = setInterval(() => {
            chatter.publish(topic, "deliver", { topic, n: n++ });
            if (n >= from + count) clearInterval(timer);
          }, every);
        },
        burst({ topic, from, count }) {
          for (let n = from; n < from + count; n++) chatter.publish(topic, "deliver", { topic, n });
        },
        sendTo({ id, n }) {
          chatter.publish(clientTopic(id), "deliver", { topic: "direct", n });
        },
        shutdown() {
          setTimeout(() => void chatter.shutdown({ timeout: 2_000 }), 10);
        },
        track: ({ topic, name }, client) => client.track(topic, { name }),
        async presence({ topic }): Promise<{ id: string; name: string }[]> {
          const entries: { id: string; meta: unknown }[] = await chatter.presence(topic);
          return entries.map(({ id, meta }) => ({ id, name: (meta as { name: string }).name }));
        },
      },
    });
    return chatter;
  });
}
