// What a person sees when things are not fine, in both web apps (React at /, Solid at /solid/):
// offline sends, limits, a taken name, joining while the server is down, a 380 px screen.
import { afterEach, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { chatSuite, hasChromium, messages, names, say, until } from "./chat.ts";

const chat = chatSuite({
  apps: ["examples/chat/dist/react/index.html", "examples/chat/dist/solid/index.html"],
  ready: "/solid/",
  what: "the chat's UX browser tests",
});
const APPS = [
  { app: "React", path: "/" },
  { app: "Solid", path: "/solid/" },
];
const browserTest = test.skipIf(!hasChromium);
const opened: Page[] = [];
afterEach(async () => {
  for (const page of opened.splice(0)) await page.context().close();
  await chat.ensureRunning();
});
async function open(names: string[], size?: { width: number; height: number }) {
  const pages = await chat.open(names, size);
  opened.push(...pages);
  return pages;
}
const badge = (page: Page) => page.getByRole("status").and(page.locator("[data-status]"));

for (const { app, path } of APPS) {
  browserTest(
    `${app}: a message sent offline says it is queued, the badge says reconnecting loudly, and the message goes once the connection is back`,
    async () => {
      const [ada, bob] = (await open([`Ada (${app})`, `Bob (${app})`])) as [Page, Page];
      const room = `queue-${app}`.toLowerCase();
      await chat.join(ada, path, "Ada", room);
      await chat.join(bob, path, "Bob", room);
      const calm = await badge(ada).evaluate((el) => getComputedStyle(el).backgroundColor);
      await chat.stop([ada, bob]);
      expect(await badge(ada).evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(calm);

      await say(ada, "sent while the server was down");
      await ada.getByText("Queued: it goes out when the connection is back").waitFor();
      await ada.getByRole("button", { name: "Queued" }).waitFor();
      await chat.start([ada, bob]);
      await messages(ada).getByText("sent while the server was down").waitFor();
      await ada.getByText("Queued: it goes out").waitFor({ state: "detached" });
      await messages(bob).getByText("sent while the server was down").waitFor(); // pushed, or in the history refetched after the reconnect
      expect(chat.errors).toEqual([]);
    },
    60_000,
  );

  browserTest(`${app}: a long paste and a long name are said, not cut`, async () => {
    const [page] = (await open([`Long (${app})`])) as [Page];
    await chat.load(page, path);
    await page.getByLabel("Your name").fill("x".repeat(30));
    await page.getByText("Names are at most 24 characters (this one is 30)").waitFor();
    expect(await page.getByLabel("Your name").inputValue()).toHaveLength(30);
    expect(await page.getByRole("button", { name: "Join" }).isDisabled()).toBe(true);

    await chat.join(page, path, "Paster", `limits-${app}`.toLowerCase(), { load: false });
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("y".repeat(5_000));
    await page.getByRole("alert").getByText("Messages are at most 2,000 characters (this one is 5,000)").waitFor();
    expect(await box.inputValue()).toHaveLength(5_000);
    expect(await page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await box.fill("y".repeat(2_000));
    await page.getByRole("alert").waitFor({ state: "detached" });
    await box.press("Enter");
    await messages(page).getByText("y".repeat(2_000)).waitFor();
  }, 30_000);

  browserTest(`${app}: a name someone has in the room is refused in words, and the form comes back`, async () => {
    const [first, second] = (await open([`Ada (${app})`, `Impostor (${app})`])) as [Page, Page];
    const room = `names-${app}`.toLowerCase();
    await chat.join(first, path, "Ada", room);
    await chat.join(second, path, "ada\u200b", room);
    await second.getByRole("alert").getByText(`The name "Ada" is taken in #${room}: pick another`).waitFor();
    await second.getByLabel("Your name").waitFor(); // the join form again
    expect(await names(first)).toBe("Ada");
  }, 30_000);

  browserTest(
    `${app}: a page that joins while the server is down says it waits, then shows the history`,
    async () => {
      const [early, late] = (await open([`Early (${app})`, `Late (${app})`])) as [Page, Page];
      const room = `down-${app}`.toLowerCase();
      await chat.join(early, path, "Early", room);
      await say(early, "said before the outage");
      await messages(early).getByText("said before the outage").waitFor();
      await chat.load(late, path);
      await chat.stop([early, late]);
      await chat.join(late, path, "Late", room, { load: false, connected: false });
      await messages(late).getByText("Waiting for the server… the history loads once connected").waitFor();
      await chat.start([early, late]);
      await messages(late).getByText("said before the outage").waitFor();
      await until(async () => (await names(late)) === "Early,Late");
    },
    60_000,
  );

  browserTest(`${app}: at 380 px the room's name is whole, every member shows, nothing scrolls sideways`, async () => {
    const people = ["Ada", "Grace", "Linus", "Margaret", "Ken"];
    const pages = await open(people.map((name) => `${name} (${app})`), { width: 380, height: 700 });
    const room = app === "React" ? "design-review" : "design-review-solid";
    for (const [i, page] of pages.entries()) await chat.join(page, path, people[i]!, room);
    const [ada, grace] = pages as [Page, Page];
    await until(async () => (await names(ada)) === [...people].sort().join());
    await say(grace, "Morning! Checking the layout on my phone.");
    await messages(ada).getByText("Checking the layout on my phone.").waitFor();
    await say(ada, "Every avatar fits now, and the room's name too.");
    await messages(ada).getByText("Every avatar fits now").waitFor();

    const layout = await ada.evaluate(() => {
      const title = document.querySelector<HTMLElement>(".topbar-room")!;
      const strip = document.querySelector<HTMLElement>(".members")!.getBoundingClientRect();
      const avatars = [...document.querySelectorAll(".members .avatar")].map((a) => a.getBoundingClientRect());
      return {
        pageWidth: document.documentElement.scrollWidth,
        title: title.textContent,
        titleCut: title.scrollWidth > title.clientWidth,
        avatarsShown: avatars.filter((a) => a.width > 0 && a.left >= strip.left && a.right <= strip.right).length,
      };
    });
    expect(layout).toEqual({ pageWidth: 380, title: `#${room}`, titleCut: false, avatarsShown: people.length });
    // `UPDATE_SCREENSHOTS=1` refreshes the README's narrow picture; other runs leave docs/ alone.
    if (app === "React" && process.env.UPDATE_SCREENSHOTS) await ada.screenshot({ path: "docs/chat-narrow.png" });
  }, 30_000);
}

browserTest("every page has an icon, and no request of any page above failed", async () => {
  for (const { path } of APPS) {
    const [page] = (await open([`Icon ${path}`])) as [Page];
    await chat.load(page, path);
    // Headless Chromium does not fetch icons itself: ask for the declared one, and for the
    // /favicon.ico that browsers ask for when none is declared (a 404 on every load, before).
    const icons = await page.evaluate(async () => {
      const link = document.querySelector<HTMLLinkElement>('link[rel~="icon"]');
      const status = async (url: string) => (await fetch(url)).status;
      return { declared: link ? await status(link.href) : 0, favicon: await status("/favicon.ico") };
    });
    expect(icons).toEqual({ declared: 200, favicon: 200 });
  }
  expect(chat.failedRequests).toEqual([]);
}, 30_000);
