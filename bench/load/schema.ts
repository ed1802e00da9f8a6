// The schema of the load benchmarks, shared by the server process and the clients.
import { z } from "zod";
import { createSchema } from "../../index.ts";

export const schema = createSchema({
  server: {
    ping: {},
    work: {
      input: z.object({ id: z.number().int().positive(), delay: z.number().min(0).max(10_000), payload: z.string().max(1_000) }),
      output: z.object({ id: z.number(), payload: z.string() }),
    },
    stats: {},
  },
  client: {},
});
