// A Chatter server whose `authenticate` takes AUTH_MS ms (default 300), in its own process,
// so a test can freeze it (SIGSTOP) while a client waits for the answer to its HELLO.
// Prints `READY <port>`. Admits params `{ token: "ok" }`.
import { serveApp } from "./app.ts";

const ms = Number(process.env.AUTH_MS ?? 300);
const { bun } = serveApp(0, {
  authenticate: async (params) => {
    await Bun.sleep(ms);
    return (params as { token?: unknown } | null)?.token === "ok";
  },
});
console.log(`READY ${bun.port}`);
