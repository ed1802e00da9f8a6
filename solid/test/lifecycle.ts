// One server and one client per test, and whatever a test mounts, cleaned up after it.
import { afterEach, beforeEach } from "bun:test";
import type { QueryClient } from "@tanstack/solid-query";
import { connect, render, startServer } from "./server.ts";

export const ctx = {} as { server: ReturnType<typeof startServer>; client: ReturnType<typeof connect> };
const cleanups: (() => unknown)[] = [];

/** Call at the top of a test file: a server and a client per test (a module's hooks bind to the first file that imports it). */
export function serverPerTest(): void {
  beforeEach(() => {
    ctx.server = startServer();
    ctx.client = connect(ctx.server.url);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    ctx.client.close();
    await ctx.server.stop();
  });
}

/** Renders `primitive` under the providers, cleaned up after the test. */
export function mount<R>(primitive: () => R, queryClient?: QueryClient) {
  const mounted = render(ctx.client, primitive, queryClient);
  cleanups.push(mounted.cleanup, () => mounted.queryClient.clear());
  return mounted;
}
