import { expect, test } from "bun:test";
import { act, screen } from "@testing-library/react";
import { useState } from "react";
import { ChatterError } from "@manyducks.co/chatter";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useProcedure, useCall } = hooks;
const ctx = serverPerFile();

/** Waits until the client is connected (a call has answered), so the server sees it. */
function Ready() {
  return <p>{useCall("ping", undefined).data === "pong" ? "ready" : "waiting"}</p>;
}

function Inbox({ label = "inbox" }: { label?: string }) {
  const [last, setLast] = useState("nothing");
  useProcedure("notify", ({ text }) => {
    setLast(text);
    return `${label} got ${text}`;
  });
  return <p>{`${label}: ${last}`}</p>;
}

async function notify(text: string) {
  let answer: unknown;
  await act(async () => {
    answer = await ctx.server.connection().call("notify", { text }).catch((error: unknown) => error);
  });
  return answer;
}

test("a server push reaches the component's handler and its answer goes back", async () => {
  const client = ctx.connect();
  renderWithChatter(
    <>
      <Ready />
      <Inbox />
    </>,
    { client },
  );
  await screen.findByText("ready");
  expect(await notify("hi")).toBe("inbox got hi");
  expect(await screen.findByText("inbox: hi")).toBeTruthy();
});

test("the latest handler answers, without registering again", async () => {
  const client = ctx.connect();
  let registrations = 0;
  const implement = client.implement;
  client.implement = (name, handler) => {
    registrations++;
    return implement(name, handler);
  };
  function Named({ name }: { name: string }) {
    useProcedure("notify", ({ text }) => `${name}: ${text}`);
    return <Ready />;
  }
  const view = renderWithChatter(<Named name="first" />, { client });
  await screen.findByText("ready");
  expect(await notify("a")).toBe("first: a");
  view.rerender(<Named name="second" />);
  expect(await notify("b")).toBe("second: b");
  expect(registrations).toBe(1);
});

test("after unmount the server's call gets NOT_FOUND", async () => {
  const client = ctx.connect();
  function App({ inbox }: { inbox: boolean }) {
    return (
      <>
        <Ready />
        {inbox && <Inbox />}
      </>
    );
  }
  const view = renderWithChatter(<App inbox />, { client });
  await screen.findByText("ready");
  expect(await notify("before")).toBe("inbox got before");
  view.rerender(<App inbox={false} />);
  const error = await notify("after");
  expect(error).toBeInstanceOf(ChatterError);
  expect((error as ChatterError).code).toBe("NOT_FOUND");
});

test("StrictMode's double mount leaves one registration, removed on unmount", async () => {
  const client = ctx.connect();
  let calls = 0;
  function Counted() {
    useProcedure("notify", ({ text }) => {
      calls++;
      return text;
    });
    return null;
  }
  function App({ mounted }: { mounted: boolean }) {
    return (
      <>
        <Ready />
        {mounted && <Counted />}
      </>
    );
  }
  const view = renderWithChatter(<App mounted />, { client, strict: true });
  await screen.findByText("ready");
  expect(await notify("once")).toBe("once");
  expect(calls).toBe(1);
  view.rerender(<App mounted={false} />);
  expect(((await notify("gone")) as ChatterError).code).toBe("NOT_FOUND");
});

test("two components implementing one procedure: the last mounted answers, the earlier one again after it unmounts", async () => {
  const client = ctx.connect();
  function App({ first, second }: { first: boolean; second: boolean }) {
    return (
      <>
        <Ready />
        {first && <Inbox label="first" />}
        {second && <Inbox label="second" />}
      </>
    );
  }
  const view = renderWithChatter(<App first second={false} />, { client });
  await screen.findByText("ready");
  expect(await notify("1")).toBe("first got 1");
  view.rerender(<App first second />);
  expect(await notify("2")).toBe("second got 2");
  view.rerender(<App first second={false} />);
  expect(await notify("3")).toBe("first got 3");
  view.rerender(<App first={false} second={false} />);
  expect(((await notify("4")) as ChatterError).code).toBe("NOT_FOUND");
});

test("the handler receives the server's signal, aborted when the server gives up", async () => {
  const client = ctx.connect();
  let aborted = false;
  function Slow() {
    useProcedure("notify", (_input, { signal }) => {
      return new Promise<string>((resolve) => {
        signal.addEventListener("abort", () => {
          aborted = true;
          resolve("late");
        });
      });
    });
    return <Ready />;
  }
  renderWithChatter(<Slow />, { client });
  await screen.findByText("ready");
  let error: unknown;
  await act(async () => {
    error = await ctx.server.connection().call("notify", { text: "slow" }, { timeout: 50 }).catch((e: unknown) => e);
  });
  expect((error as ChatterError).code).toBe("TIMEOUT");
  await act(() => Bun.sleep(50));
  expect(aborted).toBe(true);
});
