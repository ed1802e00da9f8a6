// Flow control keeps memory flat: a producer that could yield a million 1 KB items, read
// by a consumer that takes one every 200 ms, advances no further than the window, and its
// process's RSS stays put, in both directions; a stream opened and never read pauses its
// producer at the window. The producer runs in a child process so its RSS is its own.
import { expect, test } from "bun:test";
import { createClient } from "../../client/index.ts";
import { createServer } from "../../server/index.ts";
import { cleanup, defer, spawn, until } from "./helpers.ts";
import { schema } from "./streamMemoryFixture.ts";

cleanup();

type Stats = { advanced: number; rss: number };
/** core/streams.ts DEFAULT_WINDOW, written out: a wider default (or no flow control) fails here. */
const DEFAULT_WINDOW = 64;
const SLACK = 4; // the item the generator is at, and a grant in flight
const MB = 1_048_576;

/** Reads `count` items one every `ms`. */
async function slowRead(stream: AsyncIterator<unknown>, count: number, ms: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    const step = await stream.next();
    expect(step.done).toBe(false);
    await Bun.sleep(ms);
  }
}

/** Reads 15 items of `stream`, one every 200 ms: its producer (reporting through `stats`) stays within the window, its RSS flat. */
async function expectFlat(stream: AsyncIterator<unknown>, stats: () => Promise<Stats>): Promise<void> {
  await slowRead(stream, 3, 200);
  const before = await stats();
  await slowRead(stream, 12, 200);
  const after = await stats();
  expect(after.advanced).toBeLessThanOrEqual(15 + DEFAULT_WINDOW + SLACK);
  expect(after.rss - before.rss).toBeLessThan(20 * MB);
  await stream.return!();
}

test("a slow client consumer of a server producer: the generator stays within the window, RSS flat", async () => {
  const { match } = await spawn("streamMemoryFixture.ts", ["server"], { ready: /READY (\d+)/ });
  const client = createClient({ url: `ws://127.0.0.1:${match[1]}`, schema, heartbeat: false, reconnect: false });
  defer(() => client.close());
  await expectFlat(client.stream("items", { n: 1_000_000 }), async () => (await client.call("stats")) as Stats);
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
  await expectFlat(peer.stream("upload", { n: 1_000_000 }) as AsyncIterator<unknown>, async () => (await peer.call("stats")) as Stats);
}, 15_000);

test("streams opened and never read: the server producers stay paused at the window", async () => {
  const { match } = await spawn("streamMemoryFixture.ts", ["server"], { ready: /READY (\d+)/ });
  const client = createClient({ url: `ws://127.0.0.1:${match[1]}`, schema, heartbeat: false, reconnect: false });
  defer(() => client.close());
  const streams = [client.stream("items", { n: 1_000_000 }), client.stream("items", { n: 1_000_000 }, { window: 8 })];
  // Both producers fill their windows first (a floor, so a slow machine waits instead of failing), then nothing moves.
  const stats = async () => (await client.call("stats")) as Stats;
  let first = await stats();
  await until(async () => (first = await stats()).advanced >= DEFAULT_WINDOW + 8, 5_000, "both windows to fill");
  await Bun.sleep(1_500);
  const later = await stats();
  expect(later.advanced).toBeLessThanOrEqual(DEFAULT_WINDOW + 8 + 2 * SLACK);
  expect(later.advanced).toBe(first.advanced); // paused, not slowly advancing
  expect(later.rss - first.rss).toBeLessThan(20 * MB);
  for (const s of streams) await s.return!();
}, 15_000);
