// The chat server: `npm start`, then open http://localhost:5000 or run
// `npm run chat -- --room 1 --name ada` in two terminals.
//   PORT (5000), HOST (0.0.0.0), CHAT_DB (examples/chat/chat.sqlite; ":memory:" keeps nothing),
//   REDIS_URL (share publishes with other instances, docs/scaling.md).
import { fileURLToPath } from "node:url";
import { ChatterError, createServer, type ServerClient } from "@manyducks.co/chatter/server";
import { createRedisAdapter } from "@manyducks.co/chatter/redis";
import { FAVICON } from "./favicon.ts";
import { LIMITS } from "./limits.ts";
import { rateLimit } from "./rateLimit.ts";
import { Rooms } from "./rooms.ts";
import { schema } from "./schema.ts";
import { searchMessages } from "./search.ts";
import { createSqliteStore } from "./sqliteStore.ts";
import { serveStatic } from "./static.ts";
import type { ChatStore } from "./store.ts";

const REACT_APP = fileURLToPath(new URL("./dist/react", import.meta.url));
const SOLID_APP = fileURLToPath(new URL("./dist/solid", import.meta.url));
const DEFAULT_DB = fileURLToPath(new URL("./chat.sqlite", import.meta.url));

/** What the chat keeps per connection: its rooms (and its name in each) and its send and search budgets. */
interface Seat {
  rooms: Map<string, string>;
  sends: ReturnType<typeof rateLimit>;
  searches: ReturnType<typeof rateLimit>;
}
type Client = ServerClient<typeof schema, { seat: Seat | undefined }>;

/** A room's topic: in a namespace of the chat's own, so no room name is a topic Chatter keeps (a client's own). */
const topic = (roomId: string) => `room:${roomId}`;

/** The client's seat, made on first use (state defaults are shared, so not one of them). */
function seat(client: Client): Seat {
  let mine = client.get("seat");
  if (!mine) {
    mine = {
      rooms: new Map(),
      sends: rateLimit(LIMITS.sendBurst, LIMITS.sendsPerSecond),
      searches: rateLimit(LIMITS.searchBurst, LIMITS.searchesPerSecond),
    };
    client.set("seat", mine);
  }
  return mine;
}

/** The chat's Chatter server over `store`; members live in this process. */
export function createChat(store: ChatStore, { redisUrl }: { redisUrl?: string } = {}) {
  const rooms = new Rooms();
  const chat = createServer({
    schema,
    // Several instances share publishes through Redis when REDIS_URL is set (docs/scaling.md).
    adapter: redisUrl ? createRedisAdapter({ url: redisUrl }) : undefined,
    state: { seat: undefined as Seat | undefined },
    procedures: {
      async joinRoom({ roomId, username, key }, client) {
        const mine = seat(client);
        if (!mine.rooms.has(roomId) && mine.rooms.size >= LIMITS.roomsPerConnection) {
          throw new ChatterError("BAD_INPUT", `You are in ${LIMITS.roomsPerConnection} rooms already: leave one first`);
        }
        const { members, replaced } = rooms.join(roomId, client.id, username, key); // throws if the name is taken
        mine.rooms.set(roomId, username); // before the await: onDisconnect must see it
        const old = replaced === undefined ? undefined : chat.clients.get(replaced);
        if (old) {
          old.unsubscribe(topic(roomId));
          seat(old).rooms.delete(roomId);
        }
        await client.subscribe(topic(roomId)); // resolves once every instance can reach this client (with REDIS_URL)
        chat.publish(topic(roomId), "presence", { roomId, members });
        return { members };
      },
      leaveRoom({ roomId }, client) {
        if (!seat(client).rooms.delete(roomId)) return;
        client.unsubscribe(topic(roomId));
        chat.publish(topic(roomId), "presence", { roomId, members: rooms.leave(roomId, client.id) });
      },
      async sendMessage({ roomId, message }, client) {
        const mine = seat(client);
        const username = mine.rooms.get(roomId);
        if (username === undefined) throw new ChatterError("BAD_INPUT", `Join #${roomId} before sending to it`);
        if (!mine.sends.take()) {
          throw new ChatterError("OVERLOADED", `Slow down: ${LIMITS.sendBurst} messages at once, then ${LIMITS.sendsPerSecond} a second`);
        }
        const entry = await store.add({ roomId, username, message });
        client.publish(topic(roomId), "receiveMessage", { message: entry });
        return entry;
      },
      history: ({ roomId }) => store.history(roomId),
      members: ({ roomId }) => rooms.members(roomId),
      // Matches go out as they are found; the client's window pauses the scan, and closing the
      // search (its signal) ends it.
      async *search({ roomId, query }, client, { signal }) {
        const mine = seat(client);
        if (!mine.rooms.has(roomId)) throw new ChatterError("BAD_INPUT", `Join #${roomId} before searching it`);
        if (!mine.searches.take()) {
          throw new ChatterError("OVERLOADED", `Slow down: ${LIMITS.searchBurst} searches at once, then ${LIMITS.searchesPerSecond} a second`);
        }
        yield* searchMessages(store.messages(roomId), query, { limit: LIMITS.searchResults, signal });
      },
    },
    onDisconnect(client) {
      for (const roomId of seat(client).rooms.keys()) {
        chat.publish(topic(roomId), "presence", { roomId, members: rooms.leave(roomId, client.id) });
      }
    },
  });
  return { chat, rooms };
}

export interface ChatOptions {
  /** @default 5000 (0: any free port) */
  port?: number;
  /** @default "0.0.0.0" */
  hostname?: string;
  /** The SQLite file of the history. @default examples/chat/chat.sqlite */
  db?: string;
  redisUrl?: string;
}

/** Serves the chat: the WebSocket at /ws, the React app at /, the Solid app at /solid/. */
export function startChat({ port = 5000, hostname = "0.0.0.0", db = DEFAULT_DB, redisUrl }: ChatOptions = {}) {
  const store = createSqliteStore(db);
  const { chat, rooms } = createChat(store, { redisUrl });
  const server = Bun.serve({
    port,
    hostname,
    fetch(req, server) {
      const url = new URL(req.url);
      if (url.pathname === "/ws") {
        if (chat.upgrade(req, server)) return;
        return new Response("Upgrade failed", { status: 400 });
      }
      if (url.pathname === "/favicon.ico" || url.pathname === "/favicon.svg") {
        return new Response(FAVICON, { headers: { "content-type": "image/svg+xml", "cache-control": "public, max-age=86400" } });
      }
      // The web apps (`npm run build:web`): React at /, Solid at /solid/. The redirect is
      // relative: an absolute one would send people wherever the request's Host header says.
      if (url.pathname === "/solid") return new Response(null, { status: 308, headers: { location: `/solid/${url.search}` } });
      if (url.pathname.startsWith("/solid/")) return serveStatic(SOLID_APP, url.pathname.slice("/solid".length), req.method);
      return serveStatic(REACT_APP, url.pathname, req.method);
    },
    websocket: chat.handler,
  });
  return {
    server,
    chat,
    rooms,
    store,
    /** Ends every connection (a clean close: clients reconnect), then the listener and the store. */
    async stop() {
      await chat.shutdown({ timeout: 2_000 });
      await server.stop(true);
      store.close();
    },
  };
}

if (import.meta.main) {
  const { server, stop } = startChat({
    port: Number(process.env.PORT ?? 5000),
    hostname: process.env.HOST,
    db: process.env.CHAT_DB,
    redisUrl: process.env.REDIS_URL,
  });
  console.log(`chat server on http://localhost:${server.port} (WebSocket at ws://localhost:${server.port}/ws)`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void stop().finally(() => process.exit(0)));
  }
}
