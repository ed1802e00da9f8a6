// The README's promise to a new user: a fresh folder with the packed tarball and only what the
// README says. Every ts/tsx/json block of the README and docs/ type-checks there under
// TypeScript 5.9 and 7, and the quick start runs: a Bun server, a Bun client and a Node client
// compiled as the README says.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { docBlocks, docUses } from "./fixtures/docBlocks.ts";

const root = join(import.meta.dir, "../..");
const README = readFileSync(join(root, "README.md"), "utf8");
const DOCS = readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md"));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
/** The version this repo installs, so that the fresh folder's install comes from npm's cache. */
const version = (name: string) => pkg.devDependencies[name] ?? lock.packages[`node_modules/${name}`].version;
const TYPESCRIPTS = {
  "5.9": ["node_modules/.bin/tsc"],
  "7": ["node", "node_modules/typescript7/bin/tsc"],
};

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "chatter-pack-"));
}, 10_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string[], cwd = dir, env: Record<string, string> = {}) {
  const result = Bun.spawnSync(command, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, out: `${result.stdout}${result.stderr}` };
}

/** Writes `blocks` into `folder`; the README's go to the project's root, like a user's files. */
function writeBlocks(folder: string, markdown: string): string[] {
  mkdirSync(folder, { recursive: true });
  const written: string[] = [];
  for (const block of docBlocks(markdown)) {
    if (block.skip) continue;
    writeFileSync(join(folder, block.file), block.code);
    written.push(block.file);
  }
  return written;
}

/** Copies a repo file and the local files it imports (`./x.ts`) into `folder`. */
function copyWithImports(file: string, folder: string, seen = new Set<string>()): void {
  if (seen.has(file)) return;
  seen.add(file);
  copyFileSync(join(root, file), join(folder, basename(file)));
  for (const [, local] of readFileSync(join(root, file), "utf8").matchAll(/from "\.\/([\w.-]+\.ts)"/g)) {
    copyWithImports(join(dirname(file), local!), folder, seen);
  }
}

test(
  "the README's setup installs the packed tarball in a fresh folder",
  () => {
    // The README says these steps; the test takes the tarball where it says the package name.
    for (const step of ["npm pkg set type=module", "npm install @manyducks.co/chatter zod", "npm install -D typescript @types/bun", "npm install ws && npm install -D @types/ws @types/node"]) {
      expect(README).toContain(step);
    }
    expect(run(["npm", "run", "--silent", "build"], root).code).toBe(0);
    const pack = run(["npm", "pack", "--silent", "--ignore-scripts", "--pack-destination", dir], root);
    expect(pack.code).toBe(0);
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    expect(run(["tar", "-tzf", tarball]).out).toContain("package/LICENSE");

    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "quick-start", private: true, type: "module" }));
    const packages = ["zod", "@types/bun", "ws", "@types/ws", "@types/node"];
    // For the adapters' docs.
    packages.push("react", "react-dom", "@types/react", "@types/react-dom", "@tanstack/react-query", "solid-js", "@tanstack/solid-query");
    const install = run([
      "npm",
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      `./${tarball}`,
      `typescript@${version("typescript")}`,
      `typescript7@${version("typescript7")}`,
      ...packages.map((name) => `${name}@${version(name)}`),
    ]);
    expect(install.out).not.toContain("ERR");
    expect(install.code).toBe(0);
  },
  240_000,
);

test(
  "every ts/tsx/json block of the README and docs/ type-checks, under TypeScript 5.9 and 7",
  () => {
    const files = writeBlocks(dir, README);
    expect(files).toEqual(expect.arrayContaining(["tsconfig.json", "tsconfig.node.json", "schema.ts", "app.ts", "server.ts", "client.ts", "node-client.ts"]));
    let checked = files.length;
    for (const doc of DOCS) {
      const markdown = readFileSync(join(root, "docs", doc), "utf8");
      const folder = join(dir, "docs", basename(doc, ".md"));
      checked += writeBlocks(folder, markdown).length;
      for (const used of docUses(markdown)) copyWithImports(used, folder);
    }
    expect(checked).toBeGreaterThan(10);
    for (const [name, tsc] of Object.entries(TYPESCRIPTS)) {
      expect(`TypeScript ${name}: ${run([...tsc, "--version"]).out}`).toContain(`Version ${name}`);
      // The README's own tsconfig.json, as `npx tsc` reads it: every block in this folder and below.
      expect(`TypeScript ${name}: ${run([...tsc, "-p", "."]).out}`).toBe(`TypeScript ${name}: `);
      // The Node client's, with Node's types and no Bun's: it compiles app.ts for its type only.
      expect(`TypeScript ${name}: ${run([...tsc, "--noEmit", "-p", "tsconfig.node.json"]).out}`).toBe(`TypeScript ${name}: `);
    }
    // A wrong input is a compile error under both.
    writeFileSync(join(dir, "wrong.ts"), 'import { createClient } from "@manyducks.co/chatter/client";\nimport { schema } from "./schema.ts";\ncreateClient({ url: "ws://x", schema }).call("history", { roomId: 1 });\n');
    for (const tsc of Object.values(TYPESCRIPTS)) expect(run([...tsc, "-p", "."]).out).toMatch(/wrong\.ts\(3,\d+\): error TS2322/);
    rmSync(join(dir, "wrong.ts"));
  },
  120_000,
);

test(
  "the quick start runs: a Bun server, a Bun client, and a Node client built by the README's tsconfig.node.json",
  async () => {
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = String(probe.port);
    await probe.stop(true);
    let serverOut = "";
    const server = Bun.spawn([process.execPath, "server.ts"], { cwd: dir, env: { ...process.env, PORT: port }, stdout: "pipe", stderr: "pipe" });
    try {
      (async () => {
        const reader = server.stdout.getReader();
        for (let r = await reader.read(); !r.done; r = await reader.read()) serverOut += new TextDecoder().decode(r.value);
      })();
      const end = Date.now() + 10_000;
      while (!serverOut.includes("listening") && Date.now() < end) await Bun.sleep(20);
      expect(serverOut).toContain("listening");
      const url = { CHAT_URL: `ws://127.0.0.1:${port}` };

      const bun = run([process.execPath, "client.ts"], dir, url);
      expect(bun.code).toBe(0);
      expect(bun.out).toContain("true [");
      expect(bun.out).toContain('message: "hello"');

      const build = run(["node_modules/.bin/tsc", "-p", "tsconfig.node.json"]);
      expect(build.out).toBe("");
      const node = run(["node", "build/node-client.js"], dir, url);
      expect(node.out).toBe("true\n");
      expect(node.code).toBe(0);
    } finally {
      server.kill(9);
    }
  },
  60_000,
);
