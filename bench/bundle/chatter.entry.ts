// A browser app that creates a Chatter client and makes one call.
import { z } from "zod";
import { createClient, createSchema } from "../../client/index.ts";

const schema = createSchema({ server: { echo: { input: z.object({ a: z.number(), b: z.string() }) } } });
const client = createClient({ url: "ws://localhost:5000", schema });
client.call("echo", { a: 1, b: "hello" }).then(console.log);
