import { afterEach, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { startChat } from "./server.ts";

const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

/** A running `cli.ts` with its output collected. */
function cli(url: string, name: string) {
  const proc: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn([process.execPath, `${import.meta.dir}/cli.ts`, "--room", "7", "--name", name, "--url", url], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  stops.push(() => proc.kill(9));
  const state = { out: "" };
  (async () => {
    const reader = proc.stdout.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) state.out += new TextDecoder().decode(r.value);
  })();
  return {
    state,
    say: (line: string) => (proc.stdin.write(`${line}\n`), proc.stdin.flush()),
    exited: proc.exited,
  };
}

async function until(predicate: () => boolean, what: string) {
  const end = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

test("two terminal clients chat through the example server, and a late joiner sees the history", async () => {
  const server = startChat(0, "127.0.0.1");
  stops.push(() => server.stop(true));
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const ada = cli(url, "ada");
  const bob = cli(url, "bob");
  await until(() => ada.state.out.includes("bob") && bob.state.out.includes("in #7"), "both to join");
  ada.say("hello bob");
  await until(() => bob.state.out.includes("ada: hello bob"), "bob to hear ada");
  bob.say("hi ada");
  await until(() => ada.state.out.includes("bob: hi ada"), "ada to hear bob");
  const cy = cli(url, "cy");
  await until(() => cy.state.out.includes("ada: hello bob") && cy.state.out.includes("bob: hi ada"), "history for cy");
  ada.say("/quit");
  expect(await ada.exited).toBe(0);
  await until(() => bob.state.out.includes("in #7: bob, cy"), "presence after ada left");
});
