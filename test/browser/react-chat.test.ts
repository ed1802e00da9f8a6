// The React web chat in headless Chromium: two people chat in one room, the server restarts, they go on
// (with the history they had).
import { expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { bundleCode, chatSuite, hasChromium, messages, names, say, SERVER_ONLY, until } from "./chat.ts";

const chat = chatSuite({ apps: ["examples/chat/dist/react/index.html"], ready: "/", what: "browser tests" });

test.skipIf(!hasChromium)(
  "two pages chat in one room, and keep chatting (and their history) after the server restarts",
  async () => {
    const pages = await chat.open(["Ada", "Grace"]);
    const [ada, grace] = pages as [Page, Page];

    await chat.join(ada, "/", "Ada", "general");
    await chat.join(grace, "/", "Grace", "general");
    await until(async () => (await names(ada)) === "Ada,Grace");
    await until(async () => (await names(grace)) === "Ada,Grace");

    await say(ada, "Hi Grace! Did the build go green?");
    await messages(grace).getByText("Did the build go green?").waitFor();
    await say(grace, "All green. The React hooks refetch after a reconnect now.");
    await messages(ada).getByText("refetch after a reconnect").waitFor();
    await say(ada, "Nice. Let's restart the server and see.");
    await messages(grace).getByText("restart the server").waitFor();
    await say(grace, "Go ahead, I am watching the status badge.");
    await messages(ada).getByText("Go ahead").waitFor();
    // `UPDATE_SCREENSHOTS=1 npm test -- browser` refreshes the README's picture; other runs leave docs/ alone.
    if (process.env.UPDATE_SCREENSHOTS) await ada.screenshot({ path: "docs/chat.png" });
    else expect((await ada.screenshot()).byteLength).toBeGreaterThan(10_000);

    await chat.restart(pages);
    // Both rejoined the room on the new server, and the history outlived it (bun:sqlite).
    for (const page of pages) await until(async () => (await names(page)) === "Ada,Grace");
    await grace.reload();
    await grace.getByRole("button", { name: "Join" }).click();
    await messages(grace).getByText("Did the build go green?").waitFor();
    await messages(grace).getByText("I am watching the status badge").waitFor();

    await say(ada, "Still there after the restart?");
    await messages(grace).getByText("Still there after the restart?").waitFor();
    await say(grace, "Yes, reconnected on my own.");
    await messages(ada).getByText("reconnected on my own").waitFor();
    expect(chat.errors).toEqual([]);
  },
  120_000,
);

test("the web bundle carries the client but no server code", () => {
  const code = bundleCode("examples/chat/dist/react/assets");
  expect(code).toContain("/ws"); // the client is there
  for (const server of SERVER_ONLY) expect(code).not.toContain(server);
});
