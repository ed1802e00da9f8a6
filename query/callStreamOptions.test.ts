// The streamed-query options both adapters build, with a stand-in for TanStack's streamedQuery.
import { expect, test } from "bun:test";
import { z } from "zod";
import type { ChatterClient } from "../client/types.ts";
import { createSchema } from "../core/schema.ts";
import { callQueryOptions } from "./callQueryOptions.ts";
import { callStreamOptions, isStreamProcedure, type StreamedQuery } from "./callStreamOptions.ts";

const schema = createSchema({
  server: { numbers: { input: z.object({ to: z.number() }), stream: z.number() }, plain: { output: z.number() } },
  client: {},
});
const opened: unknown[][] = [];
const client = {
  schema,
  call: async () => 1,
  stream: (...args: unknown[]) => (opened.push(args), (async function* () {})()),
} as unknown as ChatterClient;
const seen: Parameters<StreamedQuery>[0][] = [];
const streamedQuery: StreamedQuery = (params) => (seen.push(params), async () => params);

test("only a declared stream procedure is a stream: plain ones and prototype names are not", () => {
  expect(isStreamProcedure(client, "numbers")).toBe(true);
  for (const name of ["plain", "nope", "__proto__", "constructor", "toString"]) expect(isStreamProcedure(client, name)).toBe(false);
});

test("a stream's options: the stream's own go to client.stream and streamedQuery, the rest to the query", async () => {
  const reducer = (total: number, n: number) => total + n;
  const options = callStreamOptions(client, "numbers", { to: 3 }, { timeout: 50, window: 4, refetchMode: "append", reducer, initialValue: 0, staleTime: 9 } as never, streamedQuery);
  expect(options).toMatchObject({ queryKey: ["chatter", "numbers", { to: 3 }], staleTime: 9 });
  expect(Object.keys(options)).not.toContain("reducer");
  const params = seen.at(-1)!;
  expect(params).toMatchObject({ refetchMode: "append", reducer, initialValue: 0 });
  const signal = new AbortController().signal;
  params.streamFn({ signal });
  expect(opened.at(-1)).toEqual(["numbers", { to: 3 }, { signal, timeout: 50, window: 4 }]);
  // No reducer: streamedQuery's own default (an array of the items) applies.
  callStreamOptions(client, "numbers", { to: 1 }, undefined, streamedQuery);
  expect(Object.keys(seen.at(-1)!)).not.toContain("reducer");
});

test("callQueryOptions hands stream procedures to streamedQuery, keeps plain calls as they were, and skipToken disables either", () => {
  const skip = Symbol("skip");
  const count = seen.length;
  expect(typeof (callQueryOptions(client, "plain", undefined, {}, streamedQuery) as { queryFn: unknown }).queryFn).toBe("function");
  expect(seen.length).toBe(count);
  callQueryOptions(client, "numbers" as never, { to: 2 } as never, {}, streamedQuery);
  expect(seen.length).toBe(count + 1);
  expect(callStreamOptions(client, "numbers", skip, undefined, streamedQuery)).toEqual({ queryKey: ["chatter", "numbers", null], queryFn: skip });
});
