// A Chatter server with slow validators, in its own process, so a test can measure what one
// connection's validation work does to another's calls. Prints `READY <port>`.
// Env: MAX_CALLS (maxCallsInFlight).
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/createServer.ts";

export const budgetSchema = createSchema({
  server: {
    add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() },
    /** Catastrophic backtracking: "aaaa…a!" takes 2ⁿ steps. */
    redos: { s: z.string().regex(/^(a+)+$/) },
    /** Wrong-typed items each produce an issue. */
    strings: { input: z.array(z.string()) },
  },
  client: {},
});

if (import.meta.main) {
  const server = createServer({
    schema: budgetSchema,
    maxCallsInFlight: Number(process.env.MAX_CALLS ?? 1_000),
    procedures: {
      add: ({ a, b }) => a + b,
      redos: () => true,
      strings: (items) => items.length,
    },
    onError: () => {},
  });
  const bun = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => (server.upgrade(req, srv) ? undefined : new Response("no", { status: 400 })),
    websocket: server.handler,
  });
  console.log(`READY ${bun.port}`);
}
