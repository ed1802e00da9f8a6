// The example chat as a cluster, in headless Chromium: a real redis-server and two chat
// instances (`REDIS_URL` set) as child processes on free ports of 127.0.0.1. Pages on either
// instance share one room: its messages, its history (in Redis) and its member list (presence).
// Then `npm run start:cluster`'s script itself: up with one command, down with one Ctrl-C.
// Without redis-server or Chromium the tests skip, loudly; under CI they run and fail.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Subprocess } from "bun";
import { chromium, type Browser, type Page } from "playwright-core";
import { createClient } from "../../client/index.ts";
import { schema } from "../../examples/chat/schema.ts";
import { redisServerBinary, startRedisServer, type RedisServer } from "../../examples/chat/redisServer.ts";
import { hasChromium, messages, names, say, until } from "./chat.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--no-first-run"];
const APPS = ["examples/chat/dist/react/index.html", "examples/chat/dist/solid/index.html"];
const ci = process.env.CI === "true" || process.env.CI === "1";
const skipRedis = !redisServerBinary && !ci;
const skipBrowser = (!hasChromium || !redisServerBinary) && !ci;
if (!redisServerBinary) console.warn(`\n⚠ SKIPPING the chat cluster tests: redis-server is not installed (apt-get install redis-server)\n`);
else if (!hasChromium) console.warn(`\n⚠ SKIPPING the chat cluster browser test: ${CHROMIUM} is missing (apt-get install -y chromium)\n`);

const children = new Set<Subprocess>();
let redis: RedisServer | undefined;
let browser: Browser | undefined;
const errors: string[] = [];

/** A port no one listens on now; `next` free too when asked (the cluster script takes PORT and PORT + 1). */
function freePort({ next = false } = {}): number {
  for (let attempt = 0; ; attempt++) {
    const first = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = first.port;
    try {
      if (!next) return port;
      Bun.listen({ hostname: "127.0.0.1", port: port + 1, socket: { data() {} } }).stop(true);
      return port;
    } catch (error) {
      if (attempt > 20) throw error;
    } finally {
      first.stop(true);
    }
  }
}

/** Reads `child`'s stdout until a line contains `marker` (then goes on reading, so the pipe never fills); rejects if it exits first or after `timeout`. */
async function waitFor(child: Subprocess<"ignore", "pipe", "inherit">, marker: string, timeout = 20_000): Promise<string> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no "${marker}" in ${timeout} ms; printed:\n${text}`)), timeout)));
  const found = (async () => {
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`exited (${await child.exited}) before printing "${marker}"; printed:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
    void (async () => {
      while (!(await reader.read()).done);
    })().catch(() => {});
    return text;
  })();
  try {
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `bun examples/chat/server.ts` with REDIS_URL, on a free port; resolves once it listens. */
async function startInstance(redisUrl: string): Promise<string> {
  const port = freePort();
  const child = Bun.spawn([process.execPath, "examples/chat/server.ts"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", REDIS_URL: redisUrl },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  children.add(child);
  await waitFor(child, "chat server on");
  return `http://127.0.0.1:${port}`;
}

async function stopChildren(): Promise<void> {
  for (const child of children) child.kill("SIGTERM");
  const timer = setTimeout(() => children.forEach((child) => child.kill("SIGKILL")), 3_000);
  await Promise.all([...children].map((child) => child.exited));
  clearTimeout(timer);
  children.clear();
}
process.on("exit", () => children.forEach((child) => child.kill("SIGKILL")));

beforeAll(async () => {
  if (!APPS.every((app) => existsSync(app))) {
    const build = spawnSync("npm", ["run", "--silent", "build:web"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error("npm run build:web failed");
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stopChildren();
  await redis?.stop();
});

async function open(name: string): Promise<Page> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 }, colorScheme: "light" });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (error) => errors.push(`${name}: ${error.message}`));
  return page;
}

async function join(page: Page, url: string, name: string, room: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Room").fill(room);
  await page.getByRole("button", { name: "Join" }).click();
  await page.locator('[data-status="open"]').waitFor();
}

/** The texts of the room's messages as the page shows them, in order. */
const texts = (page: Page) => messages(page).locator(".bubble").allInnerTexts();

test.skipIf(skipBrowser)(
  "pages on two instances share a room: both see both messages in order, a later page on either sees the same history, the member lists agree",
  async () => {
    redis = await startRedisServer(freePort());
    const [one, two] = await Promise.all([startInstance(redis.url), startInstance(redis.url)]);
    const ada = await open("Ada (instance 1, React)");
    const grace = await open("Grace (instance 2, Solid)");
    await join(ada, `${one}/`, "Ada", "cluster");
    await join(grace, `${two}/solid/`, "Grace", "cluster");
    for (const page of [ada, grace]) await until(async () => (await names(page)) === "Ada,Grace");

    await say(ada, "Hello from instance one");
    await messages(grace).getByText("Hello from instance one").waitFor();
    await say(grace, "And hello from instance two");
    await messages(ada).getByText("And hello from instance two").waitFor();
    const conversation = ["Hello from instance one", "And hello from instance two"];
    for (const page of [ada, grace]) expect(await texts(page)).toEqual(conversation);

    // Later, on either instance: the same history (it lives in Redis), and everyone agrees who is here.
    const linus = await open("Linus (instance 2, React)");
    await join(linus, `${two}/`, "Linus", "cluster");
    await until(async () => (await texts(linus)).length === conversation.length);
    expect(await texts(linus)).toEqual(conversation);
    const margaret = await open("Margaret (instance 1, Solid)");
    await join(margaret, `${one}/solid/`, "Margaret", "cluster");
    await until(async () => (await texts(margaret)).length === conversation.length);
    expect(await texts(margaret)).toEqual(conversation);
    for (const page of [ada, grace, linus, margaret]) await until(async () => (await names(page)) === "Ada,Grace,Linus,Margaret");

    // A name is one person's in the room whichever instance asks for it.
    const impostor = await open("impostor (instance 2)");
    await impostor.goto(`${two}/`);
    await impostor.getByLabel("Your name").fill("ada");
    await impostor.getByLabel("Room").fill("cluster");
    await impostor.getByRole("button", { name: "Join" }).click();
    await impostor.getByText('The name "Ada" is taken in #cluster: pick another').waitFor();

    // Leaving (closing the page) on one instance shows on the other.
    await linus.context().close();
    for (const page of [ada, grace, margaret]) await until(async () => (await names(page)) === "Ada,Grace,Margaret");
    expect(errors).toEqual([]);
  },
  120_000,
);

test.skipIf(skipRedis)(
  "`npm run start:cluster`'s script starts Redis and two instances with one command, and one Ctrl-C stops all three",
  async () => {
    const port = freePort({ next: true });
    const redisPort = freePort();
    const script = Bun.spawn([process.execPath, "scripts/cluster.ts", "--no-build"], {
      env: { ...process.env, PORT: String(port), REDIS_PORT: String(redisPort), REDIS_URL: "" },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    });
    children.add(script);
    const printed = await waitFor(script, "Ctrl-C stops all three");
    expect(printed).toContain(`chat cluster up: two instances sharing redis://127.0.0.1:${redisPort}`);
    for (const url of [`http://localhost:${port}`, `http://localhost:${port + 1}`]) expect(printed).toContain(url);
    // Both instances serve the app, and share Redis: a message sent on one is in the other's history.
    for (const p of [port, port + 1]) expect((await fetch(`http://127.0.0.1:${p}/`)).status).toBe(200);
    const [first, second] = [port, port + 1].map((p) => createClient({ url: `ws://127.0.0.1:${p}/ws`, schema, reconnect: false, heartbeat: false }));
    try {
      await first!.call("joinRoom", { roomId: "script", username: "ada" });
      const sent = await first!.call("sendMessage", { roomId: "script", message: "one command" });
      expect(await second!.call("history", { roomId: "script" })).toEqual([sent]);
    } finally {
      first!.close();
      second!.close();
    }

    script.kill("SIGINT");
    expect(await script.exited).toBe(0);
    children.delete(script);
    const refused = (p: number) =>
      Bun.connect({ hostname: "127.0.0.1", port: p, socket: { data() {} } }).then(
        (socket) => (socket.end(), false),
        () => true,
      );
    for (const p of [port, port + 1, redisPort]) expect(await refused(p)).toBe(true);
  },
  60_000,
);
