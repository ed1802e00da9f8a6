import { describe, expect, test } from "bun:test";
import { createQuery, QueryClient, skipToken } from "@tanstack/solid-query";
import { createSignal } from "solid-js";
import { ChatterError } from "../core/errors.ts";
import { ctx, mount, serverPerTest, until } from "./test/lifecycle.ts";
import { callKey, callOptions, createCall } from "./test/typed.ts";

serverPerTest();

describe("createCall", () => {
  test("the server's result arrives as the query's data", async () => {
    const { result } = mount(() => createCall("echo", () => ({ text: "hi" })));
    expect(result.isPending).toBe(true);
    await until(() => result.isSuccess, 3_000, "the echo result");
    expect(result.data).toEqual({ text: "hi", calls: 1 });
  });

  test("a procedure that takes no input needs no input accessor", async () => {
    const { result } = mount(() => createCall("ping"));
    await until(() => result.isSuccess);
    expect(result.data).toBe("pong");
  });

  test("changing a signal the input reads refetches with the new input", async () => {
    const [text, setText] = createSignal("one");
    const { result } = mount(() => createCall("echo", () => ({ text: text() })));
    await until(() => result.data?.text === "one");
    setText("two");
    await until(() => result.data?.text === "two", 3_000, "the refetch with the new input");
    expect(result.data).toEqual({ text: "two", calls: 2 });
  });

  test("skipToken holds the call until the input is ready", async () => {
    const [room, setRoom] = createSignal<string>();
    const { result } = mount(() => createCall("echo", () => (room() ? { text: room()! } : skipToken)));
    await Bun.sleep(50);
    expect(result.fetchStatus).toBe("idle");
    expect(ctx.server.seen.calls).toBe(0);
    setRoom("lobby");
    await until(() => result.isSuccess);
    expect(result.data?.text).toBe("lobby");
  });

  test("enabled: false (an options accessor) holds the call too", async () => {
    const [ready, setReady] = createSignal(false);
    const { result } = mount(() => createCall("echo", () => ({ text: "x" }), () => ({ enabled: ready() })));
    await Bun.sleep(50);
    expect(ctx.server.seen.calls).toBe(0);
    setReady(true);
    await until(() => result.isSuccess);
  });

  test("select maps the data", async () => {
    const { result } = mount(() => createCall("echo", () => ({ text: "abc" }), () => ({ select: (out) => out.text.length })));
    await until(() => result.isSuccess);
    expect(result.data).toBe(3);
  });

  test("an error surfaces as a ChatterError with its code", async () => {
    const { result } = mount(() => createCall("fail", () => ({ code: "NOT_FOUND" as const })));
    await until(() => result.isError);
    expect(result.error).toBeInstanceOf(ChatterError);
    expect(result.error?.code).toBe("NOT_FOUND");
    expect(result.error?.message).toBe("failed with NOT_FOUND");
  });

  test("a plain throw on the server surfaces as INTERNAL, with no message leak", async () => {
    const { result } = mount(() => createCall("fail", () => ({ code: "INTERNAL" as const })));
    await until(() => result.isError);
    expect(result.error).toBeInstanceOf(ChatterError);
    expect(result.error?.code).toBe("INTERNAL");
    expect(result.error?.message).not.toContain("secret");
  });

  test("the timeout option times the call out", async () => {
    const { result } = mount(() => createCall("slow", () => ({ ms: 2_000 }), () => ({ timeout: 30 })));
    await until(() => result.isError);
    expect(result.error?.code).toBe("TIMEOUT");
    await until(() => ctx.server.seen.aborted.length === 1, 3_000, "the server to see the timeout");
  });

  test("cleaning up the owner cancels a running call on the server", async () => {
    const { result, cleanup } = mount(() => createCall("slow", () => ({ ms: 5_000 })));
    await until(() => ctx.server.seen.started === 1, 3_000, "the slow call to start");
    expect(result.isFetching).toBe(true);
    cleanup();
    await until(() => ctx.server.seen.aborted.length === 1, 3_000, "the server procedure's signal to abort");
    expect(ctx.server.seen.aborted[0]).toBeInstanceOf(ChatterError);
    expect((ctx.server.seen.aborted[0] as ChatterError).code).toBe("CANCELLED");
  });

  test("a changed input cancels the call it replaces", async () => {
    const [ms, setMs] = createSignal(5_000);
    const { result } = mount(() => createCall("slow", () => ({ ms: ms() })));
    await until(() => ctx.server.seen.started === 1);
    setMs(10);
    await until(() => result.data === 10, 3_000, "the new call's result");
    await until(() => ctx.server.seen.aborted.length === 1, 3_000, "the replaced call to be cancelled");
  });

  test("two owners with an equal input share one call", async () => {
    const queryClient = new QueryClient();
    const { result: a } = mount(() => createCall("echo", () => ({ text: "same" })), { queryClient });
    const { result: b } = mount(() => createCall("echo", () => ({ text: "same" })), { queryClient });
    await until(() => a.isSuccess && b.isSuccess);
    expect(ctx.server.seen.calls).toBe(1);
    expect(b.data).toEqual(a.data!);
  });
});

describe("callOptions and callKey", () => {
  test("callOptions feeds createQuery and fetchQuery, under the key callKey derives", async () => {
    const { result, queryClient } = mount(() => createQuery(() => callOptions(ctx.client, "add", { a: 2, b: 3 })));
    await until(() => result.isSuccess);
    expect(result.data).toBe(5);
    expect(queryClient.getQueryData(callKey("add", { a: 2, b: 3 }))).toBe(5);
    expect(await queryClient.fetchQuery(callOptions(ctx.client, "add", { a: 1, b: 1 }))).toBe(2);
    expect([...callKey("add", { a: 1, b: 1 })]).toEqual(["chatter", "add", { a: 1, b: 1 }]);
  });

  test("setQueryData by callKey updates what createCall shows", async () => {
    const { result, queryClient } = mount(() => createCall("echo", () => ({ text: "hi" }), () => ({ staleTime: Infinity })));
    await until(() => result.isSuccess);
    queryClient.setQueryData(callKey("echo", { text: "hi" }), (old) => old && { ...old, text: "edited" });
    await until(() => result.data?.text === "edited", 1_000, "the cache update");
  });

  test("callOptions with skipToken gives a disabled query", () => {
    const options = callOptions(ctx.client, "echo", skipToken);
    expect(options.queryFn).toBe(skipToken);
    expect(options.queryKey as unknown).toEqual(["chatter", "echo", null]);
  });
});
