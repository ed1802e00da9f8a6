// Sessions that survive a dropped connection (`createServer({ recovery })`), on one
// instance: real drops through a TCP proxy the test cuts, not clean closes.
import { expect, test } from "bun:test";
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import type { ServerClient } from "../../server/types.ts";
import { connect, raw, rejection, serve, serveRaw, until } from "./fixtures/harness.ts";
import { dropProxy } from "./fixtures/proxy.ts";

const schema = createSchema({
  server: {
    join: { input: z.object({ room: z.string(), name: z.string() }) },
    whoami: { output: z.object({ id: z.string(), name: z.string().optional() }) },
    slow: {},
    members: { input: z.object({ room: z.string() }), output: z.array(z.string()) },
  },
  client: {
    receive: { input: z.object({ n: z.number() }) },
  },
});

function app(recovery: Parameters<typeof serve>[0]["recovery"] = { window: 10_000 }) {
  const connected: { id: string; recovered: boolean }[] = [];
  const live = new Map<string, ServerClient<typeof schema>>();
  const served = serve({
    schema,
    recovery,
    onConnect: (client) => {
      connected.push({ id: client.id, recovered: client.recovered });
      live.set(client.id, client);
    },
    procedures: {
      join: ({ room, name }, client) => {
        client.subscribe(room);
        client.set("name", name);
      },
      whoami: (_input, client) => ({ id: client.id, name: client.get("name") as string | undefined }),
      slow: (_input, _client, { signal }) => new Promise((resolve) => signal.addEventListener("abort", resolve)),
      members: () => [],
    },
  });
  return { ...served, connected, live };
}

/** A client through `proxy` that records what it receives and every open. */
function recorder(url: string) {
  const received: number[] = [];
  const opens: boolean[] = [];
  const client = connect({
    url,
    schema,
    reconnect: { initialDelay: 50, maxDelay: 200 },
    onOpen: (_socket, { recovered }) => void opens.push(recovered),
    procedures: { receive: ({ n }) => void received.push(n) },
  });
  return { client, received, opens };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

test("1,000 publishes during a 2 s cut arrive after the reconnect in order, none lost or twice; id, topics and state are kept", async () => {
  const server = app();
  const proxy = dropProxy(server.bun.port!);
  const { client, received, opens } = recorder(proxy.url);
  await client.call("join", { room: "r", name: "ada" });
  const before = await client.call("whoami");
  for (const n of range(0, 100)) server.chatter.publish("r", "receive", { n });
  await until(() => received.length === 100, 2_000, "the first 100");
  const inFlight = rejection(client.call("slow"));
  const old = server.live.get(before.id)!;

  proxy.cut();
  // Published from the instant of the cut on, while the server may still think the socket is open.
  for (let n = 100; n < 1_100; n++) {
    server.chatter.publish("r", "receive", { n });
    if (n === 600) old.setData("members", { room: "r" }, ["ada", "bob"]); // to this client alone, while it is away
    if (n % 50 === 0) await Bun.sleep(100);
  }
  expect((await inFlight).code).toBe("DISCONNECTED");
  const updates: unknown[] = [];
  client.onUpdate((update) => void updates.push(update));
  proxy.heal();

  await until(() => received.length >= 1_100, 5_000, "every publish");
  for (const n of range(1_100, 1_110)) server.chatter.publish("r", "receive", { n }); // newer than the replay
  await until(() => received.length >= 1_110, 2_000, "the newer ones");
  expect(received).toEqual(range(0, 1_110));
  expect(opens).toEqual([false, true]);
  expect(client.recovered).toBe(true);
  expect(await client.call("whoami")).toEqual(before);
  expect(server.connected.map((c) => c.recovered)).toEqual([false, true]);
  expect(server.connected[1]!.id).toBe(before.id);
  expect(updates).toEqual([{ type: "setData", name: "members", input: { room: "r" }, data: ["ada", "bob"] }]);
  expect(server.errors).toEqual([]);
});

test("a cut longer than the window starts a fresh session: recovered false, onOpen rejoins", async () => {
  const server = app({ window: 200 });
  const proxy = dropProxy(server.bun.port!);
  const received: number[] = [];
  const opens: boolean[] = [];
  const client = connect({
    url: proxy.url,
    schema,
    reconnect: { initialDelay: 50, maxDelay: 100 },
    onOpen: async (socket, { recovered }) => {
      opens.push(recovered);
      if (!recovered) await socket.call("join", { room: "r", name: "ada" });
    },
    procedures: { receive: ({ n }) => void received.push(n) },
  });
  await until(() => server.connected.length === 1, 2_000, "the first open");
  const first = await client.call("whoami");
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the server to see the drop");
  server.chatter.publish("r", "receive", { n: 1 }); // missed, and not recoverable past the window
  await Bun.sleep(400);
  proxy.heal();
  await until(() => opens.length === 2, 3_000, "the reopen");
  await until(async () => (await client.call("whoami")).name === "ada", 2_000, "the rejoin");
  server.chatter.publish("r", "receive", { n: 2 });
  await until(() => received.length === 1, 2_000, "the new publish");
  expect(received).toEqual([2]);
  expect(opens).toEqual([false, false]);
  expect(client.recovered).toBe(false);
  expect((await client.call("whoami")).id).not.toBe(first.id);
});

/** A hand-driven client: HELLO, then its session's token and the SEQ it starts from. */
async function rawSession(url: string, token?: string, seq?: number) {
  const socket = await raw(url);
  socket.ws.send(token === undefined ? `[7,null]` : JSON.stringify([7, null, token, seq ?? 0]));
  await until(() => socket.frames.length > 0, 2_000, "the HELLO answer");
  /** Every frame so far, batches unwrapped: the HELLO answer and the replay can come as one batch. */
  const received = () => socket.frames.flatMap((text) => {
    const msg = JSON.parse(text) as unknown[];
    return Array.isArray(msg[0]) ? (msg as unknown[][]) : [msg];
  });
  const [kind, next, recovered, start] = received()[0] as [number, string, number, number];
  expect(kind).toBe(7);
  return { ...socket, received, token: next, recovered: recovered === 1, seq: start };
}

test("a token is single-use: replayed after the recovery it gets a fresh session, and a wrong secret spends nothing", async () => {
  const server = app();
  const proxy = dropProxy(server.bun.port!);
  const victim = await rawSession(proxy.url);
  victim.ws.send(`[0,1,"join",{"room":"r","name":"victim"}]`);
  await until(() => victim.frames.length === 2, 2_000, "the join");
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the server to see the drop");
  proxy.heal();

  const id = victim.token.slice(0, 21);
  const guess = await rawSession(server.url, `${id}${"A".repeat(21)}`);
  expect(guess.recovered).toBe(false);
  const back = await rawSession(server.url, victim.token, victim.seq);
  expect(back.recovered).toBe(true);
  back.ws.send(`[0,2,"whoami"]`);
  await until(() => back.frames.length === 2, 2_000, "whoami");
  expect(JSON.parse(back.frames[1]!)).toEqual([2, 2, { id, name: "victim" }]);

  const replayed = await rawSession(server.url, victim.token, victim.seq);
  expect(replayed.recovered).toBe(false);
  replayed.ws.send(`[0,3,"whoami"]`);
  await until(() => replayed.frames.length === 2, 2_000, "whoami");
  const [, , who] = JSON.parse(replayed.frames[1]!) as [number, number, { id: string; name?: string }];
  expect(who.id).not.toBe(id);
  expect(who.name).toBeUndefined();
  expect(back.token).not.toBe(victim.token);
});

test("a new socket with the token of a connection the server still holds takes it over (the old one is closed 1001)", async () => {
  const server = app();
  const first = await rawSession(server.url);
  first.ws.send(`[0,1,"join",{"room":"r","name":"ada"}]`);
  await until(() => first.frames.length === 2, 2_000, "the join");
  const second = await rawSession(server.url, first.token, first.seq);
  expect(second.recovered).toBe(true);
  expect((await first.closed).code).toBe(1001);
  server.chatter.publish("r", "receive", { n: 7 });
  await until(() => second.frames.length === 2, 2_000, "the publish");
  expect(JSON.parse(second.frames[1]!)).toEqual([15, expect.any(Number), [1, "receive", { n: 7 }]]);
  expect(server.chatter.clients.size).toBe(1);
});

test("past the log's bound the session is not recoverable; a clean close is not a drop", async () => {
  const server = app({ window: 10_000, maxMessages: 50 });
  const proxy = dropProxy(server.bun.port!);
  const dropped = await rawSession(proxy.url);
  dropped.ws.send(`[0,1,"join",{"room":"r","name":"ada"}]`);
  await until(() => dropped.frames.length === 2, 2_000, "the join");
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the server to see the drop");
  for (let n = 0; n < 100; n++) server.chatter.publish("r", "receive", { n });
  expect((await rawSession(server.url, dropped.token, dropped.seq)).recovered).toBe(false);

  const closed = await rawSession(server.url);
  closed.ws.close(1000);
  await until(() => server.chatter.clients.size === 1, 2_000, "the close"); // the fresh session above is still open
  expect((await rawSession(server.url, closed.token, closed.seq)).recovered).toBe(false);
});

test("authenticate runs again on a recovered connection, and a refused one does not recover", async () => {
  let allowed = true;
  const authenticated: unknown[] = [];
  const server = serve({
    schema,
    recovery: { window: 10_000 },
    authenticate: (params) => {
      authenticated.push(params);
      return allowed;
    },
    procedures: { join: ({ room }, client) => client.subscribe(room), whoami: (_i, client) => ({ id: client.id }), slow: () => {}, members: () => [] },
  });
  const proxy = dropProxy(server.bun.port!);
  const opens: boolean[] = [];
  const client = connect({ url: proxy.url, schema, params: () => "key", reconnect: { initialDelay: 50, maxDelay: 100 }, onOpen: (_s, { recovered }) => void opens.push(recovered) });
  const { id } = await client.call("whoami");
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the drop");
  proxy.heal();
  await until(() => opens.length === 2, 3_000, "the recovery");
  expect(opens).toEqual([false, true]);
  expect((await client.call("whoami")).id).toBe(id);
  expect(authenticated).toEqual(["key", "key"]);

  allowed = false;
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the second drop");
  proxy.heal();
  await until(() => client.status === "closed", 3_000, "the refusal");
  expect(opens).toEqual([false, true]);
  expect(authenticated).toEqual(["key", "key", "key"]);
});

test("hostile HELLO frames get a fresh session, and the server and a kept session survive them", async () => {
  const server = app();
  const proxy = dropProxy(server.bun.port!);
  const kept = await rawSession(proxy.url);
  kept.ws.send(`[0,1,"join",{"room":"r","name":"ada"}]`);
  await until(() => kept.frames.length === 2, 2_000, "the join");
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the drop");
  const id = kept.token.slice(0, 21);
  for (const hello of [
    [7, null, 42, 0],
    [7, null, { token: kept.token }, 0],
    [7, null, id, 0], // the id alone
    [7, null, `${id}${"x".repeat(100_000)}`, 0],
    [7, null, `${kept.token}x`, 0],
  ]) {
    const socket = await raw(server.url);
    socket.ws.send(JSON.stringify(hello));
    await until(() => socket.frames.length > 0, 2_000, "the answer");
    expect(JSON.parse(socket.frames[0]!)[2]).toBe(0);
  }
  // Numbers from before the session or past the last one sent: the client gets what it could have missed.
  server.chatter.publish("r", "receive", { n: 1 });
  const back = await rawSession(server.url, kept.token, -5);
  expect(back.recovered).toBe(true);
  await until(() => back.received().length === 2, 2_000, "the replay");
  expect(back.received()[1]).toEqual([15, expect.any(Number), [1, "receive", { n: 1 }]]);
  expect(server.errors).toEqual([]);
});

test("past maxSessions the oldest dropped session is forgotten", async () => {
  const server = app({ window: 10_000, maxSessions: 1 });
  const proxy = dropProxy(server.bun.port!);
  const first = await rawSession(proxy.url);
  const second = await rawSession(proxy.url);
  proxy.cut();
  await until(() => server.chatter.clients.size === 0, 2_000, "the drops");
  const recovered = [(await rawSession(server.url, first.token, first.seq)).recovered, (await rawSession(server.url, second.token, second.seq)).recovered];
  expect(recovered.filter(Boolean)).toHaveLength(1); // the one dropped last
});

test("a client reports a hostile server's SEQ frames as PROTOCOL and reads on", async () => {
  const hostile = serveRaw((ws, message) => {
    const [kind, id] = JSON.parse(message) as [number, number];
    if (kind !== 0) return;
    ws.send(`[15,"one",[1,"receive",{"n":1}]]`);
    ws.send(`[15,1,[0,9,"join",{}]]`); // a CALL is not a recoverable frame
    ws.send(`[15,2,"not a frame"]`);
    ws.send(`[15,3,[1,"receive",{"n":3}]]`);
    ws.send(JSON.stringify([2, id, { id: "x" }]));
  });
  const received: number[] = [];
  const reported: string[] = [];
  const client = connect({
    url: hostile.url,
    schema,
    onError: (error) => void reported.push((error as { code: string }).code),
    procedures: { receive: ({ n }) => void received.push(n) },
  });
  expect(await client.call("whoami")).toEqual({ id: "x" });
  expect(reported).toEqual(["PROTOCOL", "PROTOCOL", "PROTOCOL"]);
  expect(received).toEqual([3]);
});

test("across instances a client drops a SEQ frame of an origin it has had (a replay's boundary), and names each origin's last in its next HELLO", async () => {
  const hellos: unknown[] = [];
  const hostile = serveRaw((ws, message) => {
    const frame = JSON.parse(message) as unknown[];
    if (frame[0] !== 7) return;
    hellos.push(frame);
    ws.send(JSON.stringify([7, `${"i".repeat(21)}${"s".repeat(21)}`, hellos.length > 1 ? 1 : 0, 0]));
    if (hellos.length > 1) return;
    ws.send(`[15,5,[1,"receive",{"n":1}],"origin01"]`);
    ws.send(`[15,5,[1,"receive",{"n":2}],"origin01"]`); // had
    ws.send(`[15,3,[1,"receive",{"n":3}],"origin02"]`);
    ws.send(`[15,4,[1,"receive",{"n":4}],"origin01"]`); // had
    ws.send(`[15,6,[1,"receive",{"n":5}],"origin01"]`);
    ws.send(`[15,7,[1,"receive",{"n":6}],42]`); // an origin is a string
    ws.send(`[15,9,[1,"receive",{"n":7}]]`); // one instance's numbering, kept apart
    setTimeout(() => ws.close(1001), 50);
  });
  const received: number[] = [];
  const reported: string[] = [];
  const client = connect({
    url: hostile.url,
    schema,
    reconnect: { initialDelay: 20, maxDelay: 50 },
    onError: (error) => void reported.push((error as { code: string }).code),
    procedures: { receive: ({ n }) => void received.push(n) },
  });
  await until(() => hellos.length === 2 && client.recovered, 3_000, "the second HELLO");
  expect(received).toEqual([1, 3, 5, 7]);
  expect(reported).toEqual(["PROTOCOL"]);
  expect(hellos[1]).toEqual([7, null, `${"i".repeat(21)}${"s".repeat(21)}`, { origin01: 6, origin02: 3 }]);
});
