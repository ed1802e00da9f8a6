// A real Chatter server on 127.0.0.1 for the Solid primitive tests, and a client
// (with Bun's WebSocket) and the providers around a primitive under test.
import { QueryClient, QueryClientProvider } from "@tanstack/solid-query";
import { renderHook } from "@solidjs/testing-library";
import { createComponent, type JSX } from "solid-js";
import { z } from "zod";
import { ChatterError, createClient, createSchema, createServer } from "../../index.ts";
import type { ChatterClient } from "../../client/createClient.ts";
import { slow } from "../../test/rpc/fixtures/app.ts";
import { restartable } from "../../test/rpc/fixtures/harness.ts";
import { ChatterProvider } from "../ChatterProvider.ts";

export { until } from "../../test/rpc/fixtures/harness.ts";

export const schema = createSchema({
  server: {
    echo: { input: z.object({ text: z.string() }), output: z.object({ text: z.string(), calls: z.number() }) },
    ping: { output: z.literal("pong") },
    slow: { input: z.object({ ms: z.number() }), output: z.number() },
    fail: { input: z.object({ code: z.enum(["NOT_FOUND", "INTERNAL"]) }) },
    add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() },
    join: { input: z.object({ topic: z.string() }) },
  },
  client: {
    notify: { text: z.string() },
    confirm: { input: z.object({ question: z.string() }), output: z.boolean() },
  },
});

export type TestSchema = typeof schema;

/** Starts the server; `restart()` stops it (dropping every socket) and serves again on the same port. */
export function startServer() {
  const seen = { calls: 0, started: 0, aborted: [] as unknown[] };
  const chatter = createServer({
    schema,
    onError: () => {},
    procedures: {
      echo: ({ text }) => ({ text, calls: ++seen.calls }),
      ping: () => "pong" as const,
      slow: slow(seen),
      fail: ({ code }) => {
        if (code === "NOT_FOUND") throw new ChatterError("NOT_FOUND", "No such room");
        throw new Error("a secret that must not reach the client");
      },
      add: ({ a, b }) => a + b,
      join: ({ topic }, client) => client.subscribe(topic),
    },
  });
  return { chatter, seen, ...restartable(chatter) };
}

/** A client with Bun's real WebSocket (happy-dom has one of its own) and quick reconnects. */
export function connect(url: string): ChatterClient<TestSchema> {
  return createClient<TestSchema>({
    url,
    schema,
    WebSocket: globalThis.WebSocket,
    heartbeat: false,
    reconnect: { initialDelay: 20, maxDelay: 100 },
    onError: () => {},
  });
}

/** Runs `primitive` inside `QueryClientProvider` and `ChatterProvider`, as a component would. */
export function render<R>(client: ChatterClient<TestSchema>, primitive: () => R, queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })) {
  const wrapper = (props: { children: JSX.Element }) =>
    createComponent(QueryClientProvider, {
      client: queryClient,
      get children() {
        return createComponent(ChatterProvider, {
          client,
          get children() {
            return props.children;
          },
        });
      },
    });
  const { result, cleanup } = renderHook(primitive, { wrapper });
  return { result, cleanup, queryClient };
}
