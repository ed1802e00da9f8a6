// One server and one client per test, and whatever a test mounts, cleaned up after it.
import { afterEach, beforeEach } from "bun:test";
import { connect, startAdapterServer, type AdapterClient, type AdapterServer } from "../../test/fixtures/adapterServer.ts";
import { render, type RenderOptions } from "./render.ts";

export { until } from "../../test/fixtures/adapterServer.ts";

export const ctx = {} as { server: AdapterServer; client: AdapterClient };
const cleanups: (() => unknown)[] = [];

/** Call at the top of a test file: a server and a client per test (a module's hooks bind to the first file that imports it). */
export function serverPerTest(): void {
  beforeEach(() => {
    ctx.server = startAdapterServer();
    ctx.client = connect(ctx.server.url);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    ctx.client.close();
    await ctx.server.stop();
  });
}

/** Renders `primitive` under the providers (of `ctx.client`, or `options.client`), cleaned up after the test. */
export function mount<R>(primitive: () => R, options: RenderOptions & { client?: AdapterClient } = {}) {
  const { client = ctx.client, ...rest } = options;
  const mounted = render(client, primitive, rest);
  cleanups.push(mounted.cleanup, () => mounted.queryClient.clear());
  return mounted;
}

/** Another client of the test's server, closed after the test. */
export function connectAnother(): AdapterClient {
  const client = connect(ctx.server.url);
  cleanups.push(() => client.close());
  return client;
}
