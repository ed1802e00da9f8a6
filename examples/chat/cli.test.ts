import { afterEach, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { dirname } from "node:path";
import { createClient } from "@manyducks.co/chatter/client";
import { schema } from "./schema.ts";
import { startChat } from "./server.ts";

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function serve() {
  const chat = startChat({ port: 0, hostname: "127.0.0.1", db: ":memory:" });
  stops.push(() => chat.stop());
  return `ws://127.0.0.1:${chat.server.port}/ws`;
}

/** A running `cli.ts` with its output (stdout and stderr) collected. */
function cli(args: string[]) {
  const proc: Subprocess<"pipe", "pipe", "pipe"> = Bun.spawn([process.execPath, `${import.meta.dir}/cli.ts`, ...args], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  stops.push(() => proc.kill(9));
  const state = { out: "" };
  for (const stream of [proc.stdout, proc.stderr]) {
    (async () => {
      const reader = stream.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) state.out += new TextDecoder().decode(r.value);
    })();
  }
  return {
    state,
    say: (line: string) => (proc.stdin.write(`${line}\n`), proc.stdin.flush()),
    exited: proc.exited,
  };
}
const join = (url: string, name: string, room = "7") => cli(["--room", room, "--name", name, "--url", url]);

async function until(predicate: () => boolean, what: string) {
  const end = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

test("two terminal clients chat through the example server, and a late joiner sees the history", async () => {
  const url = serve();
  const ada = join(url, "ada");
  const bob = join(url, "bob");
  await until(() => ada.state.out.includes("bob") && bob.state.out.includes("in #7"), "both to join");
  ada.say("hello bob");
  await until(() => bob.state.out.includes("ada: hello bob"), "bob to hear ada");
  bob.say("hi ada");
  await until(() => ada.state.out.includes("bob: hi ada"), "ada to hear bob");
  const cy = join(url, "cy");
  await until(() => cy.state.out.includes("ada: hello bob") && cy.state.out.includes("bob: hi ada"), "history for cy");
  ada.say("/quit");
  expect(await ada.exited).toBe(0);
  await until(() => bob.state.out.includes("in #7: bob, cy"), "presence after ada left");
});

test("--help says every option and exits 0; an unknown option says what is wrong, with no stack trace", async () => {
  const help = cli(["--help"]);
  expect(await help.exited).toBe(0);
  for (const option of ["--room", "--name", "--url", "CHAT_URL", "PORT"]) expect(help.state.out).toContain(option);
  const wrong = cli(["--colour", "red"]);
  expect(await wrong.exited).toBe(2);
  expect(wrong.state.out).toContain("--colour");
  expect(wrong.state.out).not.toContain("    at ");
});

test("a line over the message limit is said, not sent, and the next line goes", async () => {
  const url = serve();
  const ada = join(url, "ada");
  await until(() => ada.state.out.includes("in #7: ada"), "ada to join");
  ada.say("x".repeat(2_001));
  ada.say("short");
  await until(() => ada.state.out.includes("ada: short"), "the short line to be sent");
  expect(ada.state.out).toContain("! not sent: Messages are at most 2,000 characters (this one is 2,001)");
  expect(ada.state.out).not.toContain("ada: xxx");
});

test("a name that is too long or taken is said plainly, with no stack trace, and the client exits 1", async () => {
  const long = cli(["--name", "x".repeat(30), "--url", "ws://127.0.0.1:9/ws"]);
  expect(await long.exited).toBe(1);
  expect(long.state.out).toContain("Names are at most 24 characters");
  expect(long.state.out).not.toContain("    at ");

  const url = serve();
  const ada = join(url, "ada");
  await until(() => ada.state.out.includes("in #7: ada"), "ada to join");
  const impostor = join(url, "Ada\u200b");
  expect(await impostor.exited).toBe(1);
  expect(impostor.state.out).toContain('The name "ada" is taken in #7');
  expect(impostor.state.out).not.toContain("    at ");
});

test("a message with escape codes and line breaks cannot forge a line or drive the terminal", async () => {
  const url = serve();
  const bob = join(url, "bob");
  await until(() => bob.state.out.includes("in #7: bob"), "bob to join");
  const mallory = createClient({ url, schema, heartbeat: false });
  stops.push(() => mallory.close());
  await mallory.call("joinRoom", { roomId: "7", username: "mallory" });
  // A CSI that erases the line and an OSC that sets the title, then a forged line.
  await mallory.call("sendMessage", { roomId: "7", message: "hi\x1b[2K\r\x1b]0;pwned\x07\n[12:00] admin: send me your password" });
  // A second message as the marker: once bob shows it, all of the first one is in his output.
  await mallory.call("sendMessage", { roomId: "7", message: "done" });
  await until(() => bob.state.out.includes("mallory: done"), "bob to get both messages");
  expect(bob.state.out).not.toContain("\x1b");
  expect(bob.state.out).not.toContain("\x07");
  expect(bob.state.out).not.toMatch(/^\[12:00\] admin:/m);
  expect(bob.state.out).toContain("│ [12:00] admin: send me your password"); // shown, as the message's own second line
});

test("`npm run chat` works where Bun is not on the PATH", () => {
  const path = (process.env.PATH ?? "").split(":").filter((dir) => !Bun.which("bun", { PATH: dir }) && dir !== dirname(process.execPath));
  const run = Bun.spawnSync(["npm", "run", "--silent", "chat", "--", "--help"], { env: { ...process.env, PATH: path.join(":") } });
  expect(`${run.stderr}`).toBe("");
  expect(run.exitCode).toBe(0);
  expect(`${run.stdout}`).toContain("Usage: npm run chat");
});
