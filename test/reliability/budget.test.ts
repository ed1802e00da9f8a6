// One connection's validation work must not freeze the others: a validator that backtracks
// (`/^(a+)+$/`) or a frame of 200,000 wrong-typed items. The server runs a connection's
// frames in slices bounded in time and yields between them, so a canary client on another
// connection waits for at most about one validation, not for all of them. (One validation
// itself cannot be interrupted: docs/security.md says how to keep regexes linear.)
import { beforeAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { createClient } from "../../client/createClient.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/createServer.ts";
import { budgetSchema } from "./fixture-budget-server.ts";
import { cleanup, defer, maskedFrame, raw, spawn, tcp, until } from "./helpers.ts";

cleanup();

let url = "";
let port = 0;
let alive: () => boolean = () => false;

beforeAll(async () => {
  const server = await spawn("fixture-budget-server.ts", [], { ready: /READY (\d+)/, scope: "file" });
  port = Number(server.match[1]);
  url = `ws://127.0.0.1:${port}`;
  alive = server.alive;
});

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? NaN;

/** The shortest "aaa…!" whose validation takes at least `ms` here (the server runs the same engine). */
function redosInput(ms: number): { s: string; took: number } {
  const check = z.string().regex(/^(a+)+$/);
  for (let n = 16; n < 40; n++) {
    const s = `${"a".repeat(n)}!`;
    const t = performance.now();
    check.safeParse(s);
    const took = performance.now() - t;
    if (took >= ms) return { s, took };
  }
  throw new Error("no input slow enough");
}

/** Calls `add` on its own connection, one after another, until `stop()`; the latencies. */
async function canary() {
  const client = createClient({ url, schema: budgetSchema, reconnect: false, heartbeat: false });
  defer(() => client.close());
  expect(await client.call("add", { a: 1, b: 1 })).toBe(2);
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await client.call("add", { a: 1, b: 2 }, { timeout: 30_000 });
      latencies.push(performance.now() - t);
      await Bun.sleep(5);
    }
  })();
  await Bun.sleep(200); // a few calls before the attack
  return {
    latencies,
    async stop() {
      running = false;
      await loop;
      return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: Math.max(...latencies), n: latencies.length };
    },
  };
}

/**
 * The canary waited for about one of the attacker's `n` validations (what the server spent on
 * each, from the attack's own duration), not for all of them: the frozen-for-the-whole-attack
 * case has p99 ≈ `attack`.
 */
function expectFair(result: { p99: number }, attack: number, n: number) {
  const one = attack / n;
  expect(result.p99).toBeLessThan(Math.max(2.5 * one + 100, attack / 4));
}

const fmt = (s: { p50: number; p99: number; max: number; n: number }) => `p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max.toFixed(0)} ms (${s.n} calls)`;

describe("a canary's calls while another connection runs slow validators", () => {
  test("one 1 KB batch of 20 backtracking inputs", async () => {
    const { s, took } = redosInput(150);
    const watch = await canary();
    const sock = await raw(url);
    const frame = `[${Array.from({ length: 20 }, (_, i) => JSON.stringify([0, i + 1, "redos", { s }])).join(",")}]`;
    const start = performance.now();
    sock.send(frame);
    await until(() => sock.frames.length >= 20, 60_000, "the 20 answers");
    const attack = performance.now() - start;
    const result = await watch.stop();
    console.log(`ReDoS batch (${frame.length} B, 20 × ${s.length} chars, one validation ≈ ${took.toFixed(0)} ms here): attack took ${attack.toFixed(0)} ms; canary ${fmt(result)}`);
    expect(sock.frames.every((f) => f[0] === 3 && f[2] === "BAD_INPUT")).toBe(true);
    expect(alive()).toBe(true);
    expectFair(result, attack, 20);
  }, 90_000);

  test("20 separate backtracking frames in one TCP write", async () => {
    const { s, took } = redosInput(150);
    const watch = await canary();
    const sock = await tcp(port);
    expect(sock.status).toBe(101);
    const frames = Array.from({ length: 20 }, (_, i) => maskedFrame(1, new TextEncoder().encode(JSON.stringify([0, i + 1, "redos", { s }]))));
    const start = performance.now();
    sock.socket.write(Buffer.concat(frames));
    // 20 ERROR frames come back (unmasked, each well under 126 bytes): count their opcodes.
    await until(() => countTextFrames(sock.received()) >= 20, 60_000, "the 20 answers");
    const attack = performance.now() - start;
    const result = await watch.stop();
    console.log(`ReDoS frames (20 × ${s.length} chars in one write, one validation ≈ ${took.toFixed(0)} ms): attack took ${attack.toFixed(0)} ms; canary ${fmt(result)}`);
    expect(alive()).toBe(true);
    expectFair(result, attack, 20);
  }, 90_000);

  test("five frames of 200,000 wrong-typed array items", async () => {
    const items = JSON.stringify(Array(200_000).fill(1));
    const check = z.array(z.string());
    const parsed = JSON.parse(items);
    check.safeParse(parsed);
    const t = performance.now();
    check.safeParse(parsed);
    const took = performance.now() - t;
    const watch = await canary();
    const sock = await raw(url);
    const start = performance.now();
    for (let i = 1; i <= 5; i++) sock.send(`[0,${i},"strings",${items}]`);
    await until(() => sock.frames.length >= 5, 60_000, "the 5 answers");
    const attack = performance.now() - start;
    const result = await watch.stop();
    const issues = sock.frames.map((f) => (f[4] as unknown[] | undefined)?.length ?? 0);
    console.log(`200k wrong items × 5 frames (${(items.length / 1024).toFixed(0)} KB each, one validation ≈ ${took.toFixed(0)} ms here): attack took ${attack.toFixed(0)} ms; canary ${fmt(result)}; issues sent per answer ${issues.join(",")}`);
    expect(sock.frames.every((f) => f[0] === 3 && f[2] === "BAD_INPUT")).toBe(true);
    expect(Math.max(...issues)).toBeLessThanOrEqual(50);
    expectFair(result, attack, 5);
  }, 90_000);
});

test("a connection that keeps sending while it waits its turn is closed (1013) past 4 × maxPayload queued, and the server lives", async () => {
  const { s } = redosInput(150);
  const sock = await raw(url);
  sock.send(`[${Array.from({ length: 5 }, (_, i) => JSON.stringify([0, i + 1, "redos", { s }])).join(",")}]`);
  const padding = "x".repeat(512 * 1024);
  for (let i = 0; i < 12; i++) sock.send(`[6,"${padding}"]`); // PONGs: 6 MB while the first batch is being validated
  const closed = await Promise.race([sock.closed, Bun.sleep(30_000).then(() => undefined)]);
  console.log(`flood while waiting: closed ${JSON.stringify(closed)}, answers before the close ${sock.frames.length}`);
  expect(closed?.code).toBe(1013);
  expect(alive()).toBe(true);
  const client = createClient({ url, schema: budgetSchema, reconnect: false, heartbeat: false });
  defer(() => client.close());
  expect(await client.call("add", { a: 2, b: 2 })).toBe(4);
}, 40_000);

test("a BAD_OUTPUT keeps a bounded number of issues on the error it reports", async () => {
  const schema = createSchema({ server: { list: { output: z.array(z.string()) } }, client: {} });
  const reports: unknown[] = [];
  const server = createServer({ schema, procedures: { list: () => Array(100_000).fill(1) as never }, onError: (error) => void reports.push(error) });
  const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (server.upgrade(req, srv) ? undefined : new Response("no")), websocket: server.handler });
  defer(() => bun.stop(true));
  const client = createClient({ url: `ws://127.0.0.1:${bun.port}`, schema, reconnect: false, heartbeat: false });
  defer(() => client.close());
  const error = (await client.call("list").catch((e) => e)) as { code: string; issues?: unknown[] };
  await until(() => reports.length > 0, 2_000, "the report");
  const kept = (reports[0] as { issues?: unknown[] }).issues?.length;
  console.log(`BAD_OUTPUT of 100,000 wrong items: the reported error keeps ${kept} issues; the caller got ${error.issues?.length}`);
  expect(error.code).toBe("BAD_OUTPUT");
  expect(kept).toBeLessThanOrEqual(50);
});

/** The number of complete unmasked text frames at the start of `bytes` (server→client). */
function countTextFrames(bytes: Buffer): number {
  let at = 0;
  let n = 0;
  while (at + 2 <= bytes.length) {
    let len = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (at + 4 > bytes.length) break;
      len = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (len === 127) {
      if (at + 10 > bytes.length) break;
      len = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    if (at + head + len > bytes.length) break;
    if ((bytes[at]! & 0x0f) === 1) n++;
    at += head + len;
  }
  return n;
}
