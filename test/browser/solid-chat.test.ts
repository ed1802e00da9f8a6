// The Solid web chat next to the React one in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core): a React page (/) and a Solid page
// (/solid/) in one room see each other's messages, before and after a server restart.
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
const APPS = ["examples/chat/dist/react/index.html", "examples/chat/dist/solid/index.html"];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED the Solid browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);

let browser: Browser | undefined;
let server: ChildProcess | undefined;
let port = 0;
const errors: string[] = [];

/** Starts `bun examples/chat/server.ts` on `port` and waits until it serves both apps. */
async function startServer(): Promise<void> {
  server = spawn(process.execPath, ["examples/chat/server.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/solid/`)).ok) return;
    } catch {}
    await Bun.sleep(50);
  }
  throw new Error(`the chat server did not serve /solid/ on port ${port}`);
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

async function join(page: Page, path: string, name: string, room: string): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}${path}`);
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
  if (!APPS.every((app) => existsSync(app))) {
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
  "a React page and a Solid page in one room see each other's messages, before and after a server restart",
  async () => {
    const pages: Page[] = [];
    for (const name of ["Ada (React)", "Ryan (Solid)"]) {
      const context = await browser!.newContext({ viewport: { width: 1000, height: 640 }, colorScheme: "light" });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on("pageerror", (error) => errors.push(`${name}: ${error.message}`));
      pages.push(page);
    }
    const [react, solid] = pages as [Page, Page];

    await join(react, "/", "Ada", "frameworks");
    await join(solid, "/solid/", "Ryan", "frameworks");
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

    await stopServer();
    for (const page of pages) await page.locator('[data-status="reconnecting"]').waitFor();
    await startServer();
    for (const page of pages) await page.locator('[data-status="open"]').waitFor({ timeout: 20_000 });
    for (const page of pages) await until(async () => (await names(page)) === "Ada,Ryan");

    await say(solid, "Solid reconnected and rejoined.");
    await messages(react).getByText("Solid reconnected and rejoined.").waitFor();
    await say(react, "So did React.");
    await messages(solid).getByText("So did React.").waitFor();
    expect(errors).toEqual([]);
  },
  120_000,
);

test("the Solid bundle carries the client but no server code, and no React", () => {
  const dir = "examples/chat/dist/solid/assets";
  const code = readdirSync(dir)
    .filter((name) => name.endsWith(".js"))
    .map((name) => readFileSync(`${dir}/${name}`, "utf8"))
    .join("\n");
  expect(code).toContain("/ws"); // the client is there
  for (const server of ["publishToSelf", "backpressureLimit", "Bun.serve", "upgrade("]) expect(code).not.toContain(server);
  for (const react of ["useSyncExternalStore", "__reactFiber", "react-dom"]) expect(code).not.toContain(react);
});
