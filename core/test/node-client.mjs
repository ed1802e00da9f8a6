// Runs under Node 20 (no global WebSocket) against the built package: see node.test.ts.
import WebSocket from "ws";
import { createClient, createSchema } from "../../dist/core/client.js";
import { z } from "zod";

const schema = createSchema({
  server: { add: { a: z.number(), b: z.number() }, ask: { input: z.object({ question: z.string() }) } },
  client: { confirm: { input: z.object({ question: z.string() }), output: z.boolean() } },
});
const client = createClient({ url: process.argv[2], schema, WebSocket, procedures: { confirm: ({ question }) => question === "node?" } });
const sum = await client.call("add", { a: 2, b: 3 });
const answer = await client.call("ask", { question: "node?" });
const bad = await client.call("add", { a: "x", b: 1 }).catch((error) => error.code);
client.close();
console.log(JSON.stringify({ sum, answer, bad, version: process.version }));
