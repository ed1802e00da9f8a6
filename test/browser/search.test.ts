// Searching a room's history in both web apps (React at /, Solid at /solid/): the matches stream
// into a list that takes the messages' place, and closing the search brings the messages back.
import { expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { chatSuite, hasChromium, messages, say } from "./chat.ts";

const chat = chatSuite({
  apps: ["examples/chat/dist/react/index.html", "examples/chat/dist/solid/index.html"],
  ready: "/solid/",
  what: "the chat's search browser test",
});

const results = (page: Page) => page.getByRole("list", { name: "Search results" });
const box = (page: Page) => page.getByRole("searchbox", { name: "Search messages" });

test.skipIf(!hasChromium)(
  "a React page and a Solid page search one room's history and see the matches from both; closing the search brings the messages back",
  async () => {
    const [react, solid] = (await chat.open(["Ada (React)", "Ryan (Solid)"])) as [Page, Page];
    await chat.join(react, "/", "Ada", "search");
    await chat.join(solid, "/solid/", "Ryan", "search");
    await say(react, "Is the build green yet?");
    await messages(solid).getByText("Is the build green yet?").waitFor();
    await say(solid, "Lunch at noon?");
    await messages(react).getByText("Lunch at noon?").waitFor();
    await say(solid, "All GREEN, ship it");
    await messages(react).getByText("All GREEN, ship it").waitFor();

    for (const page of [react, solid]) {
      await box(page).fill("green");
      await page.getByRole("status").getByText("2 matches for “green”").waitFor();
      // Newest first; the room's message log is replaced by the results while searching.
      expect(await results(page).getByRole("listitem").allInnerTexts()).toEqual([
        expect.stringContaining("All GREEN, ship it"),
        expect.stringContaining("Is the build green yet?"),
      ]);
      expect(await messages(page).count()).toBe(0);

      await box(page).fill("tea");
      await page.getByText("No messages match “tea”").waitFor();
      expect(await results(page).getByRole("listitem").count()).toBe(0);

      await page.getByRole("button", { name: "Close" }).click();
      await results(page).waitFor({ state: "detached" });
      await messages(page).getByText("Lunch at noon?").waitFor();
      expect(await box(page).inputValue()).toBe("");
    }

    // Escape clears the box too.
    await box(react).fill("noon");
    await results(react).getByText("Lunch at noon?").waitFor();
    await box(react).press("Escape");
    await results(react).waitFor({ state: "detached" });
    expect(chat.errors).toEqual([]);
  },
  60_000,
);
