// Starts real Chatter servers on 127.0.0.1 for tests: `serve` stops them after the test, `restartable` when its caller says.
import { afterEach } from "bun:test";
import { createClient, type ClientOptions, type SchemaOf } from "../createClient.ts";
import { createServer, type ChatterServer, type ServerOptions, type ServerProcedures } from "../createServer.ts";
import type { Schema } from "../schema.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `fn` after the current test. */
export function defer(fn: () => unknown): void {
  cleanups.push(fn);
}

type State = Record<string, unknown>;

export function serve<TSchema extends Schema, TProcedures extends ServerProcedures<TSchema, TState>, TState extends State = State>(
  options: ServerOptions<TSchema, TProcedures, TState>,
  port = 0,
) {
  const errors: unknown[] = [];
  const chatter = createServer({ onError: (error) => void errors.push(error), ...options });
  const bun = listen(chatter, port);
  defer(() => bun.stop(true));
  return { chatter, bun, url: `ws://127.0.0.1:${bun.port}`, errors };
}

/** Serves `chatter` on 127.0.0.1 (port 0: any free one) until the caller stops it. */
export function listen(chatter: Pick<ChatterServer, "upgrade" | "handler">, port = 0) {
  return Bun.serve({
    port,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      if (chatter.upgrade(req, srv)) return;
      return new Response("Upgrade failed", { status: 400 });
    },
    websocket: chatter.handler,
  });
}

/**
 * Serves `chatter` for as long as the caller likes (a whole test file, say), not just
 * the test: `restart()` drops every socket and serves again on the same port.
 */
export function restartable<TSchema extends Schema, TProcedures, TState extends State>(
  chatter: ChatterServer<TSchema, TProcedures, TState>,
) {
  let bun = listen(chatter);
  const port = bun.port!;
  return {
    url: `ws://127.0.0.1:${port}`,
    /** The one connected client, as the server sees it. */
    connection() {
      const [client] = chatter.clients.values();
      if (!client) throw new Error("no client is connected");
      return client;
    },
    /** Stops serving (closing every socket), waits `downtime` ms, then serves again on the same port. */
    async restart(downtime = 0) {
      await bun.stop(true);
      if (downtime) await Bun.sleep(downtime);
      bun = listen(chatter, port);
    },
    stop: () => bun.stop(true),
  };
}

/** A client that is closed after the test. */
export function connect<TSchema extends Schema>(options: ClientOptions<TSchema>) {
  const client = createClient<TSchema>({ heartbeat: false, ...options } as ClientOptions<SchemaOf<TSchema>>);
  defer(() => client.close());
  return client;
}

/** Resolves when `predicate` holds (is truthy), polling; rejects after `ms`. */
export async function until(predicate: () => unknown, ms = 3_000, what = "the condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(5);
  }
}

/** A raw WebSocket to poke the server with frames no Chatter client would send. */
export async function raw(url: string): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  ws.onmessage = (event) => frames.push(String(event.data));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (event) => resolve({ code: event.code, reason: event.reason });
  });
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("raw socket failed to open"));
  });
  defer(() => ws.close());
  return { ws, frames, closed };
}

/** The rejection of a promise (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}
