// Public behaviour of the connection that had no test: giving up after `maxAttempts`,
// coming back after `server.close()`, `isSubscribed` and `remoteAddress`.
import { expect, test } from "bun:test";
import type { ClientStatus } from "../../client/types.ts";
import { connect, defer, listen, rejection, serve, until } from "./fixtures/harness.ts";
import { testApp } from "./fixtures/app.ts";
import { createServer } from "../../server/index.ts";

test("reconnect.maxAttempts: the client gives up after that many failed attempts in a row (status closed)", async () => {
  const app = testApp();
  const { bun, url } = serve(app);
  const statuses: ClientStatus[] = [];
  const client = connect({ url, schema: app.schema, reconnect: { initialDelay: 10, maxDelay: 20, maxAttempts: 3 } });
  client.onStatus((status) => statuses.push(status));
  await until(() => client.status === "open");
  const port = bun.port!;
  await bun.stop(true);
  // A TCP listener that counts the attempts and hangs each one up: every attempt fails.
  let attempts = 0;
  const refuser = Bun.listen({ hostname: "127.0.0.1", port, socket: { open: (socket) => void (attempts++, socket.end()), data() {} } });
  defer(() => refuser.stop(true));
  await until(() => client.status === "closed", 3_000, "giving up");
  expect(attempts).toBe(3);
  // One drop, then three attempts that fail: reconnecting once, then closed, never open again.
  expect(statuses).toEqual(["open", "reconnecting", "closed"]);
  expect((await rejection(client.call("ping"))).code).toBe("DISCONNECTED");
});

test("after server.close() (1001) the client reconnects to the next server on the port", async () => {
  const app = testApp();
  const first = createServer(app);
  const bun = listen(first);
  const port = bun.port!;
  const opens: number[] = [];
  const client = connect({ url: `ws://127.0.0.1:${port}`, schema: app.schema, reconnect: { initialDelay: 10, maxDelay: 20 }, onOpen: () => void opens.push(Date.now()) });
  expect(await client.call("add", { a: 1, b: 2 })).toBe(3);
  first.close();
  await until(() => client.status === "reconnecting", 2_000, "the 1001 close");
  await bun.stop(true);
  const second = serve(app, port);
  await until(() => client.status === "open" && second.chatter.clients.size === 1, 3_000, "the reconnect");
  expect(await client.call("add", { a: 2, b: 2 })).toBe(4);
  expect(opens).toHaveLength(2);
});

test("isSubscribed follows subscribe and unsubscribe; remoteAddress is the peer's address", async () => {
  const app = testApp();
  const { chatter, url } = serve(app);
  const client = connect({ url, schema: app.schema });
  await client.call("join", { topic: "news" });
  const [connection] = chatter.clients.values();
  expect(connection!.isSubscribed("news")).toBe(true);
  expect(connection!.isSubscribed("sport")).toBe(false);
  expect(connection!.remoteAddress).toBe("127.0.0.1");
  await client.call("leave", { topic: "news" });
  expect(connection!.isSubscribed("news")).toBe(false);
});

test("a url function is called on every attempt: the client fails over to the server it names", async () => {
  const app = testApp();
  const first = serve(app);
  const second = serve(app);
  let target = first.url;
  const asked: string[] = [];
  const client = connect({ url: () => (asked.push(target), target), schema: app.schema, reconnect: { initialDelay: 10, maxDelay: 20 } });
  expect(await client.call("ping")).toBe("pong");
  target = second.url;
  await first.bun.stop(true);
  await until(() => second.chatter.clients.size === 1, 3_000, "the fail-over");
  expect(await client.call("ping")).toBe("pong");
  expect(asked[0]).toBe(first.url);
  expect(asked.at(-1)).toBe(second.url);
});
