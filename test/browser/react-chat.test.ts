// The React web chat in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): two people chat in one room, the server restarts, they go on.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync",
];
const APP = "examples/chat/dist/react/index.html";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED browser tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);

let browser: Browser | undefined;
let server: ChildProcess | undefined;
let port = 0;
const errors: string[] = [];

/** Starts `bun examples/chat/server.ts` on `port` and waits until it serves the app. */
async function startServer(): Promise<void> {
  server = spawn(process.execPath, ["examples/chat/server.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return;
    } catch {}
    await Bun.sleep(50);
  }
  throw new Error(`the chat server did not start on port ${port}`);
}

async function stopServer(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, Bun.sleep(3_000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

async function join(page: Page, name: string, room: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Room").fill(room);
  await page.getByRole("button", { name: "Join" }).click();
  await page.locator('[data-status="open"]').waitFor();
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("textbox", { name: "Message" }).press("Enter");
}

/** Polls `check` until it holds (bounded). */
async function until(check: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${check}`);
    await Bun.sleep(50);
  }
}

const messages = (page: Page) => page.getByRole("log", { name: "Messages" });
const names = (page: Page) =>
  page
    .getByRole("region", { name: "Members" })
    .getByRole("listitem")
    .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.member).join());

beforeAll(async () => {
  if (!existsSync(APP)) {
    const build = spawnSync("npm", ["run", "--silent", "build:web"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build:web failed");
  }
  if (!hasChromium) return;
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  port = probe.port!;
  await probe.stop(true);
  await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopServer();
});

test.skipIf(!hasChromium)(
  "two pages chat in one room, and keep chatting after the server restarts",
  async () => {
    const pages: Page[] = [];
    for (const name of ["Ada", "Grace"]) {
      const context = await browser!.newContext({ viewport: { width: 1000, height: 640 }, colorScheme: "light" });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on("pageerror", (error) => errors.push(`${name}: ${error.message}`));
      pages.push(page);
    }
    const [ada, grace] = pages as [Page, Page];

    await join(ada, "Ada", "general");
    await join(grace, "Grace", "general");
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

    await stopServer();
    for (const page of pages) await page.locator('[data-status="reconnecting"]').waitFor();
    await startServer();
    for (const page of pages) await page.locator('[data-status="open"]').waitFor({ timeout: 20_000 });
    // Both rejoined the room on the new server (its memory is new: the room starts empty).
    for (const page of pages) await until(async () => (await names(page)) === "Ada,Grace");

    await say(ada, "Still there after the restart?");
    await messages(grace).getByText("Still there after the restart?").waitFor();
    await say(grace, "Yes, reconnected on my own.");
    await messages(ada).getByText("reconnected on my own").waitFor();
    expect(errors).toEqual([]);
  },
  120_000,
);

test("the web bundle carries the client but no server code", () => {
  const dir = "examples/chat/dist/react/assets";
  const code = readdirSync(dir)
    .filter((name) => name.endsWith(".js"))
    .map((name) => readFileSync(`${dir}/${name}`, "utf8"))
    .join("\n");
  expect(code).toContain("/ws"); // the client is there
  for (const server of ["publishToSelf", "backpressureLimit", "Bun.serve", "upgrade("]) expect(code).not.toContain(server);
});
