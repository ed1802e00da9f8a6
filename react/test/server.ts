// A real Chatter server on Bun for the hook tests, restartable on the same port.
import { ChatterError, createClient, createSchema, createServer } from "@manyducks.co/chatter";
import { z } from "zod";
import { createChatterReact } from "@manyducks.co/chatter/react";
import { restartable } from "../../test/rpc/fixtures/harness.ts";

export const schema = createSchema({
  server: {
    greet: { input: z.object({ name: z.string() }), output: z.string() },
    count: { input: z.object({ key: z.string() }), output: z.number() },
    /** Never answers: it records when the caller cancels. */
    hang: { input: z.object({ id: z.string() }), output: z.string() },
    fail: { input: z.object({ code: z.enum(["NOT_FOUND", "BAD_INPUT"]) }) },
    ping: {},
    post: { input: z.object({ text: z.string().min(1) }), output: z.object({ id: z.number(), text: z.string() }) },
  },
  client: {
    notify: { input: z.object({ text: z.string() }), output: z.string() },
    tick: { n: z.number() },
  },
});

export function startTestServer() {
  const counts = new Map<string, number>();
  const cancelled: string[] = [];
  const started: string[] = [];
  let posts = 0;
  const chatter = createServer({
    schema,
    procedures: {
      greet: ({ name }) => `hello ${name}`,
      count: ({ key }) => {
        const n = (counts.get(key) ?? 0) + 1;
        counts.set(key, n);
        return n;
      },
      hang: ({ id }, _client, { signal }) => {
        started.push(id);
        return new Promise<string>((_, reject) => {
          const timer = setTimeout(() => reject(new ChatterError("TIMEOUT", "hang was never cancelled")), 5_000);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            cancelled.push(id);
            reject(signal.reason);
          });
        });
      },
      fail: ({ code }) => {
        throw new ChatterError(code, `failed with ${code}`);
      },
      ping: () => "pong" as const,
      post: ({ text }) => ({ id: ++posts, text }),
    },
    onError: () => {},
  });
  const served = restartable(chatter);
  return {
    ...served,
    chatter,
    counts,
    cancelled,
    started,
    /** Stops the server, closing every socket, then serves again on the same port. */
    restart: (downtime = 50) => served.restart(downtime),
  };
}
export type TestServer = ReturnType<typeof startTestServer>;
export type TestChatter = TestServer["chatter"];

export function connect(url: string) {
  return createClient<TestChatter>({
    url,
    schema,
    timeout: 5_000,
    reconnect: { initialDelay: 20, maxDelay: 100 },
    onError: () => {},
  });
}

export const hooks = createChatterReact<TestChatter>();
