import { expect, test } from "bun:test";
import { act, screen } from "@testing-library/react";
import { ChatterError } from "@manyducks.co/chatter";
import { hooks } from "./test/hooks.ts";
import { serverPerFile } from "./test/lifecycle.ts";
import { renderWithChatter } from "./test/render.tsx";

const { useCallMutation } = hooks;
const ctx = serverPerFile();

test("mutate calls the server and hands back its result", async () => {
  const client = ctx.connect();
  let post!: ReturnType<typeof useCallMutation<"post">>;
  function Poster() {
    post = useCallMutation("post");
    return <p>{post.data ? `#${post.data.id} ${post.data.text}` : post.status}</p>;
  }
  renderWithChatter(<Poster />, { client });
  await screen.findByText("idle");
  await act(async () => {
    const result = await post.mutateAsync({ text: "first" });
    expect(result.text).toBe("first");
  });
  expect(await screen.findByText("#1 first")).toBeTruthy();
});

test("a procedure with no input is mutated with no argument; onSuccess gets the result", async () => {
  const client = ctx.connect();
  const results: unknown[] = [];
  let ping!: ReturnType<typeof useCallMutation<"ping">>;
  function Pinger() {
    ping = useCallMutation("ping", { onSuccess: (result) => void results.push(result) });
    return <p>{ping.status}</p>;
  }
  renderWithChatter(<Pinger />, { client });
  await act(async () => void (await ping.mutateAsync()));
  expect(results).toEqual(["pong"]);
});

test("a refused input surfaces as a ChatterError with the validator's issues", async () => {
  const client = ctx.connect();
  let post!: ReturnType<typeof useCallMutation<"post">>;
  function Poster() {
    post = useCallMutation("post");
    return <p>{post.error ? `${post.error.code}` : post.status}</p>;
  }
  renderWithChatter(<Poster />, { client });
  act(() => post.mutate({ text: "" }));
  expect(await screen.findByText("BAD_INPUT")).toBeTruthy();
  expect(post.error).toBeInstanceOf(ChatterError);
  expect(post.error?.issues?.[0]?.path).toEqual(["text"]);
});
