// The README's promise to a new user: copy the quick start into a fresh folder,
// install the packed tarball, type-check it, and run two processes that call each other.
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defer, until } from "./fixtures/harness.ts";

const root = join(import.meta.dir, "../..");

/** The README's code blocks whose first line is `// <file>.ts`. */
function quickStartFiles(): Record<string, string> {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const files: Record<string, string> = {};
  for (const [, body] of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const name = body!.match(/^\/\/ ([\w.-]+\.ts)\b/)?.[1];
    if (name) files[name] = body!;
  }
  return files;
}

function run(command: string[], cwd: string, env: Record<string, string> = {}) {
  const result = Bun.spawnSync(command, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, out: `${result.stdout}${result.stderr}` };
}

test(
  "the packed tarball + the README quick start: installs, type-checks, and two processes call each other",
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "chatter-pack-"));
    defer(() => rmSync(dir, { recursive: true, force: true }));
    const pack = run(["npm", "pack", "--silent", "--pack-destination", dir], root);
    expect(pack.out).toContain(".tgz");
    expect(pack.code).toBe(0);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;

    const files = quickStartFiles();
    expect(Object.keys(files).sort()).toEqual(["client.ts", "schema.ts", "server.ts"]);
    for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "quick-start", private: true, type: "module" }));
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "bundler", strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: ["bun"] },
      }),
    );
    const versions = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;
    const install = run(
      ["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`, `zod@${versions.zod}`, `typescript@${versions.typescript}`, `@types/bun@${versions["@types/bun"]}`],
      dir,
    );
    expect(install.code).toBe(0);

    const check = run([join(dir, "node_modules/.bin/tsc"), "--noEmit", "-p", "."], dir);
    expect(check.out).toBe("");
    expect(check.code).toBe(0);

    // A wrong input in the user's code is a compile error.
    writeFileSync(join(dir, "wrong.ts"), 'import { createClient } from "@manyducks.co/chatter/client";\nimport { schema } from "../../core/schema.ts";\ncreateClient({ url: "ws://x", schema }).call("history", { roomId: 1 });\n');
    expect(run([join(dir, "node_modules/.bin/tsc"), "--noEmit", "-p", "."], dir).out).toContain("wrong.ts");
    rmSync(join(dir, "wrong.ts"));

    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = String(probe.port);
    probe.stop(true);
    let serverOut = "";
    const server = Bun.spawn([process.execPath, "server.ts"], { cwd: dir, env: { ...process.env, PORT: port }, stdout: "pipe", stderr: "pipe" });
    defer(() => server.kill(9));
    (async () => {
      const reader = server.stdout.getReader();
      for (let r = await reader.read(); !r.done; r = await reader.read()) serverOut += new TextDecoder().decode(r.value);
    })();
    await until(() => serverOut.includes("listening"), 10_000, "the quick start server");
    const client = run([process.execPath, "client.ts"], dir, { CHAT_URL: `ws://127.0.0.1:${port}` });
    expect(client.code).toBe(0);
    expect(client.out).toContain("true [");
    expect(client.out).toContain('message: "hello"');
  },
  120_000,
);
