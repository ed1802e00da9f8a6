// The app the reliability tests attack: a real zod schema, procedures that misbehave on
// request, and a `stats` procedure that reports the server's pending maps and memory, so
// a spawned server process can be inspected from outside.
import { z } from "zod";
import { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer, type ServerOptions } from "../../server/index.ts";

export const schema = createSchema({
  server: {
    add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() },
    echo: { input: z.unknown() },
    /** Reports what the input's own keys are and whether any prototype was touched. */
    keys: { input: z.looseObject({}) },
    shape: { name: z.string(), tags: z.array(z.string()).optional() },
    slow: { input: z.object({ ms: z.number(), tag: z.string().optional() }) },
    hang: { input: z.object({ tag: z.string().optional() }).optional() },
    throws: {},
    rejects: {},
    bad: { input: z.enum(["circular", "bigint", "deep"]) },
    /** Calls the client's `question` and answers what happened. */
    ask: { input: z.object({ timeout: z.number(), value: z.unknown().optional() }) },
    join: { room: z.string() },
    /** Publishes `count` frames of `size` bytes to `room`, counting what Bun's publish returned. */
    blast: { room: z.string(), size: z.number(), count: z.number() },
    stats: {},
  },
  client: {
    question: { input: z.unknown(), output: z.unknown() },
    news: { input: z.unknown() },
  },
});

export interface Stats {
  clients: number;
  pending: number;
  running: number;
  polluted: boolean;
  heapUsed: number;
  rss: number;
  counts: Record<string, number>;
  errors: number;
  lastErrors: string[];
}

const deep = (n: number) => {
  let value: unknown = 0;
  for (let i = 0; i < n; i++) value = [value];
  return value;
};

export function polluted(): boolean {
  const probe: any = {};
  return (
    probe.polluted !== undefined ||
    probe.isAdmin !== undefined ||
    (Object.prototype as any).polluted !== undefined ||
    (Array.prototype as any).polluted !== undefined ||
    typeof probe.toString !== "function" ||
    Object.getPrototypeOf(probe) !== Object.prototype
  );
}

/** Server options a test may change (not the schema or the procedures). */
export type Overrides = Omit<Partial<ServerOptions<typeof schema, unknown, Record<string, unknown>>>, "schema" | "procedures">;

export function app(overrides: Overrides = {}) {
  const counts: Record<string, number> = Object.create(null);
  const count = (key: string) => void (counts[key] = (counts[key] ?? 0) + 1);
  const errors: unknown[] = [];
  let errorCount = 0;

  const server = createServer({
    schema,
    procedures: {
      add: ({ a, b }) => a + b,
      echo: (input) => input,
      keys: (input) => ({ keys: Object.keys(input), proto: Object.getPrototypeOf(input) === Object.prototype, polluted: polluted() }),
      shape: (input) => ({ keys: Object.keys(input), polluted: polluted() }),
      slow: async ({ ms, tag }, _client, { signal }) => {
        count(`slow:${tag ?? ""}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
        });
        return ms;
      },
      hang: (input) => {
        count(`hang:${input?.tag ?? ""}`);
        return new Promise<never>(() => {});
      },
      throws: () => {
        throw new Error("secret: the database password is hunter2");
      },
      rejects: async () => {
        throw new TypeError("secret too");
      },
      bad: (kind): unknown => {
        if (kind === "bigint") return { n: 10n };
        if (kind === "deep") return deep(100_000);
        const circular: any = { a: 1 };
        circular.self = circular;
        return circular;
      },
      ask: async ({ timeout, value }, client) => {
        try {
          return { ok: true, value: await client.call("question", value, { timeout }) };
        } catch (error) {
          return { ok: false, code: (error as ChatterError).code };
        }
      },
      join: ({ room }, client) => client.subscribe(room),
      blast: ({ room, size, count: n }) => {
        const text = "x".repeat(size);
        for (let i = 0; i < n; i++) server.publish(room, "news", text);
        return n;
      },
      stats: async (): Promise<Stats> => {
        await Promise.resolve(); // from here this call is surely counted as running (subtracted below)
        Bun.gc(true);
        let pending = 0;
        let running = 0;
        for (const c of server.clients.values() as Iterable<any>) {
          pending += c.peer.pendingCount; // the engine behind each connection (not public API)
          running += c.peer.runningCount;
        }
        const memory = process.memoryUsage();
        return {
          clients: server.clients.size,
          pending,
          running: running - 1, // this very call
          polluted: polluted(),
          heapUsed: memory.heapUsed,
          rss: memory.rss,
          counts: { ...counts },
          errors: errorCount,
          lastErrors: errors.slice(-5).map(String),
        };
      },
    },
    onError: (error) => {
      errorCount++;
      errors.push(error);
      if (errors.length > 50) errors.shift();
    },
    ...overrides,
  });
  return { server, counts, errors: () => errors };
}

/** Serves `app()` on 127.0.0.1; `origins` for the fixture is "no Origin header, or http://good.example". */
export function serveApp(port = 0, overrides: Overrides = {}) {
  const chatter = app(overrides);
  const bun = Bun.serve({
    port,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      if (chatter.server.upgrade(req, srv)) return;
      return new Response("Refused", { status: 403 });
    },
    websocket: chatter.server.handler,
  });
  return { ...chatter, bun, url: `ws://127.0.0.1:${bun.port}` };
}
