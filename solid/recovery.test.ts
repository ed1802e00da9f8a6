// The provider and a server with `recovery`: a recovered reconnect refetches nothing (the
// server replayed what was missed), a failed one refetches the active calls.
import { afterEach, expect, test } from "bun:test";
import { connect, startAdapterServer, until, type AdapterServer } from "../test/fixtures/adapterServer.ts";
import { dropProxy } from "../test/rpc/fixtures/proxy.ts";
import { render } from "./test/render.ts";
import { createCall } from "./test/typed.ts";

let server: AdapterServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.stop();
});

/** A client through a proxy the test cuts, with `count` mounted under the providers. */
function mounted(window: number) {
  server = startAdapterServer({ recovery: { window } });
  const proxy = dropProxy(Number(new URL(server.url).port));
  const client = connect(proxy.url);
  const { result, cleanup } = render(client, () => createCall("count", () => ({ key: "live" }), () => ({ staleTime: Infinity })));
  cleanups.push(cleanup, () => client.close());
  return { proxy, client, result };
}

async function drop({ proxy, client }: ReturnType<typeof mounted>, ms: number) {
  proxy.cut();
  await until(() => server!.chatter.clients.size === 0, 2_000, "the server to see the drop");
  await Bun.sleep(ms);
  proxy.heal();
  await until(() => client.status === "open", 3_000, "the reopen");
}

test("a recovered reconnect does not refetch the active calls", async () => {
  const live = mounted(5_000);
  await until(() => live.result.data === 1, 3_000, "the first result");
  await drop(live, 50);
  expect(live.client.recovered).toBe(true);
  // A refetch would have been sent at the open, before this marker.
  expect(await live.client.call("count", { key: "marker" })).toBe(1);
  expect(server!.counts.get("live")).toBe(1);
});

test("a reconnect that could not recover refetches them", async () => {
  const live = mounted(50);
  await until(() => live.result.data === 1, 3_000, "the first result");
  await drop(live, 200);
  expect(live.client.recovered).toBe(false);
  await until(() => live.result.data === 2, 3_000, "the refetch");
});
