import { describe, expect, test } from "bun:test";
import { useQueryClient } from "@tanstack/solid-query";
import { ChatterError } from "../core/errors.ts";
import { mount, serverPerTest, until } from "./test/lifecycle.ts";
import { callKey, createCall, createCallMutation } from "./test/typed.ts";

serverPerTest();

describe("createCallMutation", () => {
  test("mutate(input) calls the server; the result is the mutation's data", async () => {
    const { result } = mount(() => createCallMutation("add"));
    expect(result.isIdle).toBe(true);
    result.mutate({ a: 20, b: 22 });
    await until(() => result.isSuccess, 3_000, "the mutation");
    expect(result.data).toBe(42);
    expect(await result.mutateAsync({ a: 1, b: 2 })).toBe(3);
  });

  test("onSuccess can write the result into a call's cache entry", async () => {
    const { result } = mount(() => {
      const queryClient = useQueryClient();
      return {
        echo: createCall("echo", () => ({ text: "a" }), () => ({ staleTime: Infinity })),
        add: createCallMutation("add", () => ({
          onSuccess: (sum) => queryClient.setQueryData(callKey("echo", { text: "a" }), (old) => old && { ...old, calls: sum }),
        })),
      };
    });
    await until(() => result.echo.isSuccess);
    expect(result.echo.data?.calls).toBe(1);
    await result.add.mutateAsync({ a: 40, b: 2 });
    await until(() => result.echo.data?.calls === 42, 1_000, "the cache update");
  });

  test("an error surfaces as a ChatterError", async () => {
    const { result } = mount(() => createCallMutation("fail"));
    result.mutate({ code: "NOT_FOUND" });
    await until(() => result.isError);
    expect(result.error).toBeInstanceOf(ChatterError);
    expect(result.error?.code).toBe("NOT_FOUND");
    const error = await result.mutateAsync({ code: "INTERNAL" }).catch((e: unknown) => e);
    expect((error as ChatterError).code).toBe("INTERNAL");
  });

  test("a procedure that takes no input is mutated with no argument", async () => {
    const { result } = mount(() => createCallMutation("ping"));
    expect(await result.mutateAsync()).toBe("pong");
  });
});
