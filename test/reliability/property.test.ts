// Property-based: random frames and random sequences of valid and invalid frames, sent
// to a Chatter server in its own process. After every sequence: the process is alive, a
// trusted client's calls succeed, nothing is left pending or running, no prototype was
// polluted; and every call the server answered was answered exactly once.
import { beforeAll, expect, test } from "bun:test";
import fc from "fast-check";
import type { Stats } from "./app.ts";
import { assertHealthy, cleanup, connect, framesOf, mb, raw, spawn, stats, until } from "./helpers.ts";

cleanup();

let url = "";
let alive: () => boolean = () => false;
let baseline: Stats;

beforeAll(async () => {
  const server = await spawn("fixture-server.ts", [], { ready: /READY (\d+)/, scope: "file" });
  url = `ws://127.0.0.1:${server.match[1]}`;
  alive = server.alive;
  const trusted = connect(url);
  baseline = await stats(trusted);
  trusted.close();
});

const names = fc.constantFrom("add", "echo", "keys", "shape", "slow", "hang", "throws", "rejects", "bad", "ask", "join", "stats", "__proto__", "constructor", "toString", "nope", "");
const id = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 20 }) }, fc.constantFrom(0, -1, 1.5, 2 ** 53, "1", null, 1e300));
const input = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ a: fc.integer(), b: fc.integer() }),
  fc.record({ ms: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ timeout: fc.integer({ min: 1, max: 50 }), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.constantFrom("circular", "bigint", { __proto__: null, polluted: 1 } as object),
  fc.constant(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')),
);

/** Frames that fit the protocol's shape, with random contents. */
const wellFormed = fc.oneof(
  fc.tuple(fc.constant(0), id, names, input).map((f) => JSON.stringify(f)),
  fc.tuple(fc.constant(0), id, names).map((f) => JSON.stringify(f)),
  fc.tuple(fc.constant(1), names, input).map((f) => JSON.stringify(f)),
  fc.tuple(fc.constant(2), id, input).map((f) => JSON.stringify(f)),
  fc.tuple(fc.constant(3), id, fc.constantFrom("INTERNAL", "TIMEOUT", "NOPE", 5), fc.string()).map((f) => JSON.stringify(f)),
  fc.tuple(fc.constant(4), id).map((f) => JSON.stringify(f)),
  fc.constantFrom("[5]", "[6]", "[7]", "[7,{}]", "[8]"),
);
/** Anything at all. */
const garbage = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 6 }).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 16 }),
);
/** Several frames in one message, as a peer that batches writes them. */
const batch = fc.array(wellFormed, { minLength: 1, maxLength: 8 }).map((frames) => `[${frames.join(",")}]`);
const frame = fc.oneof({ weight: 4, arbitrary: wellFormed }, { weight: 1, arbitrary: batch }, { weight: 1, arbitrary: garbage });

/** Sends `frames`, then a PING, and waits for its PONG or the close; returns the socket. */
async function play(frames: (string | Uint8Array)[]) {
  const sock = await raw(url);
  for (const f of frames) if (!sock.close) sock.send(f);
  if (!sock.close) sock.send("[5]");
  await until(() => !!sock.close || sock.frames.some((f) => f[0] === 6), 3_000, "a pong or a close").catch(() => {});
  await Bun.sleep(60); // answers of short calls (slow ≤ 50 ms) and asks (timeout ≤ 50 ms)
  sock.ws.close();
  await sock.closed;
  return sock;
}

/** No call is answered twice: answers per id never outnumber the CALL frames sent with it (an id may be reused once answered). */
function answeredOnce(sent: (string | Uint8Array)[], frames: unknown[][]) {
  const calls = new Map<unknown, number>();
  for (const f of sent) {
    if (typeof f !== "string") continue;
    for (const call of framesOf(f)) if (call[0] === 0) calls.set(call[1], (calls.get(call[1]) ?? 0) + 1);
  }
  const answers = new Map<unknown, number>();
  for (const f of frames) if ((f[0] === 2 || f[0] === 3) && f[1] !== 0) answers.set(f[1], (answers.get(f[1]) ?? 0) + 1);
  for (const [id, n] of answers) expect(n).toBeLessThanOrEqual(calls.get(id) ?? 0);
}

test("random frames, one per socket", async () => {
  const trusted = connect(url);
  await fc.assert(
    fc.asyncProperty(frame, async (f) => {
      const sock = await play([f]);
      answeredOnce([f], sock.frames);
      await assertHealthy(trusted, { alive });
    }),
    { numRuns: 100 },
  );
}, 60_000);

test("random sequences of valid and invalid frames", async () => {
  const trusted = connect(url);
  await fc.assert(
    fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (frames) => {
      const sock = await play(frames);
      answeredOnce(frames, sock.frames);
      if (sock.close?.code === 4400) expect(sock.frames.some((f) => f[0] === 3 && f[1] === 0 && f[2] === "PROTOCOL")).toBe(true);
      await assertHealthy(trusted, { alive });
    }),
    { numRuns: 100 },
  );
}, 90_000);

test("random sequences of only well-formed frames never break the connection for the trusted client", async () => {
  const trusted = connect(url);
  await fc.assert(
    fc.asyncProperty(fc.array(wellFormed, { minLength: 1, maxLength: 40 }), async (frames) => {
      const sock = await play(frames);
      answeredOnce(frames, sock.frames);
      await assertHealthy(trusted, { alive });
    }),
    { numRuns: 100 },
  );
  expect(alive()).toBe(true);
}, 90_000);

test("after 300 random runs, the server's heap is back near where it started", async () => {
  const trusted = connect(url);
  const end = await assertHealthy(trusted, { alive, baseline, heapMargin: 16 * 1_048_576 });
  console.log(`property: server heap ${mb(baseline.heapUsed)} → ${mb(end.heapUsed)}, rss ${mb(baseline.rss)} → ${mb(end.rss)}`);
});
