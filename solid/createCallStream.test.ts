// createCall on a stream procedure: a streamed query over a real Bun server.
import { expect, test } from "bun:test";
import { QueryClient } from "@tanstack/solid-query";
import { createSignal } from "solid-js";
import { ChatterError } from "../core/errors.ts";
import { ctx, mount, serverPerTest, until } from "./test/lifecycle.ts";
import { callKey, callOptions, createCall } from "./test/typed.ts";

serverPerTest();
const ns = (items: { n: number }[] | undefined) => (items ?? []).map(({ n }) => n).join(",");

test("data is the items so far: pending until the first, success and still fetching after it, idle at the end", async () => {
  const { result } = mount(() => createCall("numbers", () => ({ key: "grow", to: 3, ms: 40 })));
  expect([result.status, result.fetchStatus]).toEqual(["pending", "fetching"]);
  await until(() => result.isSuccess, 3_000, "the first item");
  expect(result.fetchStatus).toBe("fetching");
  expect(result.data!.length).toBeLessThan(3);
  await until(() => result.fetchStatus === "idle", 3_000, "the end of the stream");
  expect(result.data).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  expect(ctx.server.streams.finished).toEqual(["grow"]);
});

test("cleaning up the owner stops the producer on the server: its signal aborts and its finally runs", async () => {
  const { result, cleanup } = mount(() => createCall("numbers", () => ({ key: "endless", ms: 10 })));
  await until(() => (result.data?.length ?? 0) >= 2, 3_000, "two items");
  expect(ctx.server.streams.finished).toEqual([]);
  cleanup();
  await until(() => ctx.server.streams.finished.includes("endless"), 3_000, "the producer's finally");
  expect(ctx.server.streams.aborted).toEqual(["endless"]);
});

test("a new input stops the old stream and starts the new one from its first item", async () => {
  const [key, setKey] = createSignal("first");
  const { result } = mount(() => createCall("numbers", () => ({ key: key(), to: key() === "first" ? undefined : 2, ms: 10 })));
  await until(() => (result.data?.length ?? 0) >= 2, 3_000, "two items of the first stream");
  setKey("second");
  await until(() => ctx.server.streams.finished.includes("first"), 3_000, "the first stream to stop");
  expect(ctx.server.streams.aborted).toContain("first");
  await until(() => result.fetchStatus === "idle" && ns(result.data) === "1,2", 3_000, "the second stream");
  expect(ctx.server.streams.started).toEqual(["first", "second"]);
});

test("a stream's ChatterError lands in error with its code; a plain throw is INTERNAL with no leak", async () => {
  const { result } = mount(() => createCall("failStream", () => ({ code: "NOT_FOUND" as const, before: 2 })));
  await until(() => result.isError, 3_000, "the stream's error");
  expect(result.error).toBeInstanceOf(ChatterError);
  expect([result.error?.code, result.error?.message]).toEqual(["NOT_FOUND", "failed with NOT_FOUND"]);
  const { result: internal } = mount(() => createCall("failStream", () => ({ code: "INTERNAL" as const, before: 0 })));
  await until(() => internal.isError);
  expect(internal.error?.code).toBe("INTERNAL");
  expect(internal.error?.message).not.toContain("secret");
});

test("reducer and initialValue fold the items instead of collecting them", async () => {
  const { result } = mount(() => createCall("numbers", () => ({ key: "sum", to: 4 }), () => ({ reducer: (total: number, { n }) => total + n, initialValue: 0 })));
  await until(() => result.fetchStatus === "idle" && result.isSuccess);
  expect(result.data).toBe(10);
});

test("callOptions feeds prefetchQuery and fetchQuery; createCall then reads the prefetched items without streaming again", async () => {
  const queryClient = new QueryClient();
  await queryClient.prefetchQuery(callOptions(ctx.client, "numbers", { key: "prefetch", to: 3 }));
  expect(queryClient.getQueryData(callKey("numbers", { key: "prefetch", to: 3 }))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  const sum = await queryClient.fetchQuery(callOptions(ctx.client, "numbers", { key: "fetch", to: 3 }, { reducer: (total, { n }) => total + n, initialValue: 0 }));
  expect(sum).toBe(6);
  const { result } = mount(() => createCall("numbers", () => ({ key: "prefetch", to: 3 }), () => ({ staleTime: Infinity })), { queryClient });
  await until(() => result.isSuccess);
  expect(result.data).toHaveLength(3);
  expect(ctx.server.streams.started.filter((key) => key === "prefetch")).toHaveLength(1);
});
