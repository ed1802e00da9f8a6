// The server's `invalidate`/`setData` under ChatterProvider, against a real server.
import { expect, test } from "bun:test";
import { QueryClient } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { until } from "../test/fixtures/adapterServer.ts";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useCall, callKey, callOptions, ChatterProvider } = hooks;
const ctx = serverPerFile();
const counted = (key: string) => ctx.server.counts.get(key) ?? 0;

function Count({ name }: { name: string }) {
  const count = useCall("count", { key: name }, { staleTime: Infinity });
  return <p>{`${name}:${count.data ?? "-"}`}</p>;
}

/** A connected client and its connection as the server sees it (the only one by then). */
async function connected() {
  const client = ctx.connect();
  await client.call("ping");
  await until(() => ctx.server.chatter.clients.size === 1, 3_000, "the previous test's client to be gone");
  return { client, connection: ctx.server.connection() };
}

test("invalidate(name, input) refetches that query, and no other", async () => {
  const { client, connection } = await connected();
  renderWithChatter(
    <>
      <Count name="one-a" />
      <Count name="one-b" />
      <Count name="one-marker" />
    </>,
    { client },
  );
  await screen.findByText("one-a:1");
  await screen.findByText("one-b:1");
  await screen.findByText("one-marker:1");
  act(() => {
    connection.invalidate("count", { key: "one-a" });
    connection.invalidate("count", { key: "one-marker" });
  });
  expect(await screen.findByText("one-a:2")).toBeTruthy();
  await screen.findByText("one-marker:2");
  // A refetch of one-b would have reached the server before the marker's.
  expect(counted("one-b")).toBe(1);
  expect(screen.getByText("one-b:1")).toBeTruthy();
});

test("invalidate(name) refetches every shown input of it and marks the unshown ones stale", async () => {
  const { client, connection } = await connected();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  await queryClient.prefetchQuery({ ...callOptions(client, "count", { key: "all-unshown" }), staleTime: Infinity });
  function Other() {
    return <p>{`history:${useCall("history", { roomId: "all-other" }, { staleTime: Infinity }).data?.length ?? "-"}`}</p>;
  }
  renderWithChatter(
    <>
      <Count name="all-x" />
      <Count name="all-y" />
      <Other />
    </>,
    { client, queryClient },
  );
  await screen.findByText("all-x:1");
  await screen.findByText("all-y:1");
  await screen.findByText("history:0");
  act(() => connection.invalidate("count"));
  await screen.findByText("all-x:2");
  await screen.findByText("all-y:2");
  expect(queryClient.getQueryState(callKey("count", { key: "all-unshown" }))?.isInvalidated).toBe(true);
  // Its refetch, had there been one, went out with the shown ones' and reached the server before this call.
  await client.call("count", { key: "all-marker" });
  expect(counted("all-unshown")).toBe(1);
  expect(counted("history:all-other")).toBe(1);
});

test("a topic's invalidation reaches its subscribers only", async () => {
  const subscriber = ctx.connect();
  const other = ctx.connect();
  await subscriber.call("join", { topic: "topic-t" });
  await subscriber.call("join", { topic: "topic-all" });
  await other.call("join", { topic: "topic-all" });
  renderWithChatter(<Count name="topic-sub" />, { client: subscriber });
  function Other() {
    return (
      <>
        <Count name="topic-other" />
        <Count name="topic-marker" />
      </>
    );
  }
  renderWithChatter(<Other />, { client: other });
  await screen.findByText("topic-sub:1");
  await screen.findByText("topic-other:1");
  await screen.findByText("topic-marker:1");
  act(() => {
    ctx.server.chatter.invalidate("topic-t", "count");
    ctx.server.chatter.invalidate("topic-all", "count", { key: "topic-marker" });
  });
  expect(await screen.findByText("topic-sub:2")).toBeTruthy();
  // The marker reached `other` after what `topic-t` would have sent it.
  await screen.findByText("topic-marker:2");
  expect(counted("topic-other")).toBe(1);
});

test("setData writes into the cache whether or not a component shows the call", async () => {
  const { client, connection } = await connected();
  function Live() {
    return <Count name="set-live" />;
  }
  const view = renderWithChatter(<Live />, { client });
  await screen.findByText("set-live:1");
  act(() => {
    connection.setData("count", { key: "set-unshown" }, 42);
    connection.setData("count", { key: "set-live" }, 7);
  });
  expect(await screen.findByText("set-live:7")).toBeTruthy();
  expect(view.queryClient.getQueryData(callKey("count", { key: "set-unshown" }))).toBe(42);
  // A component that mounts later reads it without calling the server.
  view.rerender(<Count name="set-unshown" />);
  expect(await screen.findByText("set-unshown:42")).toBeTruthy();
  expect(counted("set-unshown")).toBe(0);
  expect(counted("set-live")).toBe(1);
});

test("the queryClient prop is the cache the hooks and the server's updates use, with no QueryClientProvider", async () => {
  const { client, connection } = await connected();
  const queryClient = new QueryClient();
  render(
    <ChatterProvider client={client} queryClient={queryClient}>
      <Count name="prop" />
    </ChatterProvider>,
  );
  await screen.findByText("prop:1");
  act(() => connection.setData("count", { key: "prop" }, 5));
  expect(await screen.findByText("prop:5")).toBeTruthy();
  expect(queryClient.getQueryData(callKey("count", { key: "prop" }))).toBe(5);
});

test("after the provider unmounts, the server's updates no longer reach its cache", async () => {
  const { client, connection } = await connected();
  const view = renderWithChatter(<Count name="gone" />, { client });
  await screen.findByText("gone:1");
  view.unmount();
  connection.setData("count", { key: "gone" }, 9);
  connection.invalidate("count", { key: "gone" });
  await client.call("count", { key: "gone-marker" }); // the updates arrived before its answer
  expect(view.queryClient.getQueryData(callKey("count", { key: "gone" }))).toBe(1);
  expect(counted("gone")).toBe(1);
});

test("invalidate(name, undefined) refetches the call of a procedure that takes no input", async () => {
  const { client, connection } = await connected();
  function Ping() {
    const ping = useCall("ping", undefined);
    return <p>{`ping:${ping.data ?? "-"}`}</p>;
  }
  const { queryClient } = renderWithChatter(<Ping />, { client });
  await screen.findByText("ping:pong");
  const fetched = () => queryClient.getQueryState(callKey("ping", undefined))?.dataUpdateCount;
  expect(fetched()).toBe(1);
  act(() => connection.invalidate("ping", undefined));
  await until(() => fetched() === 2, 3_000, "the refetch of ping");
});
