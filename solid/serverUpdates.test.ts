// The server's `invalidate`/`setData` under ChatterProvider (Solid), against a real server:
// the Solid twin of react/serverUpdates.test.tsx.
import { describe, expect, test } from "bun:test";
import { QueryClient } from "@tanstack/solid-query";
import { renderHook } from "@solidjs/testing-library";
import { createComponent, type JSX } from "solid-js";
import { ChatterError } from "../core/errors.ts";
import { connectAnother, ctx, mount, serverPerTest, until } from "./test/lifecycle.ts";
import { callKey, callOptions, ChatterProvider, createCall } from "./test/typed.ts";

serverPerTest();

const counted = (key: string) => ctx.server.counts.get(key) ?? 0;
/** `count({ key })` as a component shows it: never stale by time, so only an update refetches it. */
const count = (key: string) => createCall("count", () => ({ key }), () => ({ staleTime: Infinity }));

/** The test's client, connected, and its connection as the server sees it (the only one). */
async function connected() {
  await ctx.client.call("ping");
  return ctx.server.connection();
}

describe("the server's updates under ChatterProvider", () => {
  test("invalidate(name, input) refetches that query, and no other", async () => {
    const connection = await connected();
    const { result } = mount(() => ({ a: count("one-a"), b: count("one-b"), marker: count("one-marker") }));
    await until(() => result.a.data === 1 && result.b.data === 1 && result.marker.data === 1, 3_000, "the first fetches");
    connection.invalidate("count", { key: "one-a" });
    connection.invalidate("count", { key: "one-marker" });
    await until(() => result.a.data === 2, 3_000, "one-a's refetch");
    await until(() => result.marker.data === 2, 3_000, "the marker's refetch");
    // A refetch of one-b would have reached the server before the marker's.
    expect(counted("one-b")).toBe(1);
    expect(result.b.data).toBe(1);
  });

  test("invalidate(name) refetches every shown input of it and marks the unshown ones stale", async () => {
    const connection = await connected();
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    await queryClient.prefetchQuery({ ...callOptions(ctx.client, "count", { key: "all-unshown" }), staleTime: Infinity });
    const { result } = mount(
      () => ({
        x: count("all-x"),
        y: count("all-y"),
        other: createCall("history", () => ({ roomId: "all-other" }), () => ({ staleTime: Infinity })),
      }),
      { queryClient },
    );
    await until(() => result.x.data === 1 && result.y.data === 1 && result.other.data?.length === 0, 3_000, "the first fetches");
    connection.invalidate("count");
    await until(() => result.x.data === 2 && result.y.data === 2, 3_000, "the shown inputs' refetches");
    expect(queryClient.getQueryState(callKey("count", { key: "all-unshown" }))?.isInvalidated).toBe(true);
    // Its refetch, had there been one, went out with the shown ones' and reached the server before this call.
    await ctx.client.call("count", { key: "all-marker" });
    expect(counted("all-unshown")).toBe(1);
    expect(counted("history:all-other")).toBe(1);
    expect(result.other.data).toEqual([]);
  });

  test("a topic's invalidation reaches its subscribers only", async () => {
    const subscriber = ctx.client;
    const other = connectAnother();
    await subscriber.call("join", { topic: "topic-t" });
    await subscriber.call("join", { topic: "topic-all" });
    await other.call("join", { topic: "topic-all" });
    const sub = mount(() => count("topic-sub"), { client: subscriber });
    const rest = mount(() => ({ other: count("topic-other"), marker: count("topic-marker") }), { client: other });
    await until(() => sub.result.data === 1 && rest.result.other.data === 1 && rest.result.marker.data === 1, 3_000, "the first fetches");
    ctx.server.chatter.invalidate("topic-t", "count");
    ctx.server.chatter.invalidate("topic-all", "count", { key: "topic-marker" });
    await until(() => sub.result.data === 2, 3_000, "the subscriber's refetch");
    // The marker reached `other` after what `topic-t` would have sent it.
    await until(() => rest.result.marker.data === 2, 3_000, "the marker's refetch");
    expect(counted("topic-other")).toBe(1);
    expect(rest.result.other.data).toBe(1);
  });

  test("setData writes into the cache whether or not a component shows the call", async () => {
    const connection = await connected();
    const live = mount(() => count("set-live"));
    await until(() => live.result.data === 1, 3_000, "the first fetch");
    connection.setData("count", { key: "set-unshown" }, 42);
    connection.setData("count", { key: "set-live" }, 7);
    await until(() => live.result.data === 7, 3_000, "the pushed data on screen");
    expect(live.queryClient.getQueryData(callKey("count", { key: "set-unshown" }))).toBe(42);
    // An owner created later reads it without calling the server.
    const later = mount(() => count("set-unshown"), { queryClient: live.queryClient });
    expect(later.result.data).toBe(42);
    await ctx.client.call("ping"); // a fetch, had one started, would have been answered by now
    expect(later.result.data).toBe(42);
    expect(counted("set-unshown")).toBe(0);
    expect(counted("set-live")).toBe(1);
  });

  test("a setData that fails the output schema throws BAD_OUTPUT on the server and changes no cache", async () => {
    const connection = await connected();
    await ctx.client.call("join", { topic: "bad-room" });
    const { result, queryClient } = mount(() => ({ shown: count("bad-shown"), marker: count("bad-marker") }));
    await until(() => result.shown.data === 1 && result.marker.data === 1, 3_000, "the first fetches");
    const refused = [
      () => connection.setData("count", { key: "bad-shown" }, "seven" as never),
      () => connection.setData("count", { key: "bad-unshown" }, null as never),
      () => ctx.server.chatter.setData("bad-room", "count", { key: "bad-shown" }, { n: 1 } as never),
    ];
    for (const bad of refused) {
      let error: unknown;
      try {
        bad();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(ChatterError);
      expect((error as ChatterError).code).toBe("BAD_OUTPUT");
    }
    // The marker goes after them, to this client and through the topic: once it is in, a refused update would have been too.
    connection.setData("count", { key: "bad-marker" }, 100);
    ctx.server.chatter.setData("bad-room", "count", { key: "bad-marker" }, 101);
    await until(() => result.marker.data === 101, 3_000, "the markers");
    expect(result.shown.data).toBe(1);
    expect(queryClient.getQueryData(callKey("count", { key: "bad-shown" }))).toBe(1);
    expect(queryClient.getQueryData(callKey("count", { key: "bad-unshown" }))).toBeUndefined();
    expect(counted("bad-shown")).toBe(1);
  });

  test("the queryClient prop is the cache the primitives and the server's updates use, with no QueryClientProvider", async () => {
    const connection = await connected();
    const queryClient = new QueryClient();
    const wrapper = (props: { children: JSX.Element }) =>
      createComponent(ChatterProvider, {
        client: ctx.client,
        queryClient,
        get children() {
          return props.children;
        },
      });
    const { result, cleanup } = renderHook(() => count("prop"), { wrapper });
    try {
      await until(() => result.data === 1, 3_000, "the first fetch");
      connection.setData("count", { key: "prop" }, 5);
      await until(() => result.data === 5, 3_000, "the pushed data");
      expect(queryClient.getQueryData(callKey("count", { key: "prop" }))).toBe(5);
    } finally {
      cleanup();
      queryClient.clear();
    }
  });

  test("after the provider is cleaned up, the server's updates no longer reach its cache", async () => {
    const connection = await connected();
    const { result, cleanup, queryClient } = mount(() => count("gone"));
    await until(() => result.data === 1, 3_000, "the first fetch");
    cleanup();
    connection.setData("count", { key: "gone" }, 9);
    connection.invalidate("count", { key: "gone" });
    await ctx.client.call("count", { key: "gone-marker" }); // the updates arrived before its answer
    expect(queryClient.getQueryData(callKey("count", { key: "gone" }))).toBe(1);
    expect(counted("gone")).toBe(1);
  });
});
