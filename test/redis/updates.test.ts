// The server's cache updates (`server.invalidate` / `server.setData`) across two Chatter
// instances (child processes) through a real redis-server. Skips, loudly, without
// redis-server; under CI a skip fails the run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type CacheUpdate, type ChatterClient, type WebSocketConstructor } from "../../client/index.ts";
import { RESULT, SET_DATA } from "../../core/protocol.ts";
import { Redis, redisBinary, startInstance, stopAll, until, type Instance } from "./cluster.ts";
import { updatesSchema } from "./instance.ts";

if (!redisBinary) console.warn("\n⚠ SKIPPING the Redis cache-update tests: redis-server is not installed (apt-get install redis-server)\n");

type Update = CacheUpdate<typeof updatesSchema>;

/** A WebSocket class that records every frame the server sends, in arrival order (a batch's frames one by one). */
function recording(into: unknown[][]): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url);
      this.addEventListener("message", (event) => {
        const frame = JSON.parse(String(event.data)) as unknown[];
        for (const one of Array.isArray(frame[0]) ? (frame as unknown[][]) : [frame]) into.push(one);
      });
    }
  };
}

/** One test client: the cache updates it received, in order. */
class Member {
  readonly updates: Update[] = [];
  /** Every frame it received, when made with `record`. */
  readonly frames: unknown[][] = [];
  readonly client: ChatterClient<typeof updatesSchema>;
  constructor(instance: Instance, options: { record?: boolean } = {}) {
    this.client = createClient({
      url: instance.url,
      schema: updatesSchema,
      reconnect: false,
      heartbeat: false,
      ...(options.record ? { WebSocket: recording(this.frames) } : {}),
    });
    this.client.onUpdate((update) => void this.updates.push(update));
    members.push(this);
  }
  subscribe(...topics: string[]) {
    return Promise.all(topics.map((topic) => this.client.call("subscribe", { topic })));
  }
  /** Whether the marker invalidation (`history({ roomId: "marker" })`) has arrived. */
  hasMarker(): boolean {
    return this.updates.some((u) => u.type === "invalidate" && u.name === "history" && (u.input as { roomId?: string } | undefined)?.roomId === "marker");
  }
}

const marker: Update = { type: "invalidate", name: "history", input: { roomId: "marker" } };

const members: Member[] = [];
let redis: Redis;
let A: Instance;
let B: Instance;

/** A unique topic per test, so one test's leftovers never satisfy another's wait. */
let topics = 0;
const topic = () => `updates-${++topics}`;

/** Starts an instance serving `updatesSchema`. */
const startUpdatesInstance = (url: string) => startInstance(url, { CHATTER_INSTANCE: "updates" });

describe.skipIf(!redisBinary)("the server's cache updates across instances through Redis", () => {
  beforeAll(async () => {
    redis = new Redis();
    await redis.start();
    [A, B] = await Promise.all([startUpdatesInstance(redis.url), startUpdatesInstance(redis.url)]);
  }, 30_000);

  afterAll(async () => {
    for (const member of members) member.client.close();
    await stopAll();
  });

  test("server.invalidate and server.setData on A reach the topic's subscribers on A and B, and no one else", async () => {
    const room = topic();
    const control = topic();
    const [caller, a, b, aOut, bOut] = [new Member(A), new Member(A), new Member(B), new Member(A), new Member(B)];
    // `subscribe` answers once Redis confirmed the instance's subscription.
    await Promise.all([a.subscribe(room, control), b.subscribe(room, control), aOut.subscribe(control), bOut.subscribe(control), caller.subscribe(control)]);
    await caller.client.call("invalidate", { topic: room, roomId: "r1" });
    expect(await caller.client.call("setMembers", { topic: room, roomId: "r1", members: [{ name: "ada", since: "2026-12-02" }] })).toEqual({});
    // The marker: one instance's publishes arrive in order across topics, so once it is in,
    // whatever the room's updates would have brought a client is in too.
    await caller.client.call("invalidate", { topic: control, roomId: "marker" });
    await until(() => [caller, a, b, aOut, bOut].every((m) => m.hasMarker()), 10_000, "the marker everywhere");
    const inRoom: Update[] = [
      { type: "invalidate", name: "history", input: { roomId: "r1" } },
      { type: "setData", name: "members", input: { roomId: "r1" }, data: [{ name: "ada", since: "2026" }] }, // parsed once, on A
      marker,
    ];
    expect(a.updates).toEqual(inRoom);
    expect(b.updates).toEqual(inRoom);
    for (const m of [caller, aOut, bOut]) expect(m.updates).toEqual([marker]);
  });

  test("server.invalidate with no input (every input of the procedure) reaches B as such", async () => {
    const room = topic();
    const [caller, a, b, bOut] = [new Member(A), new Member(A), new Member(B), new Member(B)];
    await Promise.all([a.subscribe(room), b.subscribe(room), bOut.subscribe(`${room}-other`)]);
    await caller.client.call("invalidate", { topic: room });
    await caller.client.call("invalidate", { topic: room, roomId: "marker" });
    await caller.client.call("invalidate", { topic: `${room}-other`, roomId: "marker" });
    await until(() => a.hasMarker() && b.hasMarker() && bOut.hasMarker(), 10_000, "the markers");
    for (const m of [a, b]) {
      expect(m.updates).toEqual([{ type: "invalidate", name: "history" }, marker]);
      expect("input" in m.updates[0]!).toBe(false); // no input, not an input that is undefined
    }
    expect(bOut.updates).toEqual([marker]);
  });

  test("a setData that fails the output schema is refused on A with BAD_OUTPUT and reaches no client on A or B", async () => {
    const room = topic();
    const [caller, a, b] = [new Member(A), new Member(A), new Member(B)];
    await Promise.all([a.subscribe(room), b.subscribe(room), caller.subscribe(room)]);
    const forwardedBefore = (await A.stats()).stats.forwarded!;
    for (const bad of [[{ name: 1, since: "2026" }], [{ name: "ada" }], "not a list", null]) {
      expect(await caller.client.call("setMembers", { topic: room, roomId: "r1", members: bad })).toEqual({ refused: "BAD_OUTPUT", chatterError: true });
    }
    // The marker, on the same topic: a refused update, had it gone out, would have arrived first.
    await caller.client.call("invalidate", { topic: room, roomId: "marker" });
    await until(() => [caller, a, b].every((m) => m.hasMarker()), 10_000, "the marker everywhere");
    for (const m of [caller, a, b]) expect(m.updates).toEqual([marker]);
    // Redis acknowledges one connection's publishes in order: once the marker's is counted, a refused one would have been.
    await until(async () => (await A.stats()).stats.forwarded! >= forwardedBefore + 1, 5_000, "the marker's forward to be acknowledged");
    expect((await A.stats()).stats.forwarded).toBe(forwardedBefore + 1);
    expect((await A.stats()).faults).toEqual([]);
  });

  test("a setData issued right after a call's answer is written never arrives before that answer", async () => {
    const room = topic();
    const caller = new Member(A, { record: true });
    const b = new Member(B);
    await Promise.all([caller.subscribe(room), b.subscribe(room)]);
    const count = 200;
    const ns = Array.from({ length: count }, (_, n) => n);
    // All in flight at once: the server runs them in one batch, answers held for its end,
    // while each setData is queued in a microtask before that batch goes out.
    const answers = await Promise.all(ns.map((n) => caller.client.call("answerThenSet", { topic: room, roomId: "r1", n })));
    expect(answers).toEqual(ns);
    const after = ns.map((n) => ({ type: "setData", name: "history", input: { roomId: "r1" }, data: [`after ${n}`] }));
    await until(() => caller.updates.length >= count && b.updates.length >= count, 10_000, "every setData on A and B");
    expect(caller.updates).toEqual(after as Update[]);
    expect(b.updates).toEqual(after as Update[]); // once each, in order, on the other instance too
    // On the wire, as the caller received it: each answer before its setData.
    const at = (predicate: (frame: unknown[]) => boolean) => caller.frames.findIndex(predicate);
    const late = ns.filter((n) => {
      const answer = at((f) => f[0] === RESULT && f[2] === n);
      const set = at((f) => f[0] === SET_DATA && (f[3] as string[] | undefined)?.[0] === `after ${n}`);
      return answer < 0 || set < 0 || set < answer;
    });
    expect(late).toEqual([]);
  });
});
