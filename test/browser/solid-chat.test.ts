// The Solid web chat next to the React one in headless Chromium: a React page (/) and a
// Solid page (/solid/) in one room see each other's messages, before and after a server restart.
import { expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { bundleCode, chatSuite, hasChromium, messages, names, say, SERVER_ONLY, until } from "./chat.ts";

const chat = chatSuite({
  apps: ["examples/chat/dist/react/index.html", "examples/chat/dist/solid/index.html"],
  ready: "/solid/",
  what: "the Solid browser test",
});

test.skipIf(!hasChromium)(
  "a React page and a Solid page in one room see each other's messages, before and after a server restart",
  async () => {
    const pages = await chat.open(["Ada (React)", "Ryan (Solid)"]);
    const [react, solid] = pages as [Page, Page];

    await chat.join(react, "/", "Ada", "frameworks");
    await chat.join(solid, "/solid/", "Ryan", "frameworks");
    expect(await solid.title()).toBe("Chatter — Solid");
    for (const page of pages) await until(async () => (await names(page)) === "Ada,Ryan");

    await say(react, "Hello from React!");
    await messages(solid).getByText("Hello from React!").waitFor();
    await say(solid, "Hello from Solid, same room, same schema.");
    await messages(react).getByText("same room, same schema").waitFor();
    // A page that joins later sees the room's history.
    await solid.reload();
    await solid.getByRole("button", { name: "Join" }).click();
    await messages(solid).getByText("Hello from React!").waitFor();
    await messages(solid).getByText("same room, same schema").waitFor();
    // `UPDATE_SCREENSHOTS=1 npm test -- browser` refreshes the README's picture; other runs leave docs/ alone.
    if (process.env.UPDATE_SCREENSHOTS) await solid.screenshot({ path: "docs/chat-solid.png" });
    else expect((await solid.screenshot()).byteLength).toBeGreaterThan(10_000);

    await chat.restart(pages);
    for (const page of pages) await until(async () => (await names(page)) === "Ada,Ryan");

    await say(solid, "Solid reconnected and rejoined.");
    await messages(react).getByText("Solid reconnected and rejoined.").waitFor();
    await say(react, "So did React.");
    await messages(solid).getByText("So did React.").waitFor();
    expect(chat.errors).toEqual([]);
  },
  120_000,
);

test("the Solid bundle carries the client but no server code, and no React", () => {
  const code = bundleCode("examples/chat/dist/solid/assets");
  expect(code).toContain("/ws"); // the client is there
  for (const server of SERVER_ONLY) expect(code).not.toContain(server);
  for (const react of ["useSyncExternalStore", "__reactFiber", "react-dom"]) expect(code).not.toContain(react);
});
