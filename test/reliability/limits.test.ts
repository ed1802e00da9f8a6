// The client has a receive limit, as the server does: `maxPayload` (1 MiB by default) bounds
// frames either way, and a frame over it closes the socket instead of being parsed — with the
// client's own 4000 and the reason "frame too large" (a page may not send 1009 itself).
// The hostile server here is raw Bun: it answers any call with a RESULT of the size asked.
import { describe, expect, test } from "bun:test";
import { cleanup, defer, mb } from "./helpers.ts";

cleanup();

/** A raw WebSocket server that answers every CALL with a string RESULT of `size` characters. */
function hostile(size: number) {
  const closes: string[] = [];
  const bun = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response("no", { status: 400 })),
    websocket: {
      maxPayloadLength: 1 << 20,
      message(ws, message) {
        const frame = JSON.parse(String(message));
        if (frame[0] === 0) ws.send(`[2,${frame[1]},"${"x".repeat(size)}"]`);
      },
      close(_ws, code, reason) {
        closes.push(`${code} ${reason}`);
      },
    },
  });
  defer(() => bun.stop(true));
  return { url: `ws://127.0.0.1:${bun.port}`, closes };
}

async function runClient(url: string, maxPayload?: number) {
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/fixture-big-client.ts`, url, ...(maxPayload ? [String(maxPayload)] : [])], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill(9), 30_000);
  defer(() => (clearTimeout(killer), proc.kill(9)));
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (!out) throw new Error(`the client printed nothing: ${err}`);
  return JSON.parse(out) as {
    outcome: { ok: boolean; length?: number; code?: string };
    status: string;
    reports: string[];
    rssAtSettle: number;
    rssAfterGc: number;
    maxRss: number;
  };
}

describe("the client's receive limit", () => {
  test("a 60 MB RESULT closes the socket: the call fails DISCONNECTED, TOO_LARGE is reported, nothing is parsed", async () => {
    const server = hostile(60_000_000);
    const result = await runClient(server.url);
    console.log(
      `60 MB RESULT, client defaults: outcome ${JSON.stringify(result.outcome)}, status ${result.status}; RSS at settle ${mb(result.rssAtSettle)}, after GC ${mb(result.rssAfterGc)}, peak ${mb(result.maxRss)}; reports ${JSON.stringify(result.reports)}; server saw close ${server.closes.join(",")}`,
    );
    expect(result.outcome).toEqual({ ok: false, code: "DISCONNECTED" });
    expect(result.reports.some((r) => r.startsWith("TOO_LARGE"))).toBe(true);
    expect(server.closes).toEqual(["4000 frame too large"]);
  }, 40_000);

  test("the limit is maxPayload: 1.5 MB is over the 1 MiB default, and fits a client with maxPayload 4 MB", async () => {
    const server = hostile(1_500_000);
    const small = await runClient(server.url);
    const large = await runClient(server.url, 4_000_000);
    console.log(`1.5 MB RESULT: default client ${JSON.stringify(small.outcome)}, maxPayload 4 MB ${JSON.stringify(large.outcome)}`);
    expect(small.outcome).toEqual({ ok: false, code: "DISCONNECTED" });
    expect(large.outcome).toEqual({ ok: true, length: 1_500_000 });
  }, 40_000);
});
