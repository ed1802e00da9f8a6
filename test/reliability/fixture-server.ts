// A Chatter server in its own process, so a test can prove the process survives what it
// is sent. Prints `READY <port>` when listening. Env: PORT, MAX_CALLS, HEARTBEAT_MS.
import { serveApp } from "./app.ts";

const heartbeat = Number(process.env.HEARTBEAT_MS ?? 0);
const { bun } = serveApp(Number(process.env.PORT ?? 0), {
  origins: (origin) => origin === null || origin === "http://good.example",
  maxCallsInFlight: Number(process.env.MAX_CALLS ?? 1_000),
  timeout: 2_000,
  ...(heartbeat ? { heartbeat: { interval: heartbeat, timeout: heartbeat } } : {}),
});
console.log(`READY ${bun.port}`);
