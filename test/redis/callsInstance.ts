// One instance for the cross-instance call tests (test/redis/calls.test.ts): its server
// procedures make `server.call` / `callAll` on the test's behalf and answer what came back.
import { z } from "zod";
import { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/index.ts";
import { serve } from "./instance.ts";

/** What a call came back with, flattened for the wire. */
const Outcome = z.object({ ok: z.boolean(), value: z.unknown().optional(), code: z.string().optional() });

export const callsSchema = createSchema({
  server: {
    subscribe: { input: z.object({ topic: z.string() }) },
    whoami: { output: z.string() },
    /** `server.call(id, name, input, { timeout })`; with `cancelAfter`, its signal aborts after that many ms. */
    callClient: {
      input: z.object({ id: z.string(), name: z.string(), input: z.unknown().optional(), timeout: z.number().optional(), cancelAfter: z.number().optional() }),
      output: Outcome,
    },
    /**
     * `server.callAll(topic, …)`, or the caller's `client.callAll` with `skipMe`; with `cancelAfter`,
     * its signal aborts after that many ms; with `leaveFirst`, the caller unsubscribes from the topic
     * right before (its instance's UNSUBSCRIBE is then still on its way to Redis).
     */
    callAllOf: {
      input: z.object({
        topic: z.string(),
        name: z.string(),
        input: z.unknown().optional(),
        timeout: z.number().optional(),
        skipMe: z.boolean().optional(),
        cancelAfter: z.number().optional(),
        leaveFirst: z.boolean().optional(),
      }),
      output: z.array(Outcome.extend({ id: z.string() })),
    },
  },
  client: {
    echo: { input: z.object({ n: z.number() }), output: z.object({ n: z.number() }) },
    /** The client's `since` is an ISO date; the server's parse turns it into its year, a number. */
    when: { output: z.object({ since: z.string().transform((s) => Number(s.slice(0, 4))) }) },
    fail: { output: z.string() },
    /** Never answers; the client reports when its signal aborts. */
    hang: { output: z.string() },
  },
});

type Outcome = z.infer<typeof Outcome>;

const outcome = (settled: Promise<unknown>): Promise<Outcome> =>
  settled.then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, code: error instanceof ChatterError ? error.code : `not a ChatterError: ${error}` }),
  );

if (import.meta.main) {
  await serve((adapter, onError) => {
    const chatter = createServer({
      schema: callsSchema,
      adapter,
      onError,
      procedures: {
        subscribe: ({ topic }, client) => client.subscribe(topic),
        whoami: (_, client) => client.id,
        callClient({ id, name, input, timeout, cancelAfter }): Promise<Outcome> {
          const signal = cancelAfter === undefined ? undefined : AbortSignal.timeout(cancelAfter);
          return outcome(chatter.call(id, name as "echo", input as never, { timeout, signal }));
        },
        async callAllOf({ topic, name, input, timeout, skipMe, cancelAfter, leaveFirst }, client): Promise<(Outcome & { id: string })[]> {
          if (leaveFirst) client.unsubscribe(topic);
          const signal = cancelAfter === undefined ? undefined : AbortSignal.timeout(cancelAfter);
          const entries = await (skipMe ? client : chatter).callAll(topic, name as "echo", input as never, { timeout, signal });
          return entries.map((entry) => (entry.ok ? { id: entry.id, ok: true, value: entry.value } : { id: entry.id, ok: false, code: entry.error.code }));
        },
      },
    });
    return chatter;
  });
}
