import { describe, expect, test } from "bun:test";
import { createRoot, createSignal } from "solid-js";
import { ChatterError } from "../core/errors.ts";
import { ctx, mount, serverPerTest, until } from "./test/lifecycle.ts";
import { createCall, createProcedure } from "./test/typed.ts";

serverPerTest();

describe("createProcedure", () => {
  test("the server's call reaches the registered handler and gets its result", async () => {
    const questions: string[] = [];
    mount(() =>
      createProcedure("confirm", ({ question }) => {
        questions.push(question);
        return question === "ready?";
      }),
    );
    const { result } = mount(() => createCall("ping"));
    await until(() => result.isSuccess, 3_000, "the connection");
    expect(await ctx.server.connection().call("confirm", { question: "ready?" })).toBe(true);
    expect(questions).toEqual(["ready?"]);
  });

  test("a message published to a topic reaches the handler", async () => {
    const heard: number[] = [];
    mount(() => createProcedure("tick", ({ n }) => void heard.push(n)));
    await ctx.client.call("join", { topic: "room" });
    ctx.server.chatter.publish("room", "tick", { n: 7 });
    await until(() => heard.length === 1, 3_000, "the published message");
    expect(heard).toEqual([7]);
  });

  test("after cleanup, the server's call gets NOT_FOUND", async () => {
    const { cleanup } = mount(() => createProcedure("confirm", () => true));
    await ctx.client.call("ping");
    expect(await ctx.server.connection().call("confirm", { question: "?" })).toBe(true);
    cleanup();
    const error = await ctx.server.connection().call("confirm", { question: "?" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatterError);
    expect((error as ChatterError).code).toBe("NOT_FOUND");
  });

  test("the handler reads signals when called, so it always sees their latest values", async () => {
    const [answer, setAnswer] = createSignal(false);
    mount(() => createProcedure("confirm", () => answer()));
    await ctx.client.call("ping");
    expect(await ctx.server.connection().call("confirm", { question: "?" })).toBe(false);
    setAnswer(true);
    expect(await ctx.server.connection().call("confirm", { question: "?" })).toBe(true);
  });

  test("the latest registration answers; cleaning it up brings back the one before", async () => {
    mount(() => createProcedure("confirm", () => false));
    const inner = mount(() => createProcedure("confirm", () => true));
    await ctx.client.call("ping");
    expect(await ctx.server.connection().call("confirm", { question: "?" })).toBe(true);
    inner.cleanup();
    expect(await ctx.server.connection().call("confirm", { question: "?" })).toBe(false);
  });

  test("the server procedure's signal reaches the handler: the server cancelling aborts it", async () => {
    let aborted: unknown;
    mount(() =>
      createProcedure(
        "confirm",
        (_input, { signal }) =>
          new Promise<boolean>((resolve) => {
            signal.addEventListener("abort", () => {
              aborted = signal.reason;
              resolve(false);
            });
          }),
      ),
    );
    await ctx.client.call("ping");
    const call = ctx.server.connection().call("confirm", { question: "?" }, { timeout: 30 }).catch((e: unknown) => e);
    expect(((await call) as ChatterError).code).toBe("TIMEOUT");
    await until(() => aborted !== undefined, 3_000, "the handler's signal to abort");
  });

  test("outside a component it says what is wrong", () => {
    expect(() => createProcedure("confirm", () => true)).toThrow(/while a component \(or createRoot\) runs/);
    createRoot((dispose) => {
      expect(() => createProcedure("confirm", () => true)).toThrow("No Chatter client set, use ChatterProvider to set one");
      dispose();
    });
  });
});
