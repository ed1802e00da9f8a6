// The chat server: `npm start`, then open http://localhost:5000 or run
// `bun examples/chat/cli.ts --room 1 --name ada` in two terminals.
import { fileURLToPath } from "node:url";
import { ChatterError, createServer } from "@manyducks.co/chatter/server";
import { createRedisAdapter } from "@manyducks.co/chatter/redis";
import { schema } from "./schema.ts";
import { serveStatic } from "./static.ts";
import { ChatStore } from "./store.ts";

const REACT_APP = fileURLToPath(new URL("./dist/react", import.meta.url));
const SOLID_APP = fileURLToPath(new URL("./dist/solid", import.meta.url));

const store = new ChatStore();

export const chat = createServer({
  schema,
  // Several instances share publishes through Redis when REDIS_URL is set (docs/scaling.md).
  adapter: process.env.REDIS_URL ? createRedisAdapter({ url: process.env.REDIS_URL }) : undefined,
  state: { username: "", rooms: [] as string[] },
  procedures: {
    async joinRoom({ roomId, username }, client) {
      client.set("username", username);
      if (!client.get("rooms").includes(roomId)) client.set("rooms", [...client.get("rooms"), roomId]);
      await client.subscribe(roomId); // resolves once every instance can reach this client (with REDIS_URL)
      const members = store.join(roomId, client.id, username);
      chat.publish(roomId, "presence", { roomId, members });
      return { members };
    },
    leaveRoom({ roomId }, client) {
      client.unsubscribe(roomId);
      client.set("rooms", client.get("rooms").filter((room) => room !== roomId));
      chat.publish(roomId, "presence", { roomId, members: store.leave(roomId, client.id) });
    },
    sendMessage({ roomId, message }, client) {
      const username = client.get("username");
      if (!username || !client.isSubscribed(roomId)) throw new ChatterError("BAD_INPUT", "Join the room before sending to it");
      const entry = store.add(roomId, username, message);
      client.publish(roomId, "receiveMessage", { message: entry });
      return entry;
    },
    history: ({ roomId }) => store.history(roomId),
    members: ({ roomId }) => store.members(roomId),
  },
  onDisconnect(client) {
    for (const roomId of client.get("rooms")) {
      chat.publish(roomId, "presence", { roomId, members: store.leave(roomId, client.id) });
    }
  },
});

export function startChat(port = Number(process.env.PORT ?? 5000), hostname = process.env.HOST ?? "0.0.0.0") {
  return Bun.serve({
    port,
    hostname,
    fetch(req, server) {
      const url = new URL(req.url);
      if (url.pathname === "/ws") {
        if (chat.upgrade(req, server)) return;
        return new Response("Upgrade failed", { status: 400 });
      }
      // The web apps (`npm run build:web`): React at /, Solid at /solid/.
      if (url.pathname === "/solid") return Response.redirect(`${url.origin}/solid/${url.search}`, 308);
      if (url.pathname.startsWith("/solid/")) return serveStatic(SOLID_APP, url.pathname.slice("/solid".length), req.method);
      return serveStatic(REACT_APP, url.pathname, req.method);
    },
    websocket: chat.handler,
  });
}

if (import.meta.main) {
  const server = startChat();
  console.log(`chat server on http://localhost:${server.port} (WebSocket at ws://localhost:${server.port}/ws)`);
}
