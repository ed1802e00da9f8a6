// The example chat's server through its public face: real sockets to a real Bun server on 127.0.0.1.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatterError, createClient } from "@manyducks.co/chatter/client";
import { LIMITS } from "./limits.ts";
import { schema } from "./schema.ts";
import { startChat, type ChatOptions } from "./server.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function serve(options: ChatOptions = {}) {
  const chat = startChat({ port: 0, hostname: "127.0.0.1", db: ":memory:", ...options });
  let stopped = false;
  const stop = () => (stopped ? undefined : ((stopped = true), chat.stop()));
  cleanups.push(stop);
  return { ...chat, stop, url: `ws://127.0.0.1:${chat.server.port}/ws`, http: `http://127.0.0.1:${chat.server.port}` };
}

function connect(url: string, received: string[] = []) {
  const client = createClient({
    url,
    schema,
    heartbeat: false,
    reconnect: false,
    procedures: { receiveMessage: ({ message }) => void received.push(message.message) },
  });
  cleanups.push(() => client.close());
  return client;
}

/** The ChatterError a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<ChatterError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(error instanceof ChatterError)) throw new Error(`expected a ChatterError, got ${error}`);
  return error;
}

test("a name is one person's per room: case, spaces and invisible characters do not make another", async () => {
  const { url } = serve();
  await connect(url).call("joinRoom", { roomId: "lobby", username: "alice" });
  for (const impostor of ["alice", "Alice", " alice ", "alice\u200b", "ａｌｉｃｅ"]) {
    const error = await failure(connect(url).call("joinRoom", { roomId: "lobby", username: impostor }));
    expect([error.code, error.message]).toEqual(["BAD_INPUT", 'The name "alice" is taken in #lobby: pick another']);
  }
  await connect(url).call("joinRoom", { roomId: "elsewhere", username: "alice" }); // another room: fine
  const bob = connect(url);
  expect(await bob.call("joinRoom", { roomId: "LOBBY ", username: "bob\u200b" })).toEqual({ members: ["alice", "bob"] });
});

test("a rejoin with the same key takes the name back from a connection of ours the server still holds", async () => {
  const { url } = serve();
  const heard: string[] = [];
  const stale = connect(url, heard);
  await stale.call("joinRoom", { roomId: "lobby", username: "ada", key: "tab-1" });
  const fresh = connect(url);
  expect(await fresh.call("joinRoom", { roomId: "lobby", username: "ada", key: "tab-1" })).toEqual({ members: ["ada"] });
  expect((await failure(connect(url).call("joinRoom", { roomId: "lobby", username: "ada", key: "guess" }))).code).toBe("BAD_INPUT");
  // The old connection has left the room: it hears nothing more and cannot send as ada.
  const bob = connect(url);
  await bob.call("joinRoom", { roomId: "lobby", username: "bob" });
  await bob.call("sendMessage", { roomId: "lobby", message: "hi ada" });
  expect((await failure(stale.call("sendMessage", { roomId: "lobby", message: "still me" }))).message).toBe("Join #lobby before sending to it");
  expect(heard).toEqual([]);
});

test(`a connection is in at most ${LIMITS.roomsPerConnection} rooms at once, and its rooms are a set (joining again is free)`, async () => {
  const { url } = serve();
  const client = connect(url);
  for (let i = 0; i < LIMITS.roomsPerConnection; i++) await client.call("joinRoom", { roomId: `room-${i}`, username: "ada" });
  await client.call("joinRoom", { roomId: "room-0", username: "ada" }); // already in it
  const error = await failure(client.call("joinRoom", { roomId: "one-more", username: "ada" }));
  expect([error.code, error.message]).toEqual(["BAD_INPUT", `You are in ${LIMITS.roomsPerConnection} rooms already: leave one first`]);
  await client.call("leaveRoom", { roomId: "room-3" });
  await client.call("joinRoom", { roomId: "one-more", username: "ada" });
});

test(`a connection sends ${LIMITS.sendBurst} messages at once, then ${LIMITS.sendsPerSecond} a second: past that, a clear OVERLOADED`, async () => {
  const { url } = serve();
  const client = connect(url);
  await client.call("joinRoom", { roomId: "lobby", username: "ada" });
  const sends = Array.from({ length: LIMITS.sendBurst + 1 }, (_, i) => client.call("sendMessage", { roomId: "lobby", message: `m${i}` }));
  const results = await Promise.allSettled(sends);
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(LIMITS.sendBurst);
  const error = (results.at(-1) as PromiseRejectedResult).reason as ChatterError;
  expect([error.code, error.message]).toEqual(["OVERLOADED", `Slow down: ${LIMITS.sendBurst} messages at once, then ${LIMITS.sendsPerSecond} a second`]);
  await Bun.sleep(1000 / LIMITS.sendsPerSecond + 50);
  await client.call("sendMessage", { roomId: "lobby", message: "later" });
  expect((await client.call("history", { roomId: "lobby" })).map((m) => m.message).at(-1)).toBe("later");
});

test("a member leaves a room by leaving it or by dropping, from every room it was in; an empty room lists no one", async () => {
  const { url } = serve();
  const clients = Array.from({ length: 5 }, () => connect(url));
  for (const [i, client] of clients.entries()) {
    for (let r = 0; r < LIMITS.roomsPerConnection; r++) await client.call("joinRoom", { roomId: `r${r}`, username: `u${i}` });
  }
  const observer = connect(url);
  const lists = () => Promise.all(Array.from({ length: LIMITS.roomsPerConnection }, (_, r) => observer.call("members", { roomId: `r${r}` })));
  expect(await lists()).toEqual(Array(LIMITS.roomsPerConnection).fill(["u0", "u1", "u2", "u3", "u4"]));
  await clients[0]!.call("leaveRoom", { roomId: "r0" });
  expect((await lists())[0]).toEqual(["u1", "u2", "u3", "u4"]);
  for (const client of clients) client.close();
  const end = Date.now() + 3_000;
  while ((await lists()).some((list) => list.length) && Date.now() < end) await Bun.sleep(10);
  expect(await lists()).toEqual(Array(LIMITS.roomsPerConnection).fill([]));
});

test("messages past the limit are refused with the limit in words; control characters never reach anyone", async () => {
  const { url } = serve();
  const client = connect(url);
  await client.call("joinRoom", { roomId: "lobby", username: "ada" });
  const error = await failure(client.call("sendMessage", { roomId: "lobby", message: "x".repeat(5_000) }));
  expect(error.code).toBe("BAD_INPUT");
  expect(error.issues?.map((issue) => issue.message)).toEqual(["Messages are at most 2,000 characters"]);
  const long = await failure(client.call("joinRoom", { roomId: "lobby", username: "x".repeat(30) }));
  expect(long.issues?.map((issue) => issue.message)).toEqual(["Names are at most 24 characters"]);
  const sent = await client.call("sendMessage", { roomId: "lobby", message: "two\r\nlines\x1b[2J\ttab\x07" });
  expect(sent.message).toBe("two\nlines[2J\ttab");
});

test("a room name that is not a topic as it stands cannot leave a join half-done; a client's own topic is just a room", async () => {
  const { url, chat } = serve();
  const client = connect(url);
  // A lone surrogate goes, like any invisible character: "\ud800" names no room, "\ud800lobby" is lobby.
  const error = await failure(client.call("joinRoom", { roomId: "\ud800", username: "ada" }));
  expect([error.code, error.issues?.map((issue) => issue.message)]).toEqual(["BAD_INPUT", ["Name a room"]]);
  expect(await chat.presence("room:")).toEqual([]);
  expect(await client.call("joinRoom", { roomId: "\ud800lobby", username: "ada\udc00" })).toEqual({ members: ["ada"] });
  // The chat's topics have a namespace of their own: this is a room like any other, heard by its members.
  const heard: string[] = [];
  const bob = connect(url, heard);
  for (const [member, username] of [[client, "ada"], [bob, "bob"]] as const) await member.call("joinRoom", { roomId: "chatter:client:x", username });
  await client.call("sendMessage", { roomId: "chatter:client:x", message: "hi bob" });
  await bob.call("members", { roomId: "chatter:client:x" }); // answered on bob's socket after the publish to him
  expect(heard).toEqual(["hi bob"]);
});

/** `bun server.ts` as its own process (a restart is a new process), on a free port. */
async function spawnServer(env: Record<string, string>) {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/server.ts`], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdout: "ignore",
    stderr: "inherit",
  });
  cleanups.push(() => proc.kill(9));
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${port}/favicon.svg`).then((r) => r.status < 500, () => false)) break;
    await Bun.sleep(50);
  }
  return { url: `ws://127.0.0.1:${port}/ws`, stop: () => (proc.kill("SIGTERM"), proc.exited) };
}

test("the history survives a restart of the server process (bun:sqlite), and ids keep growing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-db-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env = { CHAT_DB: join(dir, "chat.sqlite") };
  const first = await spawnServer(env);
  const ada = connect(first.url);
  await ada.call("joinRoom", { roomId: "lobby", username: "ada" });
  const before = await ada.call("sendMessage", { roomId: "lobby", message: "remember me" });
  ada.close();
  await first.stop();

  const second = await spawnServer(env);
  const bob = connect(second.url);
  expect((await bob.call("history", { roomId: "lobby" })).map((m) => [m.username, m.message])).toEqual([["ada", "remember me"]]);
  await bob.call("joinRoom", { roomId: "lobby", username: "bob" });
  const after = await bob.call("sendMessage", { roomId: "lobby", message: "I do" });
  expect(Number(after.id)).toBeGreaterThan(Number(before.id));
});

test("/solid redirects on this site whatever the Host header says; /favicon.ico is there", async () => {
  const { server } = serve();
  // A raw request, so that the Host header is the attacker's.
  const answer = await new Promise<string>((resolve, reject) => {
    let text = "";
    Bun.connect({
      hostname: "127.0.0.1",
      port: server.port!,
      socket: {
        open: (socket) => void socket.write("GET /solid?x=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
        data: (_, chunk) => void (text += chunk.toString()),
        close: () => resolve(text),
        error: (_, error) => reject(error),
      },
    }).catch(reject);
  });
  expect(answer).toMatch(/^HTTP\/1\.1 308/);
  expect(answer).toMatch(/\r\nlocation: \/solid\/\?x=1\r\n/i);
  expect(answer).not.toContain("evil.example");

  const icon = await fetch(`http://127.0.0.1:${server.port}/favicon.ico`);
  expect(icon.status).toBe(200);
  expect(icon.headers.get("content-type")).toBe("image/svg+xml");
});

/** Every item of a stream, or the ChatterError it ended with. */
async function collect<T>(stream: AsyncIterable<T>): Promise<T[] | ChatterError> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return items;
  } catch (error) {
    if (error instanceof ChatterError) return error;
    throw error;
  }
}

test("search streams a room's matching messages, newest first, case and accents aside, and only to someone in the room", async () => {
  const { url, store } = serve();
  for (const message of ["Café at noon?", "no thanks", "CAFE later then", "see you at the cafe"]) await store.add({ roomId: "lobby", username: "ada", message });
  await store.add({ roomId: "elsewhere", username: "bob", message: "cafe elsewhere" });
  const client = connect(url);
  const refused = await collect(client.stream("search", { roomId: "lobby", query: "cafe" }));
  expect(refused).toBeInstanceOf(ChatterError);
  expect([(refused as ChatterError).code, (refused as ChatterError).message]).toEqual(["BAD_INPUT", "Join #lobby before searching it"]);
  await client.call("joinRoom", { roomId: "lobby", username: "grace" });
  const found = await collect(client.stream("search", { roomId: "Lobby", query: "  cafe " }));
  expect((found as { message: string }[]).map((m) => m.message)).toEqual(["see you at the cafe", "CAFE later then", "Café at noon?"]);
  expect(await collect(client.stream("search", { roomId: "lobby", query: "tea" }))).toEqual([]);
});

test(`search is bounded: ${LIMITS.searchResults} matches at most, queries of ${LIMITS.searchQuery} characters, ${LIMITS.searchBurst} searches at once`, async () => {
  const { url, store } = serve();
  for (let i = 0; i < LIMITS.searchResults + 20; i++) await store.add({ roomId: "lobby", username: "ada", message: `match ${i}` });
  const client = connect(url);
  await client.call("joinRoom", { roomId: "lobby", username: "grace" });
  const found = (await collect(client.stream("search", { roomId: "lobby", query: "match" }))) as { message: string }[];
  expect(found).toHaveLength(LIMITS.searchResults);
  expect(found[0]!.message).toBe(`match ${LIMITS.searchResults + 19}`);
  const long = (await collect(client.stream("search", { roomId: "lobby", query: "x".repeat(LIMITS.searchQuery + 1) }))) as ChatterError;
  expect([long.code, long.issues?.map((issue) => issue.message)]).toEqual(["BAD_INPUT", [`Searches are at most ${LIMITS.searchQuery} characters`]]);
  const empty = (await collect(client.stream("search", { roomId: "lobby", query: "   " }))) as ChatterError;
  expect(empty.issues?.map((issue) => issue.message)).toEqual(["Type something to search for"]);
  // One search above ran; the burst's rest go, then one more is refused in words.
  const more = await Promise.all(Array.from({ length: LIMITS.searchBurst }, () => collect(client.stream("search", { roomId: "lobby", query: "match 1" }))));
  expect(more.slice(0, -1).every(Array.isArray)).toBe(true);
  const error = more.at(-1) as ChatterError;
  expect([error.code, error.message]).toEqual(["OVERLOADED", `Slow down: ${LIMITS.searchBurst} searches at once, then ${LIMITS.searchesPerSecond} a second`]);
});

test("a send right behind a join, not waiting for its answer, waits for the join and goes; one behind a refused join is refused", async () => {
  const { url } = serve();
  const ada = connect(url);
  const [joined, sent] = await Promise.all([
    ada.call("joinRoom", { roomId: "lobby", username: "ada" }),
    ada.call("sendMessage", { roomId: "lobby", message: "right behind" }),
  ]);
  expect(joined.members).toEqual(["ada"]);
  expect(sent.message).toBe("right behind");
  const impostor = connect(url);
  const [refused, after] = await Promise.all([
    failure(impostor.call("joinRoom", { roomId: "lobby", username: "ada" })),
    failure(impostor.call("sendMessage", { roomId: "lobby", message: "as ada" })),
  ]);
  expect(refused.message).toBe('The name "ada" is taken in #lobby: pick another');
  expect(after.message).toBe("Join #lobby before sending to it");
});
