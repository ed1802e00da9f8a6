// The chat server: `npm start`, then open http://localhost:5000 or run
// `npm run chat -- --room 1 --name ada` in two terminals.
//   PORT (5000), HOST (0.0.0.0), CHAT_DB (examples/chat/chat.sqlite; ":memory:" keeps nothing),
//   REDIS_URL (several instances: publishes, history and members shared through Redis, docs/scaling.md;
//   `npm run start:cluster` runs two and a Redis).
import { fileURLToPath } from "node:url";
import { ChatterError, createServer, type ServerClient } from "@manyducks.co/chatter/server";
import { createRedisAdapter } from "@manyducks.co/chatter/redis";
import { FAVICON } from "./favicon.ts";
import { LIMITS } from "./limits.ts";
import { holders, keyHash, memberNames } from "./members.ts";
import { rateLimit } from "./rateLimit.ts";
import { createRedisStore } from "./redisStore.ts";
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
  /** Joins still checking the name: a send or search right behind one waits for it. */
  joining: Map<string, Promise<unknown>>;
  sends: ReturnType<typeof rateLimit>;
  searches: ReturnType<typeof rateLimit>;
}
type Client = ServerClient<typeof schema, { seat: Seat | undefined }>;

/** A room's topic: in a namespace of the chat's own, so no room name is a topic Chatter keeps (a client's own). */
const ROOM = "room:";
const topic = (roomId: string) => `${ROOM}${roomId}`;

/** The client's seat, made on first use (state defaults are shared, so not one of them). */
function seat(client: Client): Seat {
  let mine = client.get("seat");
  if (!mine) {
    mine = {
      rooms: new Map(),
      joining: new Map(),
      sends: rateLimit(LIMITS.sendBurst, LIMITS.sendsPerSecond),
      searches: rateLimit(LIMITS.searchBurst, LIMITS.searchesPerSecond),
    };
    client.set("seat", mine);
  }
  return mine;
}

/** The name `mine` has in `roomId`, once a join of it still under way has settled. */
async function nameIn(mine: Seat, roomId: string): Promise<string | undefined> {
  await mine.joining.get(roomId)?.catch(() => {});
  return mine.rooms.get(roomId);
}

/** The message that refuses a name someone else holds. */
const taken = (name: string, roomId: string) => new ChatterError("BAD_INPUT", `The name "${name}" is taken in #${roomId}: pick another`);

/**
 * The chat's Chatter server over `store`. A room's members are its topic's presence: on this
 * instance alone, or on every instance that shares `redisUrl`.
 */
export function createChat(store: ChatStore, { redisUrl }: { redisUrl?: string } = {}) {
  const members = async (roomId: string): Promise<string[]> => memberNames(await chat.presence(topic(roomId)));
  /** Takes `client` out of `roomId` here (its seat, topic and presence). */
  const leave = (client: Client, roomId: string) => {
    if (!seat(client).rooms.delete(roomId)) return;
    client.unsubscribe(topic(roomId));
    client.untrack(topic(roomId));
  };

  /** A join: the name checked on every instance, then the topic and the presence. */
  const join = async (client: Client, mine: Seat, roomId: string, username: string, key: string | undefined): Promise<{ members: string[] }> => {
    if (!mine.rooms.has(roomId) && mine.rooms.size >= LIMITS.roomsPerConnection) {
      throw new ChatterError("BAD_INPUT", `You are in ${LIMITS.roomsPerConnection} rooms already: leave one first`);
    }
    const me = { name: username, key: key === undefined ? undefined : keyHash(key) };
    // A name is one person's per room, on every instance: someone else's is refused; one of
    // ours (the same key: a connection of this tab that dropped) moves here.
    const { rival, ours } = holders(await chat.presence(topic(roomId)), client.id, username, me.key);
    if (rival) throw taken(rival.meta.name, roomId);
    mine.rooms.set(roomId, username); // a send right behind the join waits for it (`joining`)
    for (const id of ours) {
      const old = chat.clients.get(id); // one on another instance lingers until its socket is found dead
      if (old) leave(old, roomId);
    }
    await client.subscribe(topic(roomId)); // resolves once every instance can reach this client (with REDIS_URL)
    await client.track(topic(roomId), me); // onPresence tells the room
    // Two instances can check one name at the same instant: both then see each other here, and
    // whoever sees a rival now steps back. Both may be refused; both never keep it.
    const now = await chat.presence(topic(roomId));
    const after = holders(now, client.id, username, me.key).rival;
    if (after) {
      leave(client, roomId);
      throw taken(after.meta.name, roomId);
    }
    return { members: memberNames(now) };
  };

  // Several instances share publishes and presence through Redis when REDIS_URL is set (docs/scaling.md).
  const adapter = redisUrl ? createRedisAdapter({ url: redisUrl }) : undefined;
  const chat = createServer({
    schema,
    adapter,
    state: { seat: undefined as Seat | undefined },
    procedures: {
      async joinRoom({ roomId, username, key }, client) {
        const mine = seat(client);
        const joined = join(client, mine, roomId, username, key);
        mine.joining.set(roomId, joined);
        try {
          return await joined;
        } finally {
          if (mine.joining.get(roomId) === joined) mine.joining.delete(roomId);
        }
      },
      leaveRoom({ roomId }, client) {
        leave(client, roomId); // onPresence tells the room
      },
      async sendMessage({ roomId, message }, client) {
        const mine = seat(client);
        const username = await nameIn(mine, roomId);
        if (username === undefined) throw new ChatterError("BAD_INPUT", `Join #${roomId} before sending to it`);
        if (!mine.sends.take()) {
          throw new ChatterError("OVERLOADED", `Slow down: ${LIMITS.sendBurst} messages at once, then ${LIMITS.sendsPerSecond} a second`);
        }
        const entry = await store.add({ roomId, username, message });
        client.publish(topic(roomId), "receiveMessage", { message: entry });
        return entry;
      },
      history: ({ roomId }) => store.history(roomId),
      members: ({ roomId }) => members(roomId),
      // Matches go out as they are found; the client's window pauses the scan, and closing the
      // search (its signal) ends it.
      async *search({ roomId, query }, client, { signal }) {
        const mine = seat(client);
        if ((await nameIn(mine, roomId)) === undefined) throw new ChatterError("BAD_INPUT", `Join #${roomId} before searching it`);
        if (!mine.searches.take()) {
          throw new ChatterError("OVERLOADED", `Slow down: ${LIMITS.searchBurst} searches at once, then ${LIMITS.searchesPerSecond} a second`);
        }
        yield* searchMessages(store.messages(roomId), query, { limit: LIMITS.searchResults, signal });
      },
    },
    // Once per change in the whole deployment (a join, a leave, a disconnect, a crashed
    // instance's members), here on the instance where it happened.
    async onPresence(room) {
      if (!room.startsWith(ROOM)) return;
      const roomId = room.slice(ROOM.length);
      chat.publish(room, "presence", { roomId, members: await members(roomId) });
      // Two changes on two instances at once can cross on the way, the older list last; the
      // web apps' refetch (after this, so after the change) always ends on the current one.
      chat.invalidate(room, "members", { roomId });
    },
  });
  // Until it reaches Redis an instance would see only its own members (and check names
  // against them alone): it takes no socket before then, or before 10 s have passed (Redis
  // down: it works alone, as it does through an outage later).
  const ready = adapter ? adapter.ready(10_000).catch(() => {}) : Promise.resolve();
  return { chat, ready };
}

export interface ChatOptions {
  /** @default 5000 (0: any free port) */
  port?: number;
  /** @default "0.0.0.0" */
  hostname?: string;
  /** The SQLite file of the history, unless `redisUrl` is given. @default examples/chat/chat.sqlite */
  db?: string;
  /** Redis shared with the other instances: publishes and presence (the members) go through it, the history lives in it (`createRedisStore`). */
  redisUrl?: string;
}

/** Serves the chat: the WebSocket at /ws, the React app at /, the Solid app at /solid/. */
export function startChat({ port = 5000, hostname = "0.0.0.0", db = DEFAULT_DB, redisUrl }: ChatOptions = {}) {
  // One instance keeps the history in an embedded file; several share it in their Redis.
  const store = redisUrl ? createRedisStore(redisUrl) : createSqliteStore(db);
  const { chat, ready } = createChat(store, { redisUrl });
  let open = !redisUrl;
  void ready.then(() => (open = true));
  const server = Bun.serve({
    port,
    hostname,
    fetch(req, server) {
      const url = new URL(req.url);
      if (url.pathname === "/ws") {
        if (!open) return new Response("Starting: try again in a moment", { status: 503, headers: { "retry-after": "1" } });
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
    store,
    /** Resolves once the instance takes sockets (with `redisUrl`: once it reached Redis, or gave up for now after 10 s). */
    ready,
    /** Ends every connection (a clean close: clients reconnect), then the listener and the store. */
    async stop() {
      await chat.shutdown({ timeout: 2_000 });
      await server.stop(true);
      store.close();
    },
  };
}

if (import.meta.main) {
  const { server, stop, ready } = startChat({
    port: Number(process.env.PORT ?? 5000),
    hostname: process.env.HOST,
    db: process.env.CHAT_DB,
    redisUrl: process.env.REDIS_URL,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void stop().finally(() => process.exit(0)));
  }
  await ready;
  console.log(`chat server on http://localhost:${server.port} (WebSocket at ws://localhost:${server.port}/ws)`);
}
