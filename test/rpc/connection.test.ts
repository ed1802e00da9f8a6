import { describe, expect, test } from "bun:test";
import type { ClientStatus } from "../../client/types.ts";
import { onReconnect } from "../../query/index.ts";
import { connect, defer, rejection, serve, until } from "./fixtures/harness.ts";
import { testApp } from "./fixtures/app.ts";

/** A free port: bind one, note it, let it go. */
function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

describe("connection lifecycle", () => {
  test("calls made before the server is up wait for it, then go out", async () => {
    const app = testApp();
    const port = freePort();
    const client = connect({ url: `ws://127.0.0.1:${port}`, schema: app.schema, reconnect: { initialDelay: 20, maxDelay: 50 } });
    expect(client.status).toBe("connecting");
    const early = client.call("add", { a: 40, b: 2 });
    await Bun.sleep(100);
    serve(app, port);
    expect(await early).toBe(42);
    expect(client.status).toBe("open");
  });

  test("a queued call still times out when the server never comes", async () => {
    const app = testApp();
    const client = connect({ url: `ws://127.0.0.1:${freePort()}`, schema: app.schema, reconnect: { initialDelay: 10, maxDelay: 20 } });
    expect((await rejection(client.call("ping", undefined, { timeout: 100 }))).code).toBe("TIMEOUT");
  });

  test("a server restart mid-call: the call rejects DISCONNECTED, the client reconnects and onOpen rejoins before queued calls", async () => {
    const app = testApp();
    const first = serve(app);
    const port = first.bun.port!;
    const statuses: ClientStatus[] = [];
    const order: string[] = [];
    const heard: string[] = [];
    const client = connect({
      url: first.url,
      schema: app.schema,
      reconnect: { initialDelay: 20, maxDelay: 100 },
      procedures: { heard: ({ text }) => void heard.push(text) },
      onOpen: (socket) => {
        order.push("onOpen");
        socket.call("join", { topic: "lobby" });
      },
    });
    client.onStatus((status) => statuses.push(status));
    await client.call("ping");
    const inFlight = client.call("slow", { ms: 10_000 });
    await Bun.sleep(20);
    first.bun.stop(true);
    const error = await rejection(inFlight);
    expect(error.code).toBe("DISCONNECTED");
    expect(app.seen.started).toBe(1); // not retried behind the caller's back
    await until(() => client.status === "reconnecting", 1_000, "reconnecting");
    const queued = client.call("add", { a: 1, b: 1 }).then((v) => (order.push("queued call"), v));
    const second = serve(app, port);
    expect(await queued).toBe(2);
    expect(order).toEqual(["onOpen", "onOpen", "queued call"]);
    expect(statuses).toEqual(["open", "reconnecting", "open"]);
    // onOpen's join went out again on the new server: a publish reaches the client
    await until(() => second.chatter.clients.size === 1, 1_000, "rejoin");
    await Bun.sleep(20);
    second.chatter.publish("lobby", "heard", { text: "welcome back" });
    await until(() => heard.length === 1, 1_000, "publish after rejoin");
  });

  test("with reconnect: false a drop closes the client and waiting calls reject DISCONNECTED", async () => {
    const app = testApp();
    const server = serve(app);
    const client = connect({ url: server.url, schema: app.schema, reconnect: false });
    await client.call("ping");
    const inFlight = client.call("slow", { ms: 10_000 });
    await Bun.sleep(20);
    server.bun.stop(true);
    expect((await rejection(inFlight)).code).toBe("DISCONNECTED");
    await until(() => client.status === "closed", 1_000, "closed");
    expect((await rejection(client.call("ping"))).code).toBe("DISCONNECTED");
  });

  test("close() ends it for good: in-flight and queued calls reject, no reconnect", async () => {
    const app = testApp();
    const server = serve(app);
    const client = connect({ url: server.url, schema: app.schema });
    const queued = client.call("slow", { ms: 1_000 }); // sent on open
    client.close();
    expect((await rejection(queued)).code).toBe("DISCONNECTED");
    expect(client.status).toBe("closed");
    await Bun.sleep(50);
    expect(server.chatter.clients.size).toBe(0);
  });

  test("the heartbeat notices a server that stopped answering, and the client reconnects", async () => {
    // A server that accepts the socket and then never says a word.
    const silent = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, srv) => (srv.upgrade(req) ? undefined : new Response(null, { status: 400 })),
      websocket: { message() {}, sendPings: false, idleTimeout: 0 },
    });
    defer(() => silent.stop(true));
    const app = testApp();
    const client = connect({ url: `ws://127.0.0.1:${silent.port}`, schema: app.schema, heartbeat: { interval: 50, timeout: 50 }, reconnect: { initialDelay: 1_000 } });
    await until(() => client.status === "open", 1_000, "open");
    const call = client.call("ping", undefined, { timeout: 5_000 });
    const started = Date.now();
    expect((await rejection(call)).code).toBe("DISCONNECTED");
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(client.status).toBe("reconnecting");
  });

  test("a client process that vanishes mid-call aborts the procedure's signal on the server", async () => {
    const app = testApp();
    const { url, chatter } = serve(app);
    const child = Bun.spawn([process.execPath, `${import.meta.dir}/fixtures/vanishing-client.ts`, url], { stdout: "pipe", stderr: "inherit" });
    defer(() => child.kill(9));
    await until(() => app.seen.started === 1, 5_000, "the child's call");
    child.kill(9);
    await until(() => app.seen.aborted.length === 1, 5_000, "abort on disconnect");
    await until(() => chatter.clients.size === 0, 1_000, "cleanup");
  });

  test("onReconnect fires after a connection was lost and came back, not on a first open after failed attempts", async () => {
    const app = testApp();
    const port = freePort();
    const client = connect({ url: `ws://127.0.0.1:${port}`, schema: app.schema, reconnect: { initialDelay: 20, maxDelay: 40 } });
    let reconnects = 0;
    onReconnect(client, () => reconnects++);
    await until(() => client.status === "reconnecting", 1_000, "a failed first attempt");
    const first = serve(app, port);
    await until(() => client.status === "open", 2_000, "the first open");
    expect(reconnects).toBe(0);
    first.bun.stop(true);
    await until(() => client.status === "reconnecting", 1_000, "the drop");
    serve(app, port);
    await until(() => reconnects === 1, 2_000, "the reconnect");
    expect(client.status).toBe("open");
  });
});
