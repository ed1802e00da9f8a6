// The `websocket` option of `Bun.serve`: Bun's events handed to each socket's
// Connection, and the server's heartbeat over every open socket. Bun ends the process
// on a throw here, so nothing may escape.
import { Liveness, tickOf } from "../core/liveness.ts";
import { CLOSE_TIMEOUT } from "../core/protocol.ts";
import type { Connection } from "./connection.ts";
import type { BunSocket, BunWebSocketHandler, ServerOptions } from "./types.ts";

interface Lifecycle {
  opened(client: Connection): void;
  closed(client: Connection, code: number, reason: string): void;
  report(error: unknown, procedure?: string, client?: Connection): void;
}

export function createHandler(options: ServerOptions<any, any, any>, connections: Set<Connection>, lifecycle: Lifecycle): BunWebSocketHandler {
  const heartbeat = options.heartbeat ? { interval: options.heartbeat.interval ?? 10_000, timeout: options.heartbeat.timeout ?? 5_000 } : undefined;
  let sweeper: ReturnType<typeof setInterval> | undefined;
  // One timer for all sockets; a frame only sets a flag, the sweep reads the clock.
  const sweep = () => {
    const now = Date.now();
    for (const client of connections) {
      const verdict = client.liveness?.check(now);
      if (verdict === "ping") client.ws.ping();
      else if (verdict === "dead") client.close(CLOSE_TIMEOUT, "heartbeat timeout");
    }
  };
  const heard = (ws: BunSocket) => {
    const liveness = (ws.data as Connection).liveness;
    if (liveness) liveness.heard = true;
  };

  return {
    maxPayloadLength: options.maxPayload ?? 1_048_576,
    backpressureLimit: options.backpressureLimit ?? 1_048_576,
    closeOnBackpressureLimit: true,
    idleTimeout: options.idleTimeout ?? 60,
    sendPings: true,
    publishToSelf: false,
    perMessageDeflate: false,
    open(ws: BunSocket) {
      const client = ws.data as Connection;
      connections.add(client);
      if (heartbeat) client.liveness = new Liveness(heartbeat.interval, heartbeat.timeout);
      try {
        client.start(ws);
        lifecycle.opened(client);
      } catch (error) {
        lifecycle.report(error, undefined, client);
      }
      if (heartbeat && !sweeper && connections.has(client)) sweeper = setInterval(sweep, tickOf(heartbeat.interval, heartbeat.timeout));
    },
    message(ws: BunSocket, message: string | Uint8Array) {
      const client = ws.data as Connection;
      heard(ws);
      try {
        if (typeof message === "string") client.receive(message);
        else client.peer.violation("binary frames are not part of the protocol");
      } catch (error) {
        lifecycle.report(error, undefined, client);
      }
    },
    ping: heard,
    pong: heard,
    close(ws: BunSocket, code: number, reason: string) {
      const client = ws.data as Connection;
      connections.delete(client);
      try {
        client.closed(code);
        lifecycle.closed(client, code, reason);
      } catch (error) {
        lifecycle.report(error, undefined, client);
      }
      if (sweeper && !connections.size) clearInterval(sweeper), (sweeper = undefined);
    },
  };
}

/** The `origins` option as a check; a check that throws refuses, like one that says no. */
export function originCheck(origins: ServerOptions<any, any, any>["origins"], report: (error: unknown) => void): (origin: string | null) => boolean {
  if (!origins) return () => true;
  if (typeof origins !== "function") return (origin) => origin !== null && origins.includes(origin);
  return (origin) => {
    try {
      return origins(origin);
    } catch (error) {
      report(error);
      return false;
    }
  };
}
