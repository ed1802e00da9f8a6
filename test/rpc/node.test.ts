import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import { serve } from "./fixtures/harness.ts";

const schema = createSchema({
  server: { add: { a: z.number(), b: z.number() }, ask: { input: z.object({ question: z.string() }) } },
  client: { confirm: { input: z.object({ question: z.string() }), output: z.boolean() } },
});

test("a Node 20 client (built package + ws) calls the server and answers its calls", async () => {
  const root = `${import.meta.dir}/../..`;
  if (!existsSync(`${root}/dist/client/index.js`)) {
    const build = Bun.spawnSync(["npm", "run", "--silent", "build"], { cwd: root });
    expect(build.exitCode).toBe(0);
  }
  const { url } = serve({
    schema,
    procedures: { add: ({ a, b }) => a + b, ask: (input, client) => client.call("confirm", input) },
  });
  const node = Bun.spawn(["node", `${import.meta.dir}/fixtures/node-client.mjs`, url], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => node.kill(9), 10_000);
  const [out, err, code] = await Promise.all([new Response(node.stdout).text(), new Response(node.stderr).text(), node.exited]);
  clearTimeout(timer);
  expect(err).toBe("");
  expect(code).toBe(0);
  const result = JSON.parse(out);
  expect(result).toEqual({ sum: 5, answer: true, bad: "BAD_INPUT", version: expect.stringMatching(/^v\d+/) });
});
