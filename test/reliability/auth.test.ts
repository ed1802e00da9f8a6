// Auth: the client's params (a function called on every attempt) are checked by
// `authenticate` before any procedure or hook runs; a refused socket gets 4401 and the
// client stops; the token never appears in a line Chatter logs.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ChatterError } from "../../core/errors.ts";
import { serveApp } from "./app.ts";
import { cleanup, connect, defer, raw, tcp, until } from "./helpers.ts";

cleanup();

const TOKEN = "tok_SECRET_4f9a1c";

function serve(port = 0, overrides: Parameters<typeof serveApp>[1] = {}) {
  const served = serveApp(port, overrides);
  defer(() => served.bun.stop(true));
  return served;
}

/** A server that admits `token-<n>` params and records what it saw. */
function authServer(port = 0, extra: Parameters<typeof serveApp>[1] = {}) {
  const seen = { params: [] as unknown[], connects: 0, disconnects: 0, upgrades: 0 };
  const served = serve(port, {
    authenticate: async (params: any, client) => {
      seen.params.push(params);
      await Bun.sleep(5);
      if (typeof params?.token !== "string" || !params.token.startsWith("token-")) return false;
      client.set("user", params.token);
    },
    onConnect: () => void seen.connects++,
    onDisconnect: () => void seen.disconnects++,
    ...extra,
  });
  return { ...served, seen };
}

describe("connection params", () => {
  test("params is called on every attempt, so a refreshed token is sent after a reconnect", async () => {
    const a = authServer();
    const port = a.bun.port!;
    let attempt = 0;
    const client = connect(a.url, { params: async () => ({ token: `token-${++attempt}` }), reconnect: { initialDelay: 20, maxDelay: 50 } });
    expect(await client.call("add", { a: 1, b: 2 })).toBe(3);
    a.bun.stop(true);
    await until(() => client.status === "reconnecting", 2_000, "the drop");
    const b = authServer(port);
    expect(await client.call("add", { a: 2, b: 2 })).toBe(4);
    expect(a.seen.params).toEqual([{ token: "token-1" }]);
    expect(b.seen.params.at(-1)).toEqual({ token: `token-${attempt}` });
    expect(attempt).toBeGreaterThanOrEqual(2);
  });

  test("calls made before the server accepts the params wait for it, then run", async () => {
    const a = authServer();
    const client = connect(a.url, { params: { token: "token-x" } });
    const early = [client.call("add", { a: 1, b: 1 }), client.call("slow", { ms: 0, tag: "early" })];
    expect(await Promise.all(early)).toEqual([2, 0]);
    expect(a.seen.connects).toBe(1);
  });

  test("a frame before the params, or while they are being checked, is refused with 4401 and runs nothing", async () => {
    const a = authServer();
    const first = await raw(a.url);
    first.send('[0,1,"slow",{"ms":0,"tag":"sneaky"}]');
    expect((await first.closed).code).toBe(4401);

    const second = await raw(a.url);
    second.send(JSON.stringify([7, { token: "token-ok" }]));
    second.send('[0,1,"slow",{"ms":0,"tag":"sneaky"}]'); // before the server answered [7]
    expect((await second.closed).code).toBe(4401);

    expect(a.counts["slow:sneaky"]).toBeUndefined();
    expect(a.seen.connects).toBe(0); // onConnect never ran for them
    expect(a.seen.disconnects).toBe(0);
    expect(a.server.clients.size).toBe(0); // nor were they listed as clients
  });

  test("a socket that never sends its params is closed 4408 (retryable, not a refusal) after the server's timeout", async () => {
    const a = authServer(0, { timeout: 200 });
    const sock = await raw(a.url);
    const opened = Date.now();
    expect((await sock.closed).code).toBe(4408);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(190);
    expect(Date.now() - opened).toBeLessThan(1_000);
  });

  test("an accepted client gets [7] and its state from authenticate", async () => {
    const a = authServer();
    const sock = await raw(a.url);
    sock.send(JSON.stringify([7, { token: "token-raw" }]));
    await until(() => sock.frames.length > 0, 2_000, "the answer");
    expect(sock.frames[0]).toEqual([7]);
    expect([...a.server.clients.values()][0]!.get("user" as never)).toBe("token-raw");
  });
});

describe("a refused client", () => {
  test("gets close code 4401 and UNAUTHORIZED, and does not try again", async () => {
    const a = authServer();
    const statuses: string[] = [];
    let attempts = 0;
    const client = connect(a.url, {
      params: () => ({ token: `bad-${++attempts}` }),
      reconnect: { initialDelay: 10, maxDelay: 20 },
    });
    client.onStatus((s) => statuses.push(s));
    const error = (await client.call("add", { a: 1, b: 1 }).catch((e) => e)) as ChatterError;
    expect(error.code).toBe("UNAUTHORIZED");
    expect(client.status).toBe("closed");
    await Bun.sleep(300); // with 10-20 ms backoff, a hammering client would have retried ~15 times
    expect(attempts).toBe(1);
    expect(a.seen.params).toHaveLength(1);
    expect(statuses).toEqual(["closed"]);
    expect(((await client.call("add", { a: 1, b: 1 }).catch((e) => e)) as ChatterError).code).toBe("DISCONNECTED");
  });

  test("a client refused at the upgrade (HTTP 401) backs off instead of hammering", async () => {
    let attempts = 0;
    const gate = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => (attempts++, new Response("no", { status: 401 })),
    });
    defer(() => gate.stop(true));
    const client = connect(`ws://127.0.0.1:${gate.port}`, { reconnect: {} }); // the defaults: 250 ms doubling
    await Bun.sleep(2_000);
    expect(client.status).toBe("reconnecting");
    expect(attempts).toBeGreaterThanOrEqual(3); // it keeps trying…
    expect(attempts).toBeLessThanOrEqual(5); // …about 4 times in 2 s, not hundreds
  });

  test("an authenticate that throws closes with 1011 (the client retries later) and reports the error", async () => {
    const reported: unknown[] = [];
    const a = serve(0, {
      authenticate: () => {
        throw new Error("the session store is down");
      },
      onError: (error) => void reported.push(error),
    });
    const sock = await raw(a.url);
    sock.send(JSON.stringify([7, { token: TOKEN }]));
    const { code, reason } = await sock.closed;
    expect(code).toBe(1011);
    expect(reason).toBe("authentication failed"); // the error's message stays on the server
    expect(reported.map(String)).toEqual(["Error: the session store is down"]);
  });
});

describe("the token never appears in a line Chatter logs", () => {
  const lines: string[] = [];
  const originals = { error: console.error, warn: console.warn, log: console.log, info: console.info, debug: console.debug };
  beforeEach(() => {
    for (const key of Object.keys(originals) as (keyof typeof originals)[]) {
      console[key] = (...args: unknown[]) => void lines.push(args.map((a) => (a instanceof Error ? `${a.stack} ${String((a as any).cause ?? "")}` : typeof a === "string" ? a : Bun.inspect(a))).join(" "));
    }
  });
  afterEach(() => Object.assign(console, originals));

  test("refusals, protocol errors and failing procedures with the default onError, on both ends", async () => {
    let checks = 0;
    const a = serveApp(0, {
      onError: undefined, // the default: a line on stderr
      authenticate: (params: any) => {
        checks++;
        if (params?.token === "boom") throw new Error("the session store is down");
        return params?.token === TOKEN;
      },
    });
    defer(() => a.bun.stop(true));

    // A good client, whose procedures fail in every way.
    const good = connect(a.url, { params: () => ({ token: TOKEN }) });
    for (const name of ["throws", "rejects"] as const) await good.call(name).catch(() => {});
    await good.call("bad", "circular").catch(() => {});
    await good.call("add", { a: "x" } as never).catch(() => {});

    // Refused clients: a wrong token, the right token in a broken frame, params twice, a throw.
    const wrong = connect(a.url, { params: { token: `${TOKEN}-expired` } });
    await wrong.call("add", { a: 1, b: 1 }).catch(() => {});
    for (const frames of [
      [`[7,{"token":"${TOKEN}"`],
      [`[7,{"token":"${TOKEN}"}]`, `[7,{"token":"${TOKEN}"}]`, `[0,1,"add",{"token":"${TOKEN}"}]`],
      [`[0,1,"add",{"token":"${TOKEN}"}]`],
      ['[7,{"token":"boom"}]'],
      [`[0,1,"${TOKEN}"]`],
    ]) {
      const sock = await raw(a.url);
      for (const f of frames) sock.send(f);
      await Promise.race([sock.closed, Bun.sleep(500)]);
      sock.ws.close();
    }
    await until(() => checks >= 4, 2_000, "the checks");
    await Bun.sleep(50);
    expect(lines.length).toBeGreaterThan(3); // there was something to log
    expect(lines.filter((line) => line.includes(TOKEN))).toEqual([]);
    if (process.env.SHOW_LOGS) originals.log(lines.join("\n---\n"));
  });
});

describe("origins", () => {
  test("an allow-list refuses a foreign Origin and a missing one before the upgrade", async () => {
    const a = serve(0, { origins: ["http://good.example"] });
    const port = a.bun.port!;
    expect((await tcp(port, { Origin: "http://evil.example" })).status).toBe(403);
    expect((await tcp(port, { Origin: "http://good.example.evil.example" })).status).toBe(403);
    expect((await tcp(port)).status).toBe(403);
    expect((await tcp(port, { Origin: "http://good.example" })).status).toBe(101);
  });
});
