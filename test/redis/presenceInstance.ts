// One instance for test/redis/presence.test.ts: presence over the Redis adapter, with every
// `onPresence` diff it ran recorded (and answered by `diffs`). PRESENCE_TIMEOUT sets the
// adapter's `presenceTimeout`; RECOVERY_WINDOW, when set, turns `recovery` on with that window.
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/index.ts";
import { serve } from "./instance.ts";

const Entry = z.object({ id: z.string(), meta: z.object({ name: z.string() }) });

export const presenceSchema = createSchema({
  server: {
    track: { input: z.object({ topic: z.string(), name: z.string() }) },
    untrack: { input: z.object({ topic: z.string() }) },
    list: { input: z.object({ topic: z.string() }), output: z.array(Entry) },
    whoami: { output: z.string() },
    /** Every diff `onPresence` ran with on this instance, in order. */
    diffs: { output: z.array(z.object({ topic: z.string(), joins: z.array(Entry), leaves: z.array(Entry) })) },
    /** Whether client `id` is in this instance's `server.clients` (false once its socket's close ran here). */
    connected: { input: z.object({ id: z.string() }), output: z.boolean() },
  },
  presence: z.object({ name: z.string() }),
});

if (import.meta.main) {
  const diffs: { topic: string; joins: unknown[]; leaves: unknown[] }[] = [];
  const window = Number(process.env.RECOVERY_WINDOW);
  await serve((adapter, onError) => {
    const chatter = createServer({
      schema: presenceSchema,
      adapter,
      onError,
      ...(window ? { recovery: { window } } : {}),
      onPresence: (topic, { joins, leaves }) => void diffs.push({ topic, joins: [...joins], leaves: [...leaves] }),
      procedures: {
        track: ({ topic, name }, client) => client.track(topic, { name }),
        untrack: ({ topic }, client) => client.untrack(topic),
        list: ({ topic }): Promise<z.input<typeof Entry>[]> => chatter.presence(topic),
        whoami: (_, client) => client.id,
        diffs: () => diffs as never,
        connected: ({ id }): boolean => chatter.clients.has(id),
      },
    });
    return chatter;
  });
}
