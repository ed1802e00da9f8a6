import { describe, expect, test } from "bun:test";
import { clientTopic, createServer } from "../../server/index.ts";
import type { ChatterError } from "../../core/errors.ts";
import { connect, defer, raw, rejection, serve, until } from "./fixtures/harness.ts";
import { testApp } from "./fixtures/app.ts";

describe("server → client calls", () => {
  test("the server calls a client procedure and gets its result", async () => {
    const app = testApp();
    const client = connect({
      url: serve(app).url,
      schema: app.schema,
      procedures: { confirm: ({ question }) => question.endsWith("?") },
    });
    expect(await client.call("ask", { question: "ready?" })).toBe(true);
    expect(app.seen.answers).toEqual([true]);
  });

  test("a procedure the client has not implemented is NOT_FOUND for the server", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const error = await rejection(client.call("ask", { question: "anyone?" }));
    expect(error.code).toBe("NOT_FOUND");
  });

  test("implement adds a procedure later; its remover takes it away again", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const off = client.implement("confirm", () => false);
    expect(await client.call("ask", { question: "?" })).toBe(false);
    const offLater = client.implement("confirm", () => true);
    expect(await client.call("ask", { question: "?" })).toBe(true);
    offLater();
    expect(await client.call("ask", { question: "?" })).toBe(false);
    off();
    expect((await rejection(client.call("ask", { question: "?" }))).code).toBe("NOT_FOUND");
  });

  test("each registration has its own remover, even for the same function; a remover works once", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const yes = () => true;
    const no = () => false;
    const offNo = client.implement("confirm", no);
    const offFirstYes = client.implement("confirm", yes);
    const offSecondYes = client.implement("confirm", yes);
    offFirstYes();
    offFirstYes();
    expect(await client.call("ask", { question: "?" })).toBe(true); // the second `yes` still answers
    offSecondYes();
    expect(await client.call("ask", { question: "?" })).toBe(false);
    offNo();
  });

  test("implement refuses a name the schema does not have", () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    expect(() => (client.implement as (n: string, h: () => void) => void)("nope", () => {})).toThrow('"nope" is not a client procedure');
  });

  test("a client's wrong result is BAD_OUTPUT on the server (clients are not trusted)", async () => {
    const app = testApp();
    const client = connect({
      url: serve(app).url,
      schema: app.schema,
      onError: () => {},
      procedures: { confirm: () => "yes" as unknown as boolean },
    });
    // the client validates its own output first
    expect((await rejection(client.call("ask", { question: "?" }))).code).toBe("BAD_OUTPUT");
  });

  test("a client procedure that throws reaches the server as INTERNAL and is reported on the client", async () => {
    const app = testApp();
    const reported: unknown[] = [];
    const client = connect({
      url: serve(app).url,
      schema: app.schema,
      onError: (error) => void reported.push(error),
      procedures: {
        confirm: () => {
          throw new Error("client secret");
        },
      },
    });
    const error = await rejection(client.call("ask", { question: "?" }));
    expect(error.code).toBe("INTERNAL");
    expect(error.message).not.toContain("secret");
    expect(reported).toHaveLength(1);
  });

  test("a server call to a client that leaves mid-call rejects DISCONNECTED and its pending entry is gone", async () => {
    const app = testApp();
    let serverSide: Promise<unknown> | undefined;
    const { url, chatter } = serve(app);
    const client = connect({ url, schema: app.schema, procedures: { confirm: () => new Promise<boolean>(() => {}) } });
    await client.call("ping");
    const [remote] = chatter.clients.values();
    serverSide = remote!.call("confirm", { question: "still there?" });
    await Bun.sleep(20);
    client.close();
    const error = (await rejection(serverSide)) as ChatterError;
    expect(error.code).toBe("DISCONNECTED");
    expect(chatter.clients.size).toBe(0);
  });

  test("a server call times out with TIMEOUT and the client's signal aborts", async () => {
    const app = testApp();
    const { url, chatter } = serve(app);
    let aborted = false;
    const client = connect({
      url,
      schema: app.schema,
      procedures: {
        confirm: (_input, { signal }) =>
          new Promise<boolean>((resolve) => signal.addEventListener("abort", () => ((aborted = true), resolve(false)))),
      },
    });
    await client.call("ping");
    const [remote] = chatter.clients.values();
    const error = (await rejection(remote!.call("confirm", { question: "?" }, { timeout: 30 }))) as ChatterError;
    expect(error.code).toBe("TIMEOUT");
    await until(() => aborted, 1_000, "the client's signal");
  });
});

describe("topics", () => {
  test("client.publish reaches every other subscriber, not the sender; unsubscribe stops delivery", async () => {
    const app = testApp();
    const { url, chatter } = serve(app);
    const heard: Record<string, string[]> = { a: [], b: [], c: [] };
    const clients = Object.fromEntries(
      (["a", "b", "c"] as const).map((name) => [
        name,
        connect({ url, schema: app.schema, procedures: { heard: ({ text }) => void heard[name]!.push(text) } }),
      ]),
    );
    for (const name of ["a", "b", "c"]) await clients[name]!.call("join", { topic: "room" });
    await clients.a!.call("shout", { topic: "room", text: "one" });
    await until(() => heard.b!.length === 1 && heard.c!.length === 1, 1_000, "delivery");
    await clients.c!.call("leave", { topic: "room" });
    await clients.a!.call("shout", { topic: "room", text: "two" });
    // A marker from the server to everyone still in the room: what must not arrive would have come before it.
    chatter.publish("room", "heard", { text: "end" });
    await until(() => heard.a!.at(-1) === "end" && heard.b!.at(-1) === "end", 1_000, "the marker");
    await clients.c!.call("join", { topic: "room" });
    chatter.publish("room", "heard", { text: "back" });
    await until(() => heard.c!.at(-1) === "back", 1_000, "c's marker");
    expect(heard).toEqual({ a: ["end", "back"], b: ["one", "two", "end", "back"], c: ["one", "back"] });
  });

  test("server.publish reaches every subscriber; a bad publish throws BAD_INPUT at the sender", async () => {
    const app = testApp();
    const { url, chatter } = serve(app);
    const heard: string[] = [];
    const a = connect({ url, schema: app.schema, procedures: { heard: ({ text }) => void heard.push(`a:${text}`) } });
    const b = connect({ url, schema: app.schema, procedures: { heard: ({ text }) => void heard.push(`b:${text}`) } });
    await a.call("join", { topic: "news" });
    await b.call("join", { topic: "news" });
    chatter.publish("news", "heard", { text: "hi" });
    await until(() => heard.length === 2, 1_000, "fan-out");
    expect(heard.sort()).toEqual(["a:hi", "b:hi"]);
    expect(() => chatter.publish("news", "heard", { text: 1 } as never)).toThrow(/Invalid input/);
    expect(() => (chatter.publish as (t: string, n: string) => void)("news", "nope")).toThrow(/No client procedure/);
  });
});

describe("connections", () => {
  test("state starts from the defaults and the upgrade's state; set/get are per connection", async () => {
    const app = testApp();
    const chatter = createServer({ ...app, onError: () => {} });
    const bun = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (req, srv) => {
        const name = new URL(req.url).searchParams.get("name");
        return chatter.upgrade(req, srv, { state: { name: name ?? undefined } }) ? undefined : new Response(null, { status: 400 });
      },
      websocket: chatter.handler,
    });
    defer(() => bun.stop(true));
    const ada = connect({ url: `ws://127.0.0.1:${bun.port}/?name=ada`, schema: app.schema });
    const anon = connect({ url: `ws://127.0.0.1:${bun.port}/`, schema: app.schema });
    const a = (await ada.call("whoami")) as { id: string; name: string };
    const b = (await anon.call("whoami")) as { id: string; name: string };
    expect(a.name).toBe("ada"); // from the upgrade
    expect(b.name).toBe("anonymous"); // from the server's `state` defaults
    expect(a.id).not.toBe(b.id);
    expect([...chatter.clients.keys()].sort()).toEqual([a.id, b.id].sort());
    chatter.clients.get(b.id)!.set("name", "bob");
    expect(((await anon.call("whoami")) as { name: string }).name).toBe("bob");
    expect(((await ada.call("whoami")) as { name: string }).name).toBe("ada"); // per connection
    expect(app.state.name).toBe("anonymous"); // the defaults are never written
  });

  test("onConnect and onDisconnect run; a hook that throws is reported and harms nothing", async () => {
    const app = testApp();
    const events: string[] = [];
    const { url, errors } = serve({
      ...app,
      onConnect: (client) => {
        events.push(`open ${/^[\w-]{21}$/.test(client.id)}`); // 21 URL-safe characters
        throw new Error("hook bug");
      },
      onDisconnect: async (_client, { code }) => {
        events.push(`close ${code}`);
        throw new Error("async hook bug");
      },
    });
    const client = connect({ url, schema: app.schema });
    expect(await client.call("ping")).toBe("pong");
    client.close();
    await until(() => events.length === 2, 1_000, "hooks");
    expect(events).toEqual(["open true", "close 1000"]);
    await until(() => errors.length === 2, 1_000, "reports");
  });

  test("an Origin outside the allow-list is refused at the upgrade", async () => {
    const app = testApp();
    const { url } = serve({ ...app, origins: ["https://chat.example"] });
    const refused = await fetch(url.replace("ws:", "http:"), {
      headers: { Upgrade: "websocket", Connection: "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13", Origin: "https://evil.example" },
    });
    expect(refused.status).toBe(400);
    const ok = new WebSocket(url, { headers: { Origin: "https://chat.example" } } as never);
    await new Promise((resolve, reject) => ((ok.onopen = resolve), (ok.onerror = reject)));
    ok.close();
  });

  test("a garbage frame is answered with PROTOCOL and a close; other connections keep working", async () => {
    const app = testApp();
    const { url, errors } = serve(app);
    const good = connect({ url, schema: app.schema });
    await good.call("ping");
    for (const garbage of ["not json", "{}", "null", "42", "[]", "[99]", '[0,"x","ping"]', "[0,-1,\"ping\"]", ""]) {
      const bad = await raw(url);
      bad.ws.send(garbage);
      const { code } = await bad.closed;
      expect(code).toBe(4400);
      expect(JSON.parse(bad.frames[0]!)).toEqual([3, 0, "PROTOCOL", expect.any(String)]);
    }
    const binary = await raw(url);
    binary.ws.send(new Uint8Array([1, 2, 3]));
    expect((await binary.closed).code).toBe(4400);
    expect(await good.call("add", { a: 1, b: 2 })).toBe(3);
    expect(errors.length).toBe(10);
  });

  test("a frame over the size limit closes that socket (1009) and nothing else", async () => {
    const app = testApp();
    const { url } = serve({ ...app, maxPayload: 4_096 });
    const good = connect({ url, schema: app.schema });
    const bad = await raw(url);
    bad.ws.send(JSON.stringify([0, 1, "echo", { a: 1, b: "x".repeat(10_000) }]));
    expect((await bad.closed).code).toBe(1009);
    expect(await good.call("ping")).toBe("pong");
  });

  test("a result too large to send is TOO_LARGE for the caller", async () => {
    const app = testApp();
    const client = connect({ url: serve({ ...app, maxPayload: 1_000 }).url, schema: app.schema });
    expect((await rejection(client.call("repeat", { text: "y", times: 2_000 }))).code).toBe("TOO_LARGE");
    expect(await client.call("repeat", { text: "y", times: 3 })).toBe("yyy");
  });
});

describe("ordering", () => {
  test("a publish never overtakes answers written before it (batched frames flush first)", async () => {
    const app = testApp();
    const events: string[] = [];
    const { url, chatter } = serve({
      ...app,
      procedures: {
        ...app.procedures,
        // "add" doubles as the publisher here: it answers, then a later call publishes.
        ping: () => {
          chatter.publish("room", "heard", { text: "published" });
          return "pong";
        },
      },
    });
    const client = connect({ url, schema: app.schema, procedures: { heard: ({ text }) => void events.push(text) } });
    await client.call("join", { topic: "room" });
    // One tick: both calls leave in one batch; "add" is answered before "ping" publishes.
    await Promise.all([client.call("add", { a: 1, b: 1 }).then(() => events.push("answer")), client.call("ping").then(() => events.push("pong"))]);
    await until(() => events.length === 3, 1_000, "all events");
    expect(events).toEqual(["answer", "published", "pong"]);
  });
});

describe("batches", () => {
  test("a batch is read in order and stops at its first bad frame: nothing after it runs", async () => {
    const app = testApp();
    const { url } = serve(app);
    const good = await raw(url);
    good.ws.send(JSON.stringify([[0, 1, "add", { a: 1, b: 2 }], [0, 2, "ping"]]));
    await until(() => good.frames.length > 0, 1_000, "answers");
    expect(JSON.parse(good.frames.join(""))).toEqual([[2, 1, 3], [2, 2, "pong"]]);

    const bad = await raw(url);
    bad.ws.send(JSON.stringify([[0, 1, "slow", { ms: 1 }], [99], [0, 2, "slow", { ms: 1 }]]));
    expect((await bad.closed).code).toBe(4400);
    expect(app.seen.started).toBe(1);
  });
});

describe("reserved topics", () => {
  test("a client cannot be subscribed to another client's own topic (clientTopic), nor unsubscribed from its own", async () => {
    const app = testApp();
    const { url, chatter } = serve(app);
    const victim = connect({ url, schema: app.schema });
    const attacker = connect({ url, schema: app.schema });
    await victim.call("ping");
    await attacker.call("ping");
    const victimId = [...chatter.clients.keys()][0]!;
    const joined = await rejection(attacker.call("join", { topic: clientTopic(victimId) }));
    expect([joined.code, joined.message]).toEqual(["BAD_INPUT", 'Topics starting "chatter:client:" are each client\'s own; subscribe to another name']);
    expect((await rejection(attacker.call("leave", { topic: clientTopic(victimId) }))).code).toBe("BAD_INPUT");
    await attacker.call("join", { topic: "chatter:clients" }); // only the exact prefix is reserved
    expect(chatter.clients.size).toBe(2); // both connections survive the refusal
  });
});
