import { expect, test } from "bun:test";
import { QueryClient, useQueries } from "@tanstack/react-query";
import { act, screen } from "@testing-library/react";
import { Suspense } from "react";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { callOptions, callKey, useCall, useSuspenseCall, useChatter } = hooks;
const ctx = serverPerFile();

test("prefetchQuery fills the cache that useCall then reads without calling again", async () => {
  const client = ctx.connect();
  const queryClient = new QueryClient();
  await queryClient.prefetchQuery(callOptions(client, "count", { key: "prefetch" }));
  expect(queryClient.getQueryData(callKey("count", { key: "prefetch" }))).toBe(1);
  function Count() {
    return <p>{`count ${useCall("count", { key: "prefetch" }, { staleTime: Infinity }).data}`}</p>;
  }
  renderWithChatter(<Count />, { client, queryClient });
  expect(await screen.findByText("count 1")).toBeTruthy();
  expect(ctx.server.counts.get("prefetch")).toBe(1);
});

test("setQueryData by key updates the component; invalidateQueries refetches it", async () => {
  const client = ctx.connect();
  function Count() {
    return <p>{`count ${useCall("count", { key: "cache" }).data ?? "-"}`}</p>;
  }
  const { queryClient } = renderWithChatter(<Count />, { client });
  await screen.findByText("count 1");
  act(() => void queryClient.setQueryData(callKey("count", { key: "cache" }), (old) => (old ?? 0) + 100));
  await screen.findByText("count 101");
  await act(() => queryClient.invalidateQueries({ queryKey: callKey("count", { key: "cache" }) }));
  expect(await screen.findByText("count 2")).toBeTruthy();
});

test("useQueries takes callOptions", async () => {
  const client = ctx.connect();
  function Many() {
    const chatter = useChatter();
    const results = useQueries({ queries: ["x", "y"].map((name) => callOptions(chatter, "greet", { name })) });
    return <p>{results.map((result) => result.data ?? "-").join(", ")}</p>;
  }
  renderWithChatter(<Many />, { client });
  expect(await screen.findByText("hello x, hello y")).toBeTruthy();
});

test("useSuspenseCall suspends until the result is there", async () => {
  const client = ctx.connect();
  function Greeting() {
    return <p>{useSuspenseCall("greet", { name: "suspense" }).data}</p>;
  }
  renderWithChatter(
    <Suspense fallback={<p>suspended</p>}>
      <Greeting />
    </Suspense>,
    { client },
  );
  expect(screen.getByText("suspended")).toBeTruthy();
  expect(await screen.findByText("hello suspense")).toBeTruthy();
});
