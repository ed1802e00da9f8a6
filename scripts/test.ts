// `npm test`: the type check (type tests included) under TypeScript 5.9 and 7, the build, then every test
// file under `bun test`; ends with one line `N passed, N failed`. Under CI a
// skipped test counts as failed (a missing binary must not pass silently).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

check("type check and type tests", ["node", "node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json"]);
// TypeScript 7 (the native compiler, what `npm i -D typescript` installs now) must agree with 5.9.
check("type check and type tests under TypeScript 7", ["node", "node_modules/typescript7/bin/tsc", "--noEmit", "-p", "tsconfig.json"]);
check("build", ["npm", "run", "--silent", "build"]);

// Test groups run as separate processes: DOM globals (React, Solid) must not leak
// into the core tests, and the browser tests drive a real Chromium.
const bun = process.execPath;
const only = process.argv.slice(2);
const groups: { name: string; args: string[]; before?: string[] }[] = [
  { name: "core", args: ["./core", "./client", "./server", "./redis", "./query", "./test/rpc", "./examples"] },
  { name: "redis", args: ["./test/redis"] },
  { name: "reliability", args: ["./test/reliability"] },
  { name: "react", args: ["--preload", "./react/test/setup.ts", "./react"] },
  // `--conditions browser`: solid-js's default export for Bun is its server build, which has no reactivity.
  { name: "solid", args: ["--conditions", "browser", "--preload", "./solid/test/setup.ts", "./solid"] },
  { name: "browser", args: ["./test/browser"], before: ["npm", "run", "--silent", "build:web"] },
];

/** Counts from the JUnit report `bun test --reporter=junit` writes (not from its console text). */
function report(file: string): { tests: number; failures: number; skipped: number } | undefined {
  if (!existsSync(file)) return undefined;
  const root = readFileSync(file, "utf8").match(/<testsuites\b[^>]*>/)?.[0] ?? "";
  const attribute = (name: string) => Number(root.match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
  return { tests: attribute("tests"), failures: attribute("failures"), skipped: attribute("skipped") };
}

for (const group of groups) {
  if (only.length && !only.includes(group.name)) continue;
  if (group.before && !step(`${group.name}: set-up`, group.before).ok) {
    failed++;
    console.log(`✗ ${group.name}: set-up failed`);
    continue;
  }
  const junit = join(mkdtempSync(join(tmpdir(), "chatter-test-")), "report.xml");
  const { ok } = step(`tests: ${group.name}`, [bun, "test", "--reporter=junit", `--reporter-outfile=${junit}`, ...group.args]);
  const counts = report(junit) ?? { tests: 0, failures: 0, skipped: 0 };
  const skipped = counts.skipped;
  passed += counts.tests - counts.failures - skipped;
  failed += counts.failures;
  if (!ok && counts.failures === 0) {
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
