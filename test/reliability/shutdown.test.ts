// Graceful shutdown: stop accepting, tell clients to go (GOAWAY), drain calls in flight up
// to a deadline, close with 1012; the clients reconnect (to the next server) and send the
// calls they held, once.
import { expect, test } from "bun:test";
import type { ChatterError } from "../../core/errors.ts";
import { serveApp } from "./app.ts";
import { cleanup, connect, defer, raw, tcp, until } from "./helpers.ts";

cleanup();

function serve(port = 0, overrides: Parameters<typeof serveApp>[1] = {}) {
  const served = serveApp(port, overrides);
  defer(() => served.bun.stop(true));
  return served;
}

test("idle sockets close at once, busy ones after their calls are answered; new calls wait for the next server and run there once", async () => {
  const closes: number[] = [];
  const a = serve(0, { onDisconnect: (_, { code }) => void closes.push(code) });
  const port = a.bun.port!;
  const reconnect = { initialDelay: 50, maxDelay: 200 };
  const busy = connect(a.url, { reconnect });
  const idle = connect(a.url, { reconnect });
  await until(() => a.server.clients.size === 2, 3_000, "both clients");
  const inFlight = busy.call("slow", { ms: 300, tag: "drain" });
  await until(() => a.counts["slow:drain"] === 1, 3_000, "the call running");

  const started = Date.now();
  const done = a.server.shutdown({ timeout: 5_000 });
  expect((await tcp(port)).status).toBe(403); // no new sockets while draining
  await until(() => closes.length === 1, 1_000, "the idle socket's close");
  expect(closes).toEqual([1012]);

  await Bun.sleep(20); // the GOAWAY has arrived: this call is held for the next connection
  const held = busy.call("slow", { ms: 0, tag: "held" }, { timeout: 10_000 });
  expect(await inFlight).toBe(300); // drained, not cut
  await done;
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(closes).toEqual([1012, 1012]);
  expect(a.counts["slow:held"]).toBeUndefined();

  a.bun.stop(true);
  const b = serve(port); // "elsewhere"
  expect(await held).toBe(0);
  expect(b.counts["slow:held"]).toBe(1);
  expect(a.counts["slow:held"]).toBeUndefined();
  await until(() => busy.status === "open" && idle.status === "open", 3_000, "both back");
});

test("calls still running at the deadline are cut: they reject DISCONNECTED and the shutdown resolves", async () => {
  const a = serve();
  const client = connect(a.url);
  const hung = client.call("hang", { tag: "deadline" }, { timeout: 10_000 });
  await until(() => a.counts["hang:deadline"] === 1, 3_000, "the call running");
  const started = Date.now();
  await a.server.shutdown({ timeout: 300 });
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(290);
  expect(waited).toBeLessThan(1_000);
  expect(((await hung.catch((e) => e)) as ChatterError).code).toBe("DISCONNECTED");
  expect(a.server.clients.size).toBe(0);
});

test("a client that answers GOAWAY is closed 1012 once its calls are answered; one that does not, at the deadline", async () => {
  const a = serve();
  const polite = await raw(a.url);
  const silent = await raw(a.url);
  polite.send('[0,1,"slow",{"ms":100}]');
  silent.send('[0,1,"slow",{"ms":100}]');
  await until(() => a.counts["slow:"] === 2, 3_000, "the calls running");
  const started = Date.now();
  const done = a.server.shutdown({ timeout: 1_500 });
  await until(() => polite.frames.length > 0, 3_000, "GOAWAY");
  polite.send("[8]"); // no call of ours is on the way any more
  expect((await polite.closed).code).toBe(1012);
  expect(polite.frames).toEqual([[8], [2, 1, 100]]);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect((await silent.closed).code).toBe(1012); // a call it sent across GOAWAY could still be on its way
  expect(silent.frames).toEqual([[8], [2, 1, 100]]);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  await done;
});

test("a call sent across GOAWAY is not lost: the client holds new calls and the server waits for its answer", async () => {
  const a = serve();
  // With reconnect on, a call made after GOAWAY waits for the next connection instead of failing.
  const client = connect(a.url, { reconnect: { initialDelay: 1_000 } });
  await until(() => a.server.clients.size === 1, 3_000, "the client");
  let ok = 0;
  let failed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await client.call("slow", { ms: 0 }, { timeout: 5_000 }).then(() => ok++, () => failed++);
    }
  })();
  await Bun.sleep(100);
  await a.server.shutdown({ timeout: 3_000 });
  running = false;
  await Promise.race([loop, Bun.sleep(100)]);
  expect(failed).toBe(0);
  expect(ok).toBeGreaterThan(0);
});

test("the server's own calls to a client are drained too", async () => {
  const a = serve();
  let answer!: (value: unknown) => void;
  connect(a.url, { procedures: { question: () => new Promise((resolve) => (answer = resolve)) } });
  await until(() => a.server.clients.size === 1, 3_000, "the client");
  const peer = [...a.server.clients.values()][0]!;
  const asked = peer.call("question", "?", { timeout: 5_000 });
  await until(() => !!answer, 3_000, "the question");
  const done = a.server.shutdown({ timeout: 5_000 });
  await Bun.sleep(100);
  expect(a.server.clients.size).toBe(1);
  answer("yes");
  expect(await asked).toBe("yes");
  await done;
});

test("a HELLO that crosses the GOAWAY of a shutdown begun right after the socket opened is answered, not a protocol error", async () => {
  const a = serve();
  const late = await raw(a.url);
  const done = a.server.shutdown({ timeout: 1_500 });
  await until(() => late.frames.length > 0, 3_000, "GOAWAY");
  late.send("[7,null]"); // the client's first frame, sent before it read the GOAWAY
  late.send("[8]");
  expect((await late.closed).code).toBe(1012); // not 1002
  expect(late.frames).toEqual([[8], [7]]);
  await done;
});
