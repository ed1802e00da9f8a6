import { expect, test } from "bun:test";
import { skipToken } from "@tanstack/react-query";
import { act, screen, waitFor } from "@testing-library/react";
import { ChatterError } from "@manyducks.co/chatter";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useCall, useConnectionStatus } = hooks;
const ctx = serverPerFile();

function Greeting({ name }: { name: string }) {
  const greeting = useCall("greet", { name });
  return <p>{greeting.data ?? "loading"}</p>;
}

test("data arrives from the server", async () => {
  const client = ctx.connect();
  renderWithChatter(<Greeting name="ada" />, { client });
  expect(await screen.findByText("hello ada")).toBeTruthy();
});

test("a changed input refetches under its own key", async () => {
  const client = ctx.connect();
  const view = renderWithChatter(<Greeting name="ada" />, { client });
  await screen.findByText("hello ada");
  view.rerender(<Greeting name="grace" />);
  expect(await screen.findByText("hello grace")).toBeTruthy();
  expect(view.queryClient.getQueryData(hooks.callKey("greet", { name: "ada" }))).toBe("hello ada");
});

test("equal inputs share one call", async () => {
  const client = ctx.connect();
  function Count({ label }: { label: string }) {
    const count = useCall("count", { key: "shared" }, { staleTime: Infinity });
    return <p>{`${label}:${count.data ?? "-"}`}</p>;
  }
  renderWithChatter(
    <>
      <Count label="a" />
      <Count label="b" />
    </>,
    { client },
  );
  await screen.findByText("a:1");
  await screen.findByText("b:1");
  expect(ctx.server.counts.get("shared")).toBe(1);
});

test("select and the usual query options apply", async () => {
  const client = ctx.connect();
  function Shout() {
    const shout = useCall("greet", { name: "ada" }, { select: (text) => text.toUpperCase() });
    return <p>{shout.data ?? "loading"}</p>;
  }
  renderWithChatter(<Shout />, { client });
  expect(await screen.findByText("HELLO ADA")).toBeTruthy();
});

test("skipToken and enabled: false call nothing until the input is ready", async () => {
  const client = ctx.connect();
  function Maybe({ keyName }: { keyName?: string }) {
    const skipped = useCall("count", keyName ? { key: keyName } : skipToken);
    const disabled = useCall("count", { key: "disabled" }, { enabled: false });
    return <p>{`${skipped.fetchStatus}:${skipped.data ?? "-"}:${disabled.fetchStatus}`}</p>;
  }
  const view = renderWithChatter(<Maybe />, { client });
  await screen.findByText("idle:-:idle");
  await Bun.sleep(50);
  expect(ctx.server.counts.has("disabled")).toBe(false);
  view.rerender(<Maybe keyName="ready" />);
  expect(await screen.findByText("idle:1:idle")).toBeTruthy();
  expect(ctx.server.counts.has("disabled")).toBe(false);
});

test("errors surface as a ChatterError in the query's error", async () => {
  const client = ctx.connect();
  let error: unknown;
  function Failing() {
    const failing = useCall("fail", { code: "NOT_FOUND" });
    error = failing.error;
    return <p>{failing.status}</p>;
  }
  renderWithChatter(<Failing />, { client });
  await screen.findByText("error");
  expect(error).toBeInstanceOf(ChatterError);
  expect((error as ChatterError).code).toBe("NOT_FOUND");
  expect((error as ChatterError).message).toBe("failed with NOT_FOUND");
});

test("unmounting cancels the call on the server (its procedure's signal aborts)", async () => {
  const client = ctx.connect();
  const { seen } = ctx.server;
  const [started, aborted] = [seen.started, seen.aborted.length];
  function Slow() {
    const slow = useCall("slow", { ms: 5_000 });
    return <p>{slow.fetchStatus}</p>;
  }
  const view = renderWithChatter(<Slow />, { client });
  await waitFor(() => expect(seen.started).toBe(started + 1));
  expect(seen.aborted.length).toBe(aborted);
  view.unmount();
  await waitFor(() => expect(seen.aborted.length).toBe(aborted + 1));
});

test("after a reconnect the active queries refetch", async () => {
  const client = ctx.connect();
  const seen: string[] = [];
  function Live() {
    const count = useCall("count", { key: "reconnect" }, { staleTime: Infinity });
    const status = useConnectionStatus();
    if (seen.at(-1) !== status) seen.push(status);
    return <p>{`${status}:${count.data ?? "-"}`}</p>;
  }
  renderWithChatter(<Live />, { client });
  await screen.findByText("open:1");
  await act(() => ctx.server.restart());
  expect(await screen.findByText("open:2", undefined, { timeout: 3_000 })).toBeTruthy();
  expect(seen).toContain("reconnecting");
  expect(ctx.server.counts.get("reconnect")).toBe(2);
});
