// useCall on a stream procedure: a streamed query over a real Bun server.
import { expect, test } from "bun:test";
import { QueryClient } from "@tanstack/react-query";
import { screen, waitFor } from "@testing-library/react";
import { ChatterError } from "@manyducks.co/chatter";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useCall, callOptions, callKey } = hooks;
const ctx = serverPerFile();
const count = (list: string[], key: string) => list.filter((k) => k === key).length;

function Numbers({ streamKey, to, ms = 0, seen }: { streamKey: string; to?: number; ms?: number; seen?: string[] }) {
  const numbers = useCall("numbers", { key: streamKey, to, ms });
  const text = `${numbers.status}:${numbers.fetchStatus}:${(numbers.data ?? []).map(({ n }) => n).join(",")}`;
  if (seen && seen.at(-1) !== text) seen.push(text);
  return <p>{text}</p>;
}

test("data is the items so far: pending until the first, success and still fetching after it, idle at the end", async () => {
  const client = ctx.connect();
  const seen: string[] = [];
  renderWithChatter(<Numbers streamKey="grow" to={3} ms={40} seen={seen} />, { client });
  expect(await screen.findByText("success:idle:1,2,3")).toBeTruthy();
  expect(seen[0]).toBe("pending:fetching:");
  expect(seen).toContain("success:fetching:1");
  expect(seen).toContain("success:fetching:1,2");
  expect(seen.indexOf("success:fetching:1")).toBeLessThan(seen.indexOf("success:idle:1,2,3"));
  expect(count(ctx.server.streams.finished, "grow")).toBe(1);
});

test("unmounting stops the producer on the server: its signal aborts and its finally runs", async () => {
  const client = ctx.connect();
  const { streams } = ctx.server;
  const view = renderWithChatter(<Numbers streamKey="endless" ms={10} />, { client });
  await screen.findByText(/^success:fetching:1,2,3/);
  expect(streams.finished).not.toContain("endless");
  view.unmount();
  await waitFor(() => expect(streams.finished).toContain("endless"));
  expect(streams.aborted).toContain("endless");
});

test("a new input stops the old stream and starts the new one from its first item", async () => {
  const client = ctx.connect();
  const { streams } = ctx.server;
  const view = renderWithChatter(<Numbers streamKey="first" ms={10} />, { client });
  await screen.findByText(/^success:fetching:1,2/);
  view.rerender(<Numbers streamKey="second" to={2} ms={10} />);
  expect(await screen.findByText("success:idle:1,2")).toBeTruthy();
  await waitFor(() => expect(streams.finished).toContain("first"));
  expect(streams.aborted).toContain("first");
  expect(count(streams.started, "second")).toBe(1);
});

test("a stream's ChatterError lands in error with its code; a plain throw is INTERNAL with no leak", async () => {
  const client = ctx.connect();
  const errors: (ChatterError | null)[] = [];
  function Failing({ code }: { code: "NOT_FOUND" | "INTERNAL" }) {
    const failing = useCall("failStream", { code, before: 2 });
    errors.push(failing.error);
    return <p>{`${code}:${failing.status}:${failing.data?.length ?? 0}`}</p>;
  }
  renderWithChatter(
    <>
      <Failing code="NOT_FOUND" />
      <Failing code="INTERNAL" />
    </>,
    { client },
  );
  await screen.findByText(/^NOT_FOUND:error/);
  await screen.findByText(/^INTERNAL:error/);
  const [notFound, internal] = ["NOT_FOUND", "INTERNAL"].map((code) => errors.find((error) => error?.code === code));
  expect(notFound).toBeInstanceOf(ChatterError);
  expect(notFound?.message).toBe("failed with NOT_FOUND");
  expect(internal).toBeInstanceOf(ChatterError);
  expect(internal?.message).not.toContain("secret");
});

test("reducer and initialValue fold the items instead of collecting them", async () => {
  const client = ctx.connect();
  function Sum() {
    const sum = useCall("numbers", { key: "sum", to: 4 }, { reducer: (total, { n }) => total + n, initialValue: 0 });
    return <p>{`sum ${sum.data}:${sum.fetchStatus}`}</p>;
  }
  renderWithChatter(<Sum />, { client });
  expect(await screen.findByText("sum 10:idle")).toBeTruthy();
});

test("callOptions feeds prefetchQuery and fetchQuery; useCall then reads the prefetched items without streaming again", async () => {
  const client = ctx.connect();
  const { streams } = ctx.server;
  const queryClient = new QueryClient();
  await queryClient.prefetchQuery(callOptions(client, "numbers", { key: "prefetch", to: 3 }));
  expect(queryClient.getQueryData(callKey("numbers", { key: "prefetch", to: 3 }))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  const sum = await queryClient.fetchQuery(callOptions(client, "numbers", { key: "fetch", to: 3 }, { reducer: (total, { n }) => total + n, initialValue: 0 }));
  expect(sum).toBe(6);
  function Prefetched() {
    const numbers = useCall("numbers", { key: "prefetch", to: 3 }, { staleTime: Infinity });
    return <p>{`prefetched ${numbers.data?.length}`}</p>;
  }
  renderWithChatter(<Prefetched />, { client, queryClient });
  expect(await screen.findByText("prefetched 3")).toBeTruthy();
  expect(count(streams.started, "prefetch")).toBe(1);
});
