// Batch frames `[[…],[…]]` (many frames in one message) from a hostile peer: the same
// bounds hold as for single frames. Where the server does not take batches, a batch is a
// protocol violation (4400) — either way nothing escapes the limits.
import { beforeAll, describe, expect, test } from "bun:test";
import { assertHealthy, cleanup, connect, raw, spawn } from "./helpers.ts";

cleanup();

let url = "";
let alive: () => boolean = () => false;
let batching = false;

beforeAll(async () => {
  const server = await spawn("fixture-server.ts", [], { ready: /READY (\d+)/, scope: "file" });
  url = `ws://127.0.0.1:${server.match[1]}`;
  alive = server.alive;
  const probe = await raw(url);
  probe.send("[[5]]");
  await Promise.race([probe.closed, Bun.sleep(1_000)]);
  batching = probe.frames.some((f) => f[0] === 6);
  probe.ws.close();
});

async function healthy() {
  const trusted = connect(url);
  await assertHealthy(trusted, { alive });
  trusted.close();
}

/** Waits for `n` frames, or the close; true when the socket was closed with 4400 instead. */
async function settle(sock: Awaited<ReturnType<typeof raw>>, n: number, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (sock.frames.length < n && !sock.close && Date.now() < end) await Bun.sleep(10);
  if (sock.close) {
    expect(sock.close.code).toBe(4400);
    return true;
  }
  return false;
}

describe("batch frames", () => {
  test("a batch inside a batch, an empty batch, a batch of scalars: 4400", async () => {
    for (const frame of ['[[[0,1,"add",{"a":1,"b":2}]]]', "[[]]", "[[5],7]", '[[5],"x"]']) {
      const sock = await raw(url);
      sock.send(frame);
      expect((await sock.closed).code).toBe(4400);
    }
    await healthy();
  });

  test("a batch of 100,000 PINGs (400 KB): all answered", async () => {
    const sock = await raw(url);
    sock.send(`[${Array(100_000).fill("[5]").join(",")}]`);
    if (await settle(sock, 100_000)) return void expect(batching).toBe(false);
    expect(sock.frames.filter((f) => f[0] === 6)).toHaveLength(100_000);
    sock.ws.close();
    await healthy();
  }, 30_000);

  test("a batch of 20,000 calls: 1,000 run, the rest are OVERLOADED at once, each id answered once", async () => {
    const sock = await raw(url);
    sock.send(`[${Array.from({ length: 20_000 }, (_, i) => `[0,${i + 1},"slow",{"ms":200}]`).join(",")}]`);
    if (await settle(sock, 20_000)) return void expect(batching).toBe(false);
    expect(new Set(sock.frames.map((f) => f[1])).size).toBe(20_000);
    expect(sock.frames.filter((f) => f[0] === 2)).toHaveLength(1_000);
    expect(sock.frames.filter((f) => f[2] === "OVERLOADED")).toHaveLength(19_000);
    sock.ws.close();
    await healthy();
  }, 30_000);

  test("a bad frame inside a batch: the frames before it are handled, then 4400", async () => {
    const sock = await raw(url);
    sock.send('[[0,1,"add",{"a":1,"b":2}],[0,"x","add"],[0,2,"add",{"a":1,"b":2}]]');
    expect((await sock.closed).code).toBe(4400);
    if (batching) expect(sock.frames.filter((f) => f[0] === 2)).toEqual([[2, 1, 3]]);
    await healthy();
  });
});
