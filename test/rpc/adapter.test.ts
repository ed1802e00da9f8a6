// The adapter contract, with an in-memory bus between servers in one process (the
// Redis adapter itself is tested against a real redis-server in test/redis).
import { describe, expect, test } from "bun:test";
import { clientTopic, type Adapter, type AdapterHost } from "../../server/adapter.ts";
import { createRedisAdapter } from "../../redis/index.ts";
import { connect, serve, until } from "./fixtures/harness.ts";
import { testApp } from "./fixtures/app.ts";

/** Every adapter on one bus hears the others' publishes, for topics it subscribed. */
function bus() {
  const adapters = new Set<MemoryAdapter>();
  class MemoryAdapter implements Adapter {
    host!: AdapterHost;
    readonly log: string[] = [];
    readonly topics = new Set<string>();
    attach(host: AdapterHost) {
      this.host = host;
      adapters.add(this);
    }
    publish(topic: string, frame: string) {
      for (const other of adapters) if (other !== this && other.topics.has(topic)) other.host.deliver(topic, frame);
    }
    subscribe(topic: string) {
      this.log.push(`+${topic}`);
      this.topics.add(topic);
    }
    unsubscribe(topic: string) {
      this.log.push(`-${topic}`);
      this.topics.delete(topic);
    }
    close() {
      adapters.delete(this);
    }
  }
  return () => new MemoryAdapter();
}

function twoInstances() {
  const adapter = bus();
  const a = { adapter: adapter(), app: testApp() };
  const b = { adapter: adapter(), app: testApp() };
  const serverA = serve({ ...a.app, adapter: a.adapter });
  const serverB = serve({ ...b.app, adapter: b.adapter });
  const member = (url: string, heard: string[]) => connect({ url, schema: a.app.schema, procedures: { heard: ({ text }) => void heard.push(text) } });
  return { a: a.adapter, b: b.adapter, serverA, serverB, member };
}

describe("server adapters", () => {
  test("a client.publish reaches the other instance once per subscriber and skips its sender", async () => {
    const { serverA, serverB, member } = twoInstances();
    const heard = { sender: [] as string[], a: [] as string[], b1: [] as string[], b2: [] as string[] };
    const sender = member(serverA.url, heard.sender);
    const clients = [sender, member(serverA.url, heard.a), member(serverB.url, heard.b1), member(serverB.url, heard.b2)];
    await Promise.all(clients.map((client) => client.call("join", { topic: "room" })));
    await sender.call("shout", { topic: "room", text: "hi" });
    await until(() => heard.a.length + heard.b1.length + heard.b2.length === 3);
    // A marker to everyone, sender included, sent after the shout: a duplicate or an echo would come before it.
    await clients[1]!.call("shout", { topic: "room", text: "end" });
    await until(() => heard.sender.at(-1) === "end" && heard.b1.at(-1) === "end" && heard.b2.at(-1) === "end", 3_000, "the marker");
    expect(heard).toEqual({ sender: ["end"], a: ["hi"], b1: ["hi", "end"], b2: ["hi", "end"] });
  });

  test("the adapter subscribes at a topic's first local subscriber and unsubscribes after its last, a disconnect included", async () => {
    const { a, serverA, member } = twoInstances();
    const [one, two] = [member(serverA.url, []), member(serverA.url, [])];
    await one.call("join", { topic: "room" });
    await two.call("join", { topic: "room" });
    await one.call("join", { topic: "room" });
    expect(a.log.filter((entry) => entry.endsWith("room"))).toEqual(["+room"]);
    await one.call("leave", { topic: "room" });
    await one.call("leave", { topic: "room" });
    expect(a.topics.has("room")).toBe(true);
    two.close();
    await until(() => !a.topics.has("room"));
    expect(a.log.filter((entry) => entry.endsWith("room"))).toEqual(["+room", "-room"]);
  });

  test("every connection can be reached on any instance through clientTopic(id)", async () => {
    const { a, serverA, serverB, member } = twoInstances();
    const heard: string[] = [];
    const client = member(serverA.url, heard);
    const { id } = (await client.call("whoami")) as { id: string };
    expect(a.topics.has(clientTopic(id))).toBe(true);
    serverB.chatter.publish(clientTopic(id), "heard", { text: "just you" });
    await until(() => heard.length === 1);
    expect(heard).toEqual(["just you"]);
    client.close();
    await until(() => !a.topics.has(clientTopic(id)));
  });

  test("an adapter that throws is reported, never crashes a handler, and local delivery goes on", async () => {
    const app = testApp();
    const broken: Adapter = {
      attach() {},
      publish() {
        throw new Error("bus on fire");
      },
      subscribe() {
        throw new Error("bus on fire");
      },
      unsubscribe() {},
      close() {},
    };
    const server = serve({ ...app, adapter: broken });
    const heard: string[] = [];
    const [sender, listener] = [connect({ url: server.url, schema: app.schema }), connect({ url: server.url, schema: app.schema, procedures: { heard: ({ text }) => void heard.push(text) } })];
    await listener.call("join", { topic: "room" });
    await sender.call("shout", { topic: "room", text: "still here" });
    await until(() => heard.length === 1);
    expect(server.errors.map((error) => (error as Error).message)).toContain("bus on fire");
  });
});

test("createRedisAdapter refuses a presenceTimeout that would sweep live instances (0) or fire at once (NaN)", () => {
  for (const presenceTimeout of [0, Number.NaN, -5]) expect(() => createRedisAdapter({ presenceTimeout })).toThrow(/presenceTimeout must be at least 100 ms/);
  createRedisAdapter({ presenceTimeout: 1_500 }).close(); // made, never attached: connects to nothing
});
