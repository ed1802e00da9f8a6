// What the browser tests share: the chat server as a child process, headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core), and the steps of a person chatting.
import { afterAll, beforeAll } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
export const hasChromium = existsSync(CHROMIUM);

/** Words that only server code has: a web bundle must contain none of them. */
export const SERVER_ONLY = ["publishToSelf", "backpressureLimit", "Bun.serve", "upgrade("];

/**
 * Call at the top of a test file: builds the web apps if `apps` are missing, then (when
 * Chromium is there) starts the chat server and the browser, and stops both after the file.
 * `ready` is a path the server serves once it is up; `what` names the tests in the skip warning.
 */
export function chatSuite(options: { apps: string[]; ready: string; what: string }) {
  if (!hasChromium) console.warn(`SKIPPED ${options.what}: ${CHROMIUM} is missing (apt-get install -y chromium)`);
  let browser: Browser | undefined;
  let server: ChildProcess | undefined;
  let port = 0;
  // The history's SQLite file, kept across restarts of the server like a real deployment's.
  const data = mkdtempSync(join(tmpdir(), "chat-browser-"));
  /** Uncaught errors of every page opened by `open`. */
  const errors: string[] = [];
  /** Every answer of 400 or more that a page got (a missing favicon included). */
  const failedRequests: string[] = [];

  /** Starts `bun examples/chat/server.ts` on `port` and waits until it serves `ready`. */
  async function start(): Promise<void> {
    server = spawn(process.execPath, ["examples/chat/server.ts"], {
      env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", CHAT_DB: join(data, "chat.sqlite") },
      stdio: ["ignore", "ignore", "inherit"],
    });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}${options.ready}`)).ok) return;
      } catch {}
      await Bun.sleep(50);
    }
    throw new Error(`the chat server did not serve ${options.ready} on port ${port}`);
  }

  async function stop(): Promise<void> {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await Promise.race([exited, Bun.sleep(3_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }

  /** Stops the server, waiting for `pages` to see it go. */
  async function seeStop(pages: Page[]): Promise<void> {
    await stop();
    for (const page of pages) await page.locator('[data-status="reconnecting"]').waitFor();
  }

  /** Starts the server again, waiting for `pages` to reconnect. */
  async function seeStart(pages: Page[]): Promise<void> {
    await start();
    for (const page of pages) await page.locator('[data-status="open"]').waitFor({ timeout: 20_000 });
  }

  beforeAll(async () => {
    if (!options.apps.every((app) => existsSync(app))) {
      const build = spawnSync("npm", ["run", "--silent", "build:web"], { stdio: "inherit" });
      if (build.status !== 0) throw new Error("npm run build:web failed");
    }
    if (!hasChromium) return;
    // A free port that stays the same across restarts, so the pages reconnect to it.
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    port = probe.port!;
    await probe.stop(true);
    await start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stop();
    rmSync(data, { recursive: true, force: true });
  });

  return {
    errors,
    failedRequests,
    /** A page each, in a browser context of its own; `names` label their errors. */
    async open(names: string[], { width = 1000, height = 640 } = {}): Promise<Page[]> {
      const pages: Page[] = [];
      for (const name of names) {
        const context = await browser!.newContext({ viewport: { width, height }, colorScheme: "light" });
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        page.on("pageerror", (error) => errors.push(`${name}: ${error.message}`));
        page.on("response", (response) => void (response.status() >= 400 && failedRequests.push(`${response.status()} ${response.url()}`)));
        pages.push(page);
      }
      return pages;
    },
    /** Loads `path`; `join` then fills the join form and sends it. */
    async load(page: Page, path: string): Promise<void> {
      await page.goto(`http://127.0.0.1:${port}${path}`);
    },
    /** Loads `path` (unless `load: false`) and joins; waits for the connection unless `connected: false`. */
    async join(page: Page, path: string, name: string, room: string, { load = true, connected = true } = {}): Promise<void> {
      if (load) await page.goto(`http://127.0.0.1:${port}${path}`);
      await page.getByLabel("Your name").fill(name);
      await page.getByLabel("Room").fill(room);
      await page.getByRole("button", { name: "Join" }).click();
      if (connected) await page.locator('[data-status="open"]').waitFor();
    },
    stop: seeStop,
    start: seeStart,
    /** Starts the server if a test left it stopped (say, by failing while it was down). */
    async ensureRunning(): Promise<void> {
      if (hasChromium && (!server || server.exitCode !== null)) await start();
    },
    /** Restarts the server (its members are new, its history the same), waiting for `pages` to see it go and reconnect. */
    async restart(pages: Page[]): Promise<void> {
      await seeStop(pages);
      await seeStart(pages);
    },
  };
}

export async function say(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("textbox", { name: "Message" }).press("Enter");
}

/** Polls `check` until it holds (bounded). */
export async function until(check: () => Promise<boolean>, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${check}`);
    await Bun.sleep(50);
  }
}

export const messages = (page: Page) => page.getByRole("log", { name: "Messages" });

/** The room's members as the page lists them, comma-joined. */
export const names = (page: Page) =>
  page
    .getByRole("region", { name: "Members" })
    .getByRole("listitem")
    .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.member).join());

/** All the JavaScript of a built app's assets folder, as one string. */
export function bundleCode(dir: string): string {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".js"))
    .map((name) => readFileSync(`${dir}/${name}`, "utf8"))
    .join("\n");
}
