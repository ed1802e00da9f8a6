import { expect, spyOn, test } from "bun:test";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useCall, useConnectionStatus } = hooks;
const ctx = serverPerFile();

test("a hook outside ChatterProvider says how to fix it", () => {
  const quiet = spyOn(console, "error").mockImplementation(() => {});
  function Lost() {
    useCall("greet", { name: "x" });
    return null;
  }
  expect(() =>
    render(
      <QueryClientProvider client={new QueryClient()}>
        <Lost />
      </QueryClientProvider>,
    ),
  ).toThrow("No Chatter client set, use ChatterProvider to set one");
  quiet.mockRestore();
});

test("useConnectionStatus follows the client: connecting, open, reconnecting, open, closed", async () => {
  const client = ctx.connect();
  const seen: string[] = [];
  function Status() {
    const status = useConnectionStatus();
    if (seen.at(-1) !== status) seen.push(status);
    return <p>{status}</p>;
  }
  renderWithChatter(<Status />, { client });
  await screen.findByText("open");
  await act(() => ctx.server.restart());
  await screen.findByText("open", undefined, { timeout: 3_000 });
  act(() => client.close());
  await screen.findByText("closed");
  expect(seen).toEqual(["connecting", "open", "reconnecting", "open", "closed"]);
});
