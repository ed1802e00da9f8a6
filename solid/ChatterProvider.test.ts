import { describe, expect, test } from "bun:test";
import { QueryClient } from "@tanstack/solid-query";
import { renderHook } from "@solidjs/testing-library";
import { createComponent, createRoot } from "solid-js";
import { ChatterProvider } from "./ChatterProvider.ts";
import { ctx, mount, serverPerTest, until } from "./test/lifecycle.ts";
import { createCall, createConnectionStatus, useChatter } from "./test/typed.ts";

serverPerTest();

describe("ChatterProvider and useChatter", () => {
  test("useChatter returns the provider's client", () => {
    const { result } = mount(() => useChatter());
    expect(result).toBe(ctx.client);
  });

  test("useChatter without a provider says how to fix it", () => {
    createRoot((dispose) => {
      expect(() => useChatter()).toThrow("No Chatter client set, use ChatterProvider to set one");
      dispose();
    });
  });

  test("the provider outside QueryClientProvider says how to fix it", () => {
    expect(() => renderHook(() => createComponent(ChatterProvider, { client: ctx.client }))).toThrow(
      "No QueryClient set: put ChatterProvider inside QueryClientProvider (or pass it queryClient)",
    );
  });

  test("the provider without a client says how to fix it", () => {
    expect(() => renderHook(() => createComponent(ChatterProvider, { client: undefined as never, queryClient: new QueryClient() }))).toThrow(
      /ChatterProvider: pass the client/,
    );
  });
});

describe("reconnects", () => {
  test("active calls refetch after the server restarts, and the status signal follows the connection", async () => {
    const { result } = mount(() => ({
      status: createConnectionStatus(),
      echo: createCall("echo", () => ({ text: "x" }), () => ({ staleTime: Infinity })),
    }));
    await until(() => result.echo.isSuccess, 3_000, "the first result");
    expect(result.status()).toBe("open");
    expect(result.echo.data?.calls).toBe(1);

    const seen: string[] = [];
    const off = ctx.client.onStatus((status) => seen.push(status));
    await ctx.server.restart();
    await until(() => result.echo.data?.calls === 2, 5_000, "the refetch after the reconnect");
    off();
    expect(seen).toContain("reconnecting");
    expect(result.status()).toBe("open");
  });

  test("the status signal starts at the client's status and ends closed", async () => {
    const { result } = mount(() => createConnectionStatus());
    expect(["connecting", "open"]).toContain(result());
    await until(() => result() === "open", 3_000, "open");
    ctx.client.close();
    expect(result()).toBe("closed");
  });

  test("a call with no owner left is not refetched after a reconnect", async () => {
    const { result, cleanup } = mount(() => createCall("echo", () => ({ text: "gone" }), () => ({ staleTime: Infinity })));
    await until(() => result.isSuccess);
    cleanup();
    await ctx.server.restart();
    await until(() => ctx.client.status === "open", 5_000, "the reconnect");
    await Bun.sleep(50);
    expect(ctx.server.seen.calls).toBe(1);
  });
});
