// `server.call` and `callAll` across Chatter instances (child processes) through a real
// redis-server: each way, with results, errors, timeouts, cancels, and a callAll in which one
// client throws, one never answers and one disconnects. Skips, loudly, without redis-server;
// under CI a skip fails the run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ChatterClient } from "../../client/index.ts";
import { callsSchema } from "./callsInstance.ts";
import { Redis, redisBinary, startInstance, stopAll, until, type Instance } from "./cluster.ts";

if (!redisBinary) console.warn("\n⚠ SKIPPING the cross-instance call tests: redis-server is not installed (apt-get install redis-server)\n");

type Client = ChatterClient<typeof callsSchema>;
const clients: Client[] = [];
const sockets: WebSocket[] = [];
let redis: Redis;
let A: Instance;
let B: Instance;
/** Client ids whose `hang` signal aborted, with the reason's name. */
const aborted = new Map<string, string>();

/** A client of `instance` whose procedures answer as the schema's comments say; `hang` never does. */
async function connect(instance: Instance, overrides: Partial<Parameters<typeof createClient<typeof callsSchema>>[0]["procedures"]> = {}): Promise<{ client: Client; id: string }> {
  let id = "";
  const client = createClient({
    url: instance.url,
    schema: callsSchema,
    reconnect: false,
    heartbeat: false,
    onError: () => {}, // the throws below are the point
    procedures: {
      echo: ({ n }) => ({ n }),
      when: () => ({ since: "2026-12-03T00:00:00Z" }),
      fail: () => {
        throw new Error("the client's own failure");
      },
      hang: (_, { signal }) =>
        new Promise<string>((_, reject) =>
          signal.addEventListener("abort", () => {
            aborted.set(id, String((signal.reason as Error | undefined)?.name));
            reject(signal.reason);
          }),
        ),
      ...overrides,
    },
  });
  clients.push(client);
  id = await client.call("whoami");
  return { client, id };
}

let topics = 0;
const topic = () => `calls-${++topics}`;

describe.skipIf(!redisBinary)("server.call and callAll across instances through Redis", () => {
  beforeAll(async () => {
    redis = new Redis();
    await redis.start();
    [A, B] = await Promise.all([startInstance(redis.url, {}, "callsInstance.ts"), startInstance(redis.url, {}, "callsInstance.ts")]);
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const socket of sockets) socket.close();
    await stopAll();
  });

  test("server.call reaches a client on the other instance, each way, and parses its output there", async () => {
    const onA = await connect(A);
    const onB = await connect(B);
    expect(await onA.client.call("callClient", { id: onB.id, name: "echo", input: { n: 7 } })).toEqual({ ok: true, value: { n: 7 } });
    expect(await onB.client.call("callClient", { id: onA.id, name: "echo", input: { n: 8 } })).toEqual({ ok: true, value: { n: 8 } });
    // The transform runs on the calling instance: the client sent a string, the caller got a year.
    expect(await onA.client.call("callClient", { id: onB.id, name: "when", input: undefined })).toEqual({ ok: true, value: { since: 2026 } });
    // A local client is called directly, the same way.
    expect(await onA.client.call("callClient", { id: onA.id, name: "echo", input: { n: 9 } })).toEqual({ ok: true, value: { n: 9 } });
  });

  test("errors cross as their codes: the client's throw, bad input, an unknown id", async () => {
    const onA = await connect(A);
    const onB = await connect(B);
    expect(await onA.client.call("callClient", { id: onB.id, name: "fail", input: undefined })).toEqual({ ok: false, code: "INTERNAL" });
    expect(await onA.client.call("callClient", { id: onB.id, name: "echo", input: { n: "seven" } })).toEqual({ ok: false, code: "BAD_INPUT" });
    expect(await onA.client.call("callClient", { id: "nobody-has-this-id", name: "echo", input: { n: 1 } })).toEqual({ ok: false, code: "NOT_FOUND" });
    expect(await onA.client.call("callClient", { id: onB.id, name: "nope", input: undefined })).toEqual({ ok: false, code: "NOT_FOUND" });
  });

  test("a timeout and a cancel on one instance abort the client procedure's signal on the other", async () => {
    const onA = await connect(A);
    const onB = await connect(B);
    expect(await onA.client.call("callClient", { id: onB.id, name: "hang", input: undefined, timeout: 200 })).toEqual({ ok: false, code: "TIMEOUT" });
    await until(() => aborted.has(onB.id), 5_000, "B's client to see its signal abort after the timeout");
    aborted.delete(onB.id);
    expect(await onB.client.call("callClient", { id: onA.id, name: "hang", input: undefined, cancelAfter: 150 })).toEqual({ ok: false, code: "CANCELLED" });
    await until(() => aborted.has(onA.id), 5_000, "A's client to see its signal abort after the cancel");
  });

  test("callAll collects one entry per subscriber on both instances: the one that throws, hangs or leaves costs only its own", async () => {
    const room = topic();
    const caller = await connect(A);
    const good = [await connect(A), await connect(B)];
    const thrower = await connect(B, { echo: () => Promise.reject(new Error("no")) });
    const silent = await connect(B, { echo: () => new Promise(() => {}) });
    let leaving!: { client: Client; id: string };
    leaving = await connect(A, {
      echo: () => {
        queueMicrotask(() => leaving.client.close());
        return new Promise(() => {});
      },
    });
    const members = [...good, thrower, silent, leaving];
    await Promise.all(members.map((m) => m.client.call("subscribe", { topic: room })));
    const entries = await caller.client.call("callAllOf", { topic: room, name: "echo", input: { n: 5 }, timeout: 600 });
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(entries).toHaveLength(members.length);
    for (const m of good) expect(byId.get(m.id)).toEqual({ id: m.id, ok: true, value: { n: 5 } });
    expect(byId.get(thrower.id)).toEqual({ id: thrower.id, ok: false, code: "INTERNAL" });
    expect(byId.get(silent.id)).toEqual({ id: silent.id, ok: false, code: "TIMEOUT" });
    expect(byId.get(leaving.id)).toEqual({ id: leaving.id, ok: false, code: "DISCONNECTED" });
  });

  test("client.callAll skips the caller; a topic nobody holds is an empty result", async () => {
    const room = topic();
    const a = await connect(A);
    const b = await connect(B);
    await Promise.all([a, b].map((m) => m.client.call("subscribe", { topic: room })));
    expect(await a.client.call("callAllOf", { topic: room, name: "echo", input: { n: 1 }, skipMe: true })).toEqual([{ id: b.id, ok: true, value: { n: 1 } }]);
    expect(await a.client.call("callAllOf", { topic: topic(), name: "echo", input: { n: 1 } })).toEqual([]);
  });

  test("an aborted callAll cancels the calls on the other instance too, and they come back CANCELLED", async () => {
    const room = topic();
    const caller = await connect(A);
    const far = await connect(B);
    await far.client.call("subscribe", { topic: room });
    aborted.delete(far.id);
    const entries = await caller.client.call("callAllOf", { topic: room, name: "hang", timeout: 60_000, cancelAfter: 150 });
    expect(entries).toEqual([{ id: far.id, ok: false, code: "CANCELLED" }]);
    await until(() => aborted.has(far.id), 5_000, "B's client to see its signal abort");
  });

  test("a callAll right after the caller's instance lost its last local subscriber still gets every answer", async () => {
    const room = topic();
    const caller = await connect(A);
    const far = await connect(B);
    await Promise.all([caller, far].map((m) => m.client.call("subscribe", { topic: room })));
    // A's UNSUBSCRIBE is still on its way to Redis when the callAll is published: Redis counts A, and A must count its own echo.
    const entries = await caller.client.call("callAllOf", { topic: room, name: "echo", input: { n: 3 }, timeout: 60_000, leaveFirst: true });
    expect(entries).toEqual([{ id: far.id, ok: true, value: { n: 3 } }]);
  });

  test("a client that answers a number JSON cannot write back (1e400) costs its own result, and its instance lives on", async () => {
    const onA = await connect(A);
    // A raw socket on B that answers every call with 1e400 (JSON.parse reads it as Infinity).
    const raw = new WebSocket(B.url);
    sockets.push(raw);
    const id = await new Promise<string>((resolve) => {
      raw.onopen = () => raw.send('[0,1,"whoami"]');
      raw.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as unknown[];
        if (frame[0] === 2 && frame[1] === 1) resolve(frame[2] as string);
        if (frame[0] === 0) raw.send(`[2,${frame[1]},{"n":1e400}]`);
      };
    });
    expect(await onA.client.call("callClient", { id, name: "echo", input: { n: 1 } })).toEqual({ ok: false, code: "INTERNAL" });
    const onB = await connect(B); // B still serves
    expect(await onA.client.call("callClient", { id: onB.id, name: "echo", input: { n: 2 } })).toEqual({ ok: true, value: { n: 2 } });
  });
});
