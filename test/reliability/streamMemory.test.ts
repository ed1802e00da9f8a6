// Flow control keeps memory flat: a producer that could yield a million 1 KB items, read
// by a consumer that takes one every 200 ms, advances no further than the window, and its
// process's RSS stays put, in both directions; a stream opened and never read pauses its
// producer at the window. The producer runs in a child process so its RSS is its own.
import { expect, test } from "bun:test";
import { z } from "zod";
import { createClient } from "../../client/index.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/index.ts";
import { cleanup, defer, spawn } from "./helpers.ts";

cleanup();

const Item = z.object({ i: z.number(), text: z.string() });
const schema = createSchema({
  server: { items: { input: z.object({ n: z.number() }), stream: Item }, hello: {}, stats: {} },
  client: { upload: { input: z.object({ n: z.number() }), stream: Item }, stats: {} },
});
type Stats = { advanced: number; rss: number };
/** core/streams.ts DEFAULT_WINDOW, written out: a wider default (or no flow control) fails here. */
const DEFAULT_WINDOW = 64;
const SLACK = 4; // the item the generator is at, and a grant in flight
const MB = 1_048_576;

/** Reads `count` items one every `ms`, then returns what the producer reports. */
async function slowRead(stream: AsyncIterator<unknown>, count: number, ms: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    const step = await stream.next();
    expect(step.done).toBe(false);
    await Bun.sleep(ms);
  }
}

test("a slow client consumer of a server producer: the generator stays within the window, RSS flat", async () => {
  const { match } = await spawn("streamMemoryFixture.ts", ["server"], { ready: /READY (\d+)/ });
  const client = createClient({ url: `ws://127.0.0.1:${match[1]}`, schema, heartbeat: false, reconnect: false });
  defer(() => client.close());
  const stream = client.stream("items", { n: 1_000_000 });
  await slowRead(stream, 3, 200);
  const before = (await client.call("stats")) as Stats;
  await slowRead(stream, 12, 200);
  const after = (await client.call("stats")) as Stats;
  expect(after.advanced).toBeLessThanOrEqual(15 + DEFAULT_WINDOW + SLACK);
  expect(after.rss - before.rss).toBeLessThan(20 * MB);
  await stream.return!();
}, 15_000);

test("a slow server consumer of a client producer: the generator stays within the window, RSS flat", async () => {
  let peer: any;
  const hello = Promise.withResolvers<void>();
  const server = createServer({
    schema,
    procedures: {
      hello: (_, client) => void ((peer = client), hello.resolve()),
      stats: () => ({ advanced: 0, rss: 0 }),
      async *items() {},
    },
  });
  const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (server.upgrade(req, srv) ? undefined : new Response("", { status: 400 })), websocket: server.handler });
  defer(() => bun.stop(true));
  await spawn("streamMemoryFixture.ts", ["client", `ws://127.0.0.1:${bun.port}`], { ready: /OPEN/ });
  await hello.promise;
  const stream = peer.stream("upload", { n: 1_000_000 }) as AsyncIterator<unknown>;
  await slowRead(stream, 3, 200);
  const before = (await peer.call("stats")) as Stats;
  await slowRead(stream, 12, 200);
  const after = (await peer.call("stats")) as Stats;
  expect(after.advanced).toBeLessThanOrEqual(15 + DEFAULT_WINDOW + SLACK);
  expect(after.rss - before.rss).toBeLessThan(20 * MB);
  await stream.return!();
}, 15_000);

test("streams opened and never read: the server producers stay paused at the window", async () => {
  const { match } = await spawn("streamMemoryFixture.ts", ["server"], { ready: /READY (\d+)/ });
  const client = createClient({ url: `ws://127.0.0.1:${match[1]}`, schema, heartbeat: false, reconnect: false });
  defer(() => client.close());
  const streams = [client.stream("items", { n: 1_000_000 }), client.stream("items", { n: 1_000_000 }, { window: 8 })];
  await Bun.sleep(300);
  const first = (await client.call("stats")) as Stats;
  await Bun.sleep(1_500);
  const later = (await client.call("stats")) as Stats;
  expect(later.advanced).toBeLessThanOrEqual(DEFAULT_WINDOW + 8 + 2 * SLACK);
  expect(later.advanced).toBe(first.advanced); // paused, not slowly advancing
  expect(later.rss - first.rss).toBeLessThan(20 * MB);
  for (const s of streams) await s.return!();
}, 15_000);
