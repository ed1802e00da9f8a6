// Starts real Chatter servers on 127.0.0.1 for tests, and stops them after.
import { afterEach } from "bun:test";
import { createClient, type ClientOptions, type SchemaOf } from "../createClient.ts";
import { createServer, type ServerOptions, type ServerProcedures } from "../createServer.ts";
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
  const bun = Bun.serve({
    port,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      if (chatter.upgrade(req, srv)) return;
      return new Response("Upgrade failed", { status: 400 });
    },
    websocket: chatter.handler,
  });
  defer(() => bun.stop(true));
  return { chatter, bun, url: `ws://127.0.0.1:${bun.port}`, errors };
}

/** A client that is closed after the test. */
export function connect<TSchema extends Schema>(options: ClientOptions<TSchema>) {
  const client = createClient<TSchema>({ heartbeat: false, ...options } as ClientOptions<SchemaOf<TSchema>>);
  defer(() => client.close());
  return client;
}

/** Resolves when `predicate` holds, polling; rejects after `ms`. */
export async function until(predicate: () => boolean, ms = 3_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
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
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    return error;
  }
}
