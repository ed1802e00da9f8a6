// `onError` is not a firehose: repeated reports of the same kind from one peer are passed on
// up to a few per window, then counted, and the count is reported once (at the end of the
// window, or when the connection closes) as "<n> more like this … were not reported".
import { describe, expect, test } from "bun:test";
import { serveApp } from "./app.ts";
import { cleanup, connect, defer, raw, until } from "./helpers.ts";

cleanup();

const summaryCount = (reports: unknown[]) =>
  reports.reduce<number>((sum, r) => sum + Number(/(\d+) more like this/.exec(String((r as Error)?.message ?? r))?.[1] ?? 0), 0);
const individual = (reports: unknown[]) => reports.filter((r) => !/\d+ more like this/.test(String((r as Error)?.message ?? r))).length;

describe("rate-limited reports", () => {
  test("a hostile server's 1,000 garbage frames and 500 binary frames: a few reports each, then one summary per kind", async () => {
    let sockets = 0;
    const bun = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
      websocket: {
        open(ws) {
          sockets++;
          for (let i = 0; i < 1_000; i++) ws.send(`garbage ${i}`);
          for (let i = 0; i < 500; i++) ws.send(new Uint8Array([i & 255]));
          ws.send("[7]"); // then behave: the client is open
        },
        message() {},
      },
    });
    defer(() => bun.stop(true));
    const reports: unknown[] = [];
    const client = connect(`ws://127.0.0.1:${bun.port}`, { onError: (error) => void reports.push(error), params: { hi: 1 } });
    // The server's [7] comes after the garbage: it is still read (a client reports bad frames and reads on).
    await until(() => client.status === "open", 5_000, "the client to open");
    await Bun.sleep(100);
    const during = reports.length;
    client.close();
    await Bun.sleep(100);
    console.log(`hostile server, 1,500 bad frames: ${during} reports while connected, ${reports.length} after the close (${individual(reports)} individual, summaries counting ${summaryCount(reports)}); socket ${client.status}, ${sockets} connection(s)`);
    expect(during).toBeLessThanOrEqual(25);
    expect(individual(reports) + summaryCount(reports)).toBe(1_500);
  });

  test("9,000 calls to a procedure that throws: a few reports, then one summary — and every caller still gets INTERNAL", async () => {
    const reports: unknown[] = [];
    const served = serveApp(0, { onError: (error) => void reports.push(error) });
    defer(() => served.bun.stop(true));
    const sock = await raw(served.url);
    const N = 9_000;
    for (let from = 0; from < N; from += 500) {
      sock.send(`[${Array.from({ length: 500 }, (_, i) => `[0,${from + i + 1},"throws"]`).join(",")}]`);
      await until(() => sock.frames.length >= from + 500, 10_000, "the answers");
    }
    expect(sock.frames.filter((f) => f[0] === 3 && f[2] === "INTERNAL")).toHaveLength(N);
    const during = reports.length;
    sock.ws.close();
    await until(() => served.server.clients.size === 0, 2_000, "the close");
    await Bun.sleep(100);
    console.log(`call flood, ${N} throwing calls: ${during} reports while connected; after the close ${individual(reports)} individual + summaries counting ${summaryCount(reports)}`);
    expect(during).toBeLessThanOrEqual(25);
    expect(individual(reports) + summaryCount(reports)).toBe(N);
  }, 30_000);

  test("different kinds and different peers are limited separately: each gets its own first reports", async () => {
    const reports: unknown[] = [];
    const served = serveApp(0, { onError: (error) => void reports.push(error) });
    defer(() => served.bun.stop(true));
    const a = await raw(served.url);
    const b = await raw(served.url);
    for (const sock of [a, b]) {
      sock.send(`[${Array.from({ length: 100 }, (_, i) => `[0,${i + 1},"throws"]`).join(",")}]`);
      sock.send(`[${Array.from({ length: 100 }, (_, i) => `[0,${i + 101},"rejects"]`).join(",")}]`);
    }
    await until(() => a.frames.length >= 200 && b.frames.length >= 200, 5_000, "the answers");
    await Bun.sleep(50);
    const texts = reports.map(String);
    const kinds = { error: texts.filter((t) => t.startsWith("Error:")).length, typeError: texts.filter((t) => t.startsWith("TypeError:")).length };
    console.log(`2 peers × (100 throws + 100 rejects): ${texts.length} reports while connected (${JSON.stringify(kinds)})`);
    expect(kinds.error).toBeGreaterThanOrEqual(2); // both peers were heard…
    expect(kinds.typeError).toBeGreaterThanOrEqual(2); // …about both kinds
    expect(texts.length).toBeLessThanOrEqual(4 * 12);
  });
});
