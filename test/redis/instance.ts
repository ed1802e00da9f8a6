// One Chatter server instance with the Redis adapter, for the multi-instance tests.
// `REDIS_URL=redis://127.0.0.1:N bun test/redis/instance.ts` prints `{"port":P}` once
// the adapter is connected; GET /stats answers the adapter's status and the faults
// reported to onError. Exits when its stdin closes, so a dying test leaves no orphan.
// With `CHATTER_INSTANCE=updates` it serves `updatesSchema` instead (the server's
// `invalidate`/`setData` across instances, test/redis/updates.test.ts).
import { z } from "zod";
import { ChatterError } from "../../core/errors.ts";
import { createServer, type BunServer, type BunWebSocketHandler } from "../../server/index.ts";
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

/** A room member; `since` is cut to its year by the output schema, so a client sees what the server parsed. */
const Member = z.object({ name: z.string(), since: z.string().transform((since) => since.slice(0, 4)) });

/** What an instance started with `CHATTER_INSTANCE=updates` serves: cache updates issued from it. */
export const updatesSchema = createSchema({
  server: {
    subscribe: { input: z.object({ topic: z.string() }) },
    members: { input: z.object({ roomId: z.string() }), output: z.array(Member) },
    history: { input: z.object({ roomId: z.string() }), output: z.array(z.string()) },
    /** `server.invalidate(topic, "history", { roomId })`, or with no input when `roomId` is left out. */
    invalidate: { input: z.object({ topic: z.string(), roomId: z.string().optional() }) },
    /**
     * `server.setData(topic, "members", { roomId }, members)` with `members` as given (the server
     * checks it, not this input); answers the code of what it threw and whether that was a ChatterError.
     */
    setMembers: {
      input: z.object({ topic: z.string(), roomId: z.string(), members: z.unknown() }),
      output: z.object({ refused: z.string().optional(), chatterError: z.boolean().optional() }),
    },
    /** Answers `n`; in a microtask after the answer is written, `server.setData(topic, "history", { roomId }, ["after <n>"])`. */
    answerThenSet: { input: z.object({ topic: z.string(), roomId: z.string(), n: z.number() }), output: z.number() },
  },
});

type RedisAdapter = ReturnType<typeof createRedisAdapter>;
/** What `serve` needs of a Chatter server. */
interface Served {
  upgrade(request: Request, server: BunServer): boolean;
  readonly handler: BunWebSocketHandler;
}

/**
 * Serves the Chatter server `make` builds over a Redis adapter (REDIS_URL), with `onError`
 * recording its faults: GET /stats, else the WebSocket. Prints `{"port":P}` once the adapter
 * is connected; exits when stdin closes.
 */
export async function serve(make: (adapter: RedisAdapter, onError: (error: unknown) => void) => Served): Promise<never> {
  const faults: string[] = [];
  const presenceTimeout = Number(process.env.PRESENCE_TIMEOUT) || undefined; // test/redis/presence.test.ts
  const adapter = createRedisAdapter({ reconnectDelay: 50, maxReconnectDelay: 400, connectionTimeout: 1_000, presenceTimeout });
  const chatter = make(adapter, (error) => {
    faults.push(error instanceof Error ? error.message : String(error));
    console.error(`[instance ${adapter.id.slice(0, 8)}]`, error instanceof Error ? error.message : error);
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

if (import.meta.main && process.env.CHATTER_INSTANCE === "updates") {
  await serve((adapter, onError) => {
    const chatter = createServer({
      schema: updatesSchema,
      adapter,
      onError,
      procedures: {
        subscribe: ({ topic }, client) => client.subscribe(topic),
        members: () => [],
        history: () => [],
        invalidate({ topic, roomId }) {
          if (roomId === undefined) chatter.invalidate(topic, "history");
          else chatter.invalidate(topic, "history", { roomId });
        },
        setMembers({ topic, roomId, members }) {
          try {
            chatter.setData(topic, "members", { roomId }, members as never);
            return {};
          } catch (error) {
            return { refused: error instanceof ChatterError ? error.code : String(error), chatterError: error instanceof ChatterError };
          }
        },
        answerThenSet({ topic, roomId, n }) {
          // Queued now, run after this synchronous answer is written (and before its batch would go out on its own).
          queueMicrotask(() => chatter.setData(topic, "history", { roomId }, [`after ${n}`]));
          return n;
        },
      },
    });
    return chatter;
  });
} else if (import.meta.main) {
  await serve((adapter, onError) => {
    const chatter = createServer({
      schema,
      adapter,
      onError,
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
    });
    return chatter;
  });
}
