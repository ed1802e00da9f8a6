// `npm test`: the type check (type tests included), the build, then every test
// file under `bun test`; ends with one line `N passed, N failed`. Under CI a
// skipped test counts as failed (a missing binary must not pass silently).
import { spawnSync } from "node:child_process";

const ci = process.env.CI === "true" || process.env.CI === "1";
let passed = 0;
let failed = 0;

function step(name: string, command: string[], env: Record<string, string> = {}): { out: string; ok: boolean } {
  console.log(`\n▶ ${name}: ${command.join(" ")}`);
  const result = spawnSync(command[0]!, command.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return { out: `${result.stdout}${result.stderr}`, ok: result.status === 0 };
}

function check(name: string, command: string[]): void {
  if (!step(name, command).ok) {
    failed++;
    console.log(`✗ ${name} failed`);
  } else {
    passed++;
    console.log(`✓ ${name}`);
  }
}

check("type check and type tests", ["node_modules/.bin/tsc", "--noEmit", "-p", "tsconfig.json"]);
check("build", ["npm", "run", "--silent", "build"]);

// Test groups run as separate processes: DOM globals (React, Solid) must not leak
// into the core tests, and the browser tests drive a real Chromium.
const bun = process.execPath;
const only = process.argv.slice(2);
const groups: { name: string; command: string[] }[] = [
  { name: "core", command: [bun, "test", "./core", "./client", "./server", "./redis", "./query", "./test/rpc", "./examples"] },
  { name: "redis", command: [bun, "test", "./test/redis"] },
  { name: "reliability", command: [bun, "test", "./test/reliability"] },
  { name: "react", command: [bun, "test", "--preload", "./react/test/setup.ts", "./react"] },
  // `--conditions browser`: solid-js's default export for Bun is its server build, which has no reactivity.
  { name: "solid", command: [bun, "test", "--conditions", "browser", "--preload", "./solid/test/setup.ts", "./solid"] },
  { name: "browser", command: ["sh", "-c", `npm run --silent build:web && "${bun}" test ./test/browser`] },
];

for (const group of groups) {
  if (only.length && !only.includes(group.name)) continue;
  const { out, ok } = step(`tests: ${group.name}`, group.command);
  // `bun test` prints " 12 pass"; node:test prints "# pass 12".
  const count = (word: string) => Number(out.match(new RegExp(`^\\s*(?:# )?(?:(\\d+) ${word}|${word} (\\d+))$`, "m"))?.slice(1).find(Boolean) ?? 0);
  const skipped = count("skip") + count("skipped") + count("todo");
  passed += count("pass");
  failed += count("fail");
  if (!ok && count("fail") === 0) {
    failed++; // crashed, or no test ran
    console.log(`✗ ${group.name}: the test process failed`);
  }
  if (skipped && ci) {
    console.log(`✗ ${group.name}: ${skipped} skipped test(s) count as failed under CI`);
    failed += skipped;
  }
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
