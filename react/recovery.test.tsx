// The provider and a server with `recovery`: a recovered reconnect refetches nothing (the
// server replayed what was missed), a failed one refetches the active queries.
import { afterEach, expect, test } from "bun:test";
import { within } from "@testing-library/react";
import { connect, startAdapterServer, until, type AdapterServer } from "../test/fixtures/adapterServer.ts";
import { dropProxy } from "../test/rpc/fixtures/proxy.ts";
import { hooks } from "./test/hooks.ts";
import { renderWithChatter } from "./test/render.tsx";

let server: AdapterServer | undefined;
afterEach(async () => void (await server?.stop()));

function Count() {
  const count = hooks.useCall("count", { key: "live" }, { staleTime: Infinity });
  return <p>{`count:${count.data ?? "-"}`}</p>;
}

/** Drops the client's connection for `ms`, then lets it back in and waits for it to open. */
async function drop(proxy: ReturnType<typeof dropProxy>, client: ReturnType<typeof connect>, ms: number) {
  proxy.cut();
  await until(() => server!.chatter.clients.size === 0, 2_000, "the server to see the drop");
  await Bun.sleep(ms);
  proxy.heal();
  await until(() => client.status === "open", 3_000, "the reopen");
}

test("a recovered reconnect does not refetch the active queries", async () => {
  server = startAdapterServer({ recovery: { window: 5_000 } });
  const proxy = dropProxy(Number(new URL(server.url).port));
  const client = connect(proxy.url);
  const view = within(renderWithChatter(<Count />, { client }).container); // this test's own tree only
  await view.findByText("count:1");
  await drop(proxy, client, 50);
  expect(client.recovered).toBe(true);
  // A refetch would have been sent at the open, before this marker.
  expect(await client.call("count", { key: "marker" })).toBe(1);
  expect(server.counts.get("live")).toBe(1);
  client.close();
});

test("a reconnect that could not recover refetches them", async () => {
  server = startAdapterServer({ recovery: { window: 50 } });
  const proxy = dropProxy(Number(new URL(server.url).port));
  const client = connect(proxy.url);
  const view = within(renderWithChatter(<Count />, { client }).container);
  await view.findByText("count:1");
  await drop(proxy, client, 200);
  expect(client.recovered).toBe(false);
  expect(await view.findByText("count:2", undefined, { timeout: 3_000 })).toBeTruthy();
  client.close();
});
