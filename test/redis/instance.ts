// One Chatter server instance with the Redis adapter, for the multi-instance tests.
// `REDIS_URL=redis://127.0.0.1:N bun test/redis/instance.ts` prints `{"port":P}` once
// the adapter is connected; GET /stats answers the adapter's status and the faults
// reported to onError. Exits when its stdin closes, so a dying test leaves no orphan.
import { z } from "zod";
import { createServer } from "../../server/index.ts";
import { createSchema } from "../../core/schema.ts";
import { clientTopic, createRedisAdapter } from "../../redis/index.ts";

export const schema = createSchema({
  server: {
    subscribe: { input: z.object({ topic: z.string() }) },
    unsubscribe: { input: z.object({ topic: z.string() }) },
    /** `client.publish`: every subscriber but the caller. */
    publish: { input: z.object({ topic: z.string(), n: z.number() }) },
    /** `server.publish`: every subscriber. */
    broadcast: { input: z.object({ topic: z.string(), n: z.number() }) },
    /** `count` server publishes numbered from `from`, in one synchronous loop. */
    burst: { input: z.object({ topic: z.string(), from: z.number(), count: z.number() }) },
    /** A publish to one client's own topic, wherever it is connected. */
    sendTo: { input: z.object({ id: z.string(), n: z.number() }) },
    whoami: { output: z.string() },
  },
  client: {
    deliver: { input: z.object({ topic: z.string(), n: z.number() }) },
  },
});

if (import.meta.main) {
  const faults: string[] = [];
  const adapter = createRedisAdapter({ reconnectDelay: 50, maxReconnectDelay: 400, connectionTimeout: 1_000 });
  const chatter = createServer({
    schema,
    adapter,
    procedures: {
      subscribe: ({ topic }, client) => client.subscribe(topic),
      unsubscribe: ({ topic }, client) => client.unsubscribe(topic),
      publish: ({ topic, n }, client) => client.publish(topic, "deliver", { topic, n }),
      broadcast({ topic, n }) {
        chatter.publish(topic, "deliver", { topic, n });
      },
      burst({ topic, from, count }) {
        for (let n = from; n < from + count; n++) chatter.publish(topic, "deliver", { topic, n });
      },
      sendTo({ id, n }) {
        chatter.publish(clientTopic(id), "deliver", { topic: "direct", n });
      },
      whoami: (_, client) => client.id,
    },
    onError(error) {
      faults.push(error instanceof Error ? error.message : String(error));
      console.error(`[instance ${adapter.id.slice(0, 8)}]`, error instanceof Error ? error.message : error);
    },
  });
  const http = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, server) {
      if (new URL(req.url).pathname === "/stats") return Response.json({ id: adapter.id, status: adapter.status, stats: adapter.stats, faults });
      if (chatter.upgrade(req, server)) return;
      return new Response("Upgrade failed", { status: 400 });
    },
    websocket: chatter.handler,
  });
  await adapter.ready(10_000);
  console.log(JSON.stringify({ port: http.port }));
  await Bun.stdin.stream().pipeTo(new WritableStream()).catch(() => {});
  process.exit(0);
}
