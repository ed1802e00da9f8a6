// Client procedures declared on the provider (`updates`) that write into the cache, and useCache.
import { expect, test } from "bun:test";
import { act, screen } from "@testing-library/react";
import { ChatterError } from "@manyducks.co/chatter";
import type { ChatterUpdates } from "@manyducks.co/chatter/react";
import type { AdapterChatter } from "../test/fixtures/adapterServer.ts";
import { until } from "../test/fixtures/adapterServer.ts";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useCall, useProcedure, useCache, useCallMutation } = hooks;
const ctx = serverPerFile();

function History({ label, roomId }: { label: string; roomId: string }) {
  const history = useCall("history", { roomId }, { staleTime: Infinity });
  return <p>{`${label}:${history.data?.join(",") ?? "-"}`}</p>;
}

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

async function connected() {
  const client = ctx.connect();
  await client.call("ping");
  await until(() => ctx.server.chatter.clients.size === 1, 3_000, "the previous test's client to be gone");
  return { client, connection: ctx.server.connection() };
}

test("a declared update runs once per push under StrictMode, with several components showing the call", async () => {
  const { client, connection } = await connected();
  const { runs, updates } = appending();
  renderWithChatter(
    <>
      <History label="a" roomId="strict" />
      <History label="b" roomId="strict" />
      <History label="c" roomId="strict" />
    </>,
    { client, updates, strict: true },
  );
  await screen.findByText("a:");
  await act(() => connection.call("receive", { roomId: "strict", text: "hi" }));
  await act(() => connection.call("receive", { roomId: "strict", text: "again" }));
  expect(runs).toEqual(["hi", "again"]);
  for (const label of ["a", "b", "c"]) expect(await screen.findByText(`${label}:hi,again`)).toBeTruthy();
  // One fetch for the three components; StrictMode's double mount may cancel and refetch it
  // once (TanStack does so for a query whose signal the call reads), never once per component.
  expect(ctx.server.counts.get("history:strict")).toBeLessThanOrEqual(2);
});

test("a published push runs the declared update once", async () => {
  const { client } = await connected();
  await client.call("join", { topic: "room-pub" });
  const { runs, updates } = appending();
  renderWithChatter(<History label="pub" roomId="pub" />, { client, updates, strict: true });
  await screen.findByText("pub:");
  act(() => ctx.server.chatter.publish("room-pub", "receive", { roomId: "pub", text: "one" }));
  expect(await screen.findByText("pub:one")).toBeTruthy();
  expect(runs).toEqual(["one"]);
});

test("a component's useProcedure of a declared name runs after the update and answers; the update stays", async () => {
  const { client, connection } = await connected();
  const { runs, updates } = appending();
  const seenByComponent: unknown[] = [];
  function Listener() {
    const cache = useCache();
    useProcedure("receive", ({ roomId, text }) => {
      seenByComponent.push(cache.get("history", { roomId }));
      return `component saw ${text}`;
    });
    return null;
  }
  function App({ listening }: { listening: boolean }) {
    return (
      <>
        <History label="h" roomId="both" />
        {listening && <Listener />}
      </>
    );
  }
  const view = renderWithChatter(<App listening />, { client, updates, strict: true });
  await screen.findByText("h:");
  let answer: unknown;
  await act(async () => {
    answer = await connection.call("receive", { roomId: "both", text: "x" });
  });
  expect(answer).toBe("component saw x");
  expect(seenByComponent).toEqual([["x"]]); // the update had run
  view.rerender(<App listening={false} />);
  await act(() => connection.call("receive", { roomId: "both", text: "y" }));
  expect(runs).toEqual(["x", "y"]);
  expect(seenByComponent).toHaveLength(1);
  expect(await screen.findByText("h:x,y")).toBeTruthy();
});

test("the latest updates run, and after the provider unmounts the server's call gets NOT_FOUND", async () => {
  const { client, connection } = await connected();
  const first = appending();
  const second = appending();
  const view = renderWithChatter(<History label="l" roomId="latest" />, { client, updates: first.updates });
  await screen.findByText("l:");
  await act(() => connection.call("receive", { roomId: "latest", text: "1" }));
  view.rerender(<History label="l" roomId="latest" />, { updates: second.updates });
  await act(() => connection.call("receive", { roomId: "latest", text: "2" }));
  expect(first.runs).toEqual(["1"]);
  expect(second.runs).toEqual(["2"]);
  expect(await screen.findByText("l:1,2")).toBeTruthy();
  view.unmount();
  const error = await connection.call("receive", { roomId: "latest", text: "3" }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ChatterError);
  expect((error as ChatterError).code).toBe("NOT_FOUND");
  expect([...first.runs, ...second.runs]).toEqual(["1", "2"]);
});

test("a name declared after the provider mounted is not the provider's: a component's useProcedure of it answers", async () => {
  const { client, connection } = await connected();
  const later = appending();
  function Listener() {
    useProcedure("receive", ({ text }) => `component saw ${text}`);
    return null;
  }
  const view = renderWithChatter(<History label="n" roomId="later" />, { client });
  await screen.findByText("n:");
  view.rerender(
    <>
      <History label="n" roomId="later" />
      <Listener />
    </>,
    { updates: later.updates },
  );
  let answer: unknown;
  await act(async () => {
    answer = await connection.call("receive", { roomId: "later", text: "z" });
  });
  expect(answer).toBe("component saw z");
  expect(later.runs).toEqual([]); // the names are read when the provider mounts
});

test("useCache writes a mutation's result where useCall shows it", async () => {
  const { client } = await connected();
  function Poster() {
    const cache = useCache();
    const post = useCallMutation("post", {
      onSuccess: ({ text }) => cache.update("history", { roomId: "mine" }, (old) => old && [...old, text]),
    });
    return (
      <>
        <History label="mine" roomId="mine" />
        <button type="button" onClick={() => post.mutate({ text: "sent" })}>
          post
        </button>
      </>
    );
  }
  renderWithChatter(<Poster />, { client });
  await screen.findByText("mine:");
  act(() => screen.getByText("post").click());
  expect(await screen.findByText("mine:sent")).toBeTruthy();
  expect(ctx.server.counts.get("history:mine")).toBe(1);
});

test("useCache's invalidate refetches one input or, with none, all of them", async () => {
  const { client } = await connected();
  let cache!: ReturnType<typeof useCache>;
  function Both() {
    cache = useCache();
    return (
      <>
        <History label="i1" roomId="inv-1" />
        <History label="i2" roomId="inv-2" />
      </>
    );
  }
  renderWithChatter(<Both />, { client });
  await screen.findByText("i1:");
  await screen.findByText("i2:");
  await act(() => cache.invalidate("history", { roomId: "inv-1" }));
  expect(ctx.server.counts.get("history:inv-1")).toBe(2);
  expect(ctx.server.counts.get("history:inv-2")).toBe(1);
  await act(() => cache.invalidate("history"));
  expect(ctx.server.counts.get("history:inv-1")).toBe(3);
  expect(ctx.server.counts.get("history:inv-2")).toBe(2);
  act(() => cache.set("history", { roomId: "inv-2" }, ["set"]));
  expect(await screen.findByText("i2:set")).toBeTruthy();
  expect(cache.get("history", { roomId: "inv-2" })).toEqual(["set"]);
});
