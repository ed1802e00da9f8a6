// Client procedures declared on the provider (`updates`) that write into the cache, and
// useCache: the Solid twin of react/updates.test.tsx.
import { describe, expect, test } from "bun:test";
import { QueryClient, QueryClientProvider } from "@tanstack/solid-query";
import { renderHook } from "@solidjs/testing-library";
import { createComponent, createMemo, createSignal, untrack, type JSX } from "solid-js";
import { ChatterError } from "../core/errors.ts";
import type { AdapterChatter } from "../test/fixtures/adapterServer.ts";
import type { ChatterUpdates } from "./index.ts";
import { ctx, mount, serverPerTest, until } from "./test/lifecycle.ts";
import { ChatterProvider, createCall, createCallMutation, createProcedure, useCache } from "./test/typed.ts";

serverPerTest();

/** A room's history as a component shows it: never stale by time, so only the cache changes it. */
const history = (roomId: string) => createCall("history", () => ({ roomId }), () => ({ staleTime: Infinity }));

/** Declared updates that append a pushed text to its room's history, counting their runs. */
function appending() {
  const runs: string[] = [];
  const updates: ChatterUpdates<AdapterChatter> = {
    receive: ({ roomId, text }, cache) => {
      runs.push(text);
      cache.update("history", { roomId }, (old) => old && [...old, text]);
    },
  };
  return { runs, updates };
}

/** The test's client, connected, and its connection as the server sees it (the only one). */
async function connected() {
  await ctx.client.call("ping");
  return ctx.server.connection();
}

describe("declared updates", () => {
  test("a declared update runs once per push, with several owners showing the call and implementing it", async () => {
    const connection = await connected();
    const { runs, updates } = appending();
    // Three owners (as three components: each its own owner, run untracked), each with its own
    // createCall of the same key and its own createProcedure of the declared name, under one provider.
    const owner = (i: number) =>
      createMemo(() =>
        untrack(() => {
          createProcedure("receive", ({ text }) => `owner ${i} saw ${text}`);
          return history("several");
        }),
      )();
    const { result } = mount(() => [owner(0), owner(1), owner(2)], { updates });
    await until(() => result.every((query) => query.isSuccess), 3_000, "the first fetch");
    expect(await connection.call("receive", { roomId: "several", text: "hi" })).toBe("owner 2 saw hi"); // the latest answers
    await connection.call("receive", { roomId: "several", text: "again" });
    expect(runs).toEqual(["hi", "again"]);
    for (const query of result) expect(query.data).toEqual(["hi", "again"]);
    expect(ctx.server.counts.get("history:several")).toBe(1); // one fetch for the three
  });

  test("a published push runs the declared update once", async () => {
    await connected();
    await ctx.client.call("join", { topic: "room-pub" });
    const { runs, updates } = appending();
    const { result } = mount(() => history("pub"), { updates });
    await until(() => result.isSuccess, 3_000, "the first fetch");
    ctx.server.chatter.publish("room-pub", "receive", { roomId: "pub", text: "one" });
    await until(() => result.data?.length === 1, 3_000, "the pushed message");
    await ctx.client.call("ping"); // a second run would have come with the first
    expect(result.data).toEqual(["one"]);
    expect(runs).toEqual(["one"]);
  });

  test("an owner's createProcedure of a declared name runs after the update and answers; the update stays", async () => {
    const connection = await connected();
    const { runs, updates } = appending();
    const seenByComponent: unknown[] = [];
    const [listening, setListening] = createSignal(true);
    const { result } = mount(
      () => {
        const cache = useCache();
        // The listener lives while `listening` is true, as a component under <Show> would.
        createMemo(() => {
          if (!listening()) return;
          createProcedure("receive", ({ roomId, text }) => {
            seenByComponent.push(cache.get("history", { roomId }));
            return `component saw ${text}`;
          });
        });
        return history("both");
      },
      { updates },
    );
    await until(() => result.isSuccess, 3_000, "the first fetch");
    expect(await connection.call("receive", { roomId: "both", text: "x" })).toBe("component saw x");
    expect(seenByComponent).toEqual([["x"]]); // the update had run
    setListening(false);
    expect(await connection.call("receive", { roomId: "both", text: "y" })).toBeUndefined();
    expect(runs).toEqual(["x", "y"]);
    expect(seenByComponent).toHaveLength(1);
    expect(result.data).toEqual(["x", "y"]);
  });

  test("the latest updates run, and after the provider is cleaned up the server's call gets NOT_FOUND", async () => {
    const connection = await connected();
    const first = appending();
    const second = appending();
    const [updates, setUpdates] = createSignal(first.updates);
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = (props: { children: JSX.Element }) =>
      createComponent(QueryClientProvider, {
        client: queryClient,
        get children() {
          return createComponent(ChatterProvider, {
            client: ctx.client,
            get updates() {
              return updates();
            },
            get children() {
              return props.children;
            },
          });
        },
      });
    const { result, cleanup } = renderHook(() => history("latest"), { wrapper });
    try {
      await until(() => result.isSuccess, 3_000, "the first fetch");
      await connection.call("receive", { roomId: "latest", text: "1" });
      setUpdates(second.updates);
      await connection.call("receive", { roomId: "latest", text: "2" });
      expect(first.runs).toEqual(["1"]);
      expect(second.runs).toEqual(["2"]);
      expect(result.data).toEqual(["1", "2"]);
    } finally {
      cleanup();
      queryClient.clear();
    }
    const error = await connection.call("receive", { roomId: "latest", text: "3" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatterError);
    expect((error as ChatterError).code).toBe("NOT_FOUND");
    expect([...first.runs, ...second.runs]).toEqual(["1", "2"]);
  });
});

describe("useCache", () => {
  test("useCache writes a mutation's result where createCall shows it", async () => {
    const { result } = mount(() => {
      const cache = useCache();
      return {
        mine: history("mine"),
        post: createCallMutation("post", () => ({
          onSuccess: ({ text }) => cache.update("history", { roomId: "mine" }, (old) => old && [...old, text]),
        })),
      };
    });
    await until(() => result.mine.isSuccess, 3_000, "the first fetch");
    result.post.mutate({ text: "sent" });
    await until(() => result.mine.data?.length === 1, 3_000, "the mutation's result in the history");
    expect(result.mine.data).toEqual(["sent"]);
    expect(ctx.server.counts.get("history:mine")).toBe(1);
  });

  test("useCache's invalidate refetches one input or, with none, all of them", async () => {
    const { result } = mount(() => ({ cache: useCache(), one: history("inv-1"), two: history("inv-2") }));
    await until(() => result.one.isSuccess && result.two.isSuccess, 3_000, "the first fetches");
    await result.cache.invalidate("history", { roomId: "inv-1" });
    expect(ctx.server.counts.get("history:inv-1")).toBe(2);
    expect(ctx.server.counts.get("history:inv-2")).toBe(1);
    await result.cache.invalidate("history");
    expect(ctx.server.counts.get("history:inv-1")).toBe(3);
    expect(ctx.server.counts.get("history:inv-2")).toBe(2);
    result.cache.set("history", { roomId: "inv-2" }, ["set"]);
    await until(() => result.two.data?.[0] === "set", 1_000, "the written data");
    expect(result.cache.get("history", { roomId: "inv-2" })).toEqual(["set"]);
  });
});
