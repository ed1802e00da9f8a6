import { chromium } from "playwright-core";
const port = 5611;
const start = () => Bun.spawn([process.execPath, "examples/chat/server.ts"], { env: { ...process.env, PORT: String(port), HOST: "127.0.0.1" }, stdout: "ignore", stderr: "inherit" });
let srv = start();
await Bun.sleep(600);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
const pages = [];
for (const name of ["Ada", "Grace"]) {
  const page = await (await browser.newContext()).newPage();
  page.on("console", (m) => console.log(name, "console", m.text()));
  page.on("websocket", (ws) => {
    ws.on("framesent", (f) => console.log(name, ">>", String(f.payload).slice(0, 150)));
    ws.on("framereceived", (f) => console.log(name, "<<", String(f.payload).slice(0, 150)));
  });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Room").fill("general");
  await page.getByRole("button", { name: "Join" }).click();
  await page.locator('[data-status="open"]').waitFor();
  pages.push(page);
}
await Bun.sleep(500);
console.log("---- restart");
srv.kill("SIGTERM"); await srv.exited;
await Bun.sleep(300);
srv = start();
await Bun.sleep(4000);
for (const p of pages) console.log(await p.getByRole("region", { name: "Members" }).innerText());
await browser.close(); srv.kill(9);
