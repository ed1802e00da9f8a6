// The browser bundle a user pays before the first frame: `bun build --target=browser --minify`
// of an entry that creates a client and makes one call (bench/bundle/*.entry.ts), with
// NODE_ENV=production and zod external; min + gzip bytes. Peers need bench's node_modules.
//
//   bun bench/bundle.ts [--only chatter]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";

const here = dirname(new URL(import.meta.url).pathname);
const GOAL = 5 * 1024; // issue 17: ≤ 5 kB with streams, recovery and cache updates in it
const PEERS: Record<string, string> = { trpc: "@trpc/client", socketio: "socket.io-client", birpc: "birpc" };

export function bundleSize(entry: string): { min: number; gzip: number } {
  const out = mkdtempSync(join(tmpdir(), "chatter-bundle-"));
  try {
    const outfile = join(out, "out.js");
    const result = spawnSync(
      process.execPath,
      ["build", entry, "--target=browser", "--minify", "--external", "zod", "--define", 'process.env.NODE_ENV="production"', "--outfile", outfile],
      { encoding: "utf8", cwd: here, env: { ...process.env, NODE_ENV: "production" } },
    );
    if (result.status !== 0) throw new Error(`bun build ${entry} failed:\n${result.stderr}${result.stdout}`);
    const code = readFileSync(outfile);
    return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Chatter's client entry and each installed peer's: the markdown table (with the goal line). */
export function bundleTable(only?: string): string {
  const rows: string[] = [];
  let goal = "";
  for (const name of ["chatter", ...Object.keys(PEERS)]) {
    if (only && name !== only) continue;
    if (name !== "chatter" && !existsSync(join(here, "node_modules", PEERS[name]!))) continue;
    const { min, gzip } = bundleSize(join(here, "bundle", `${name}.entry.ts`));
    rows.push(`| ${name} | ${(min / 1024).toFixed(1)} kB | ${(gzip / 1024).toFixed(2)} kB (${gzip} B) |`);
    if (name === "chatter") goal = `Chatter client bundle, min + gzip: ${gzip} B — goal ≤ ${GOAL} B: ${gzip <= GOAL ? "met" : "NOT met"}`;
  }
  return ["Browser client bundle (bun build --target=browser --minify, zod external):", "", "| client | min | min + gzip |", "| --- | ---: | ---: |", ...rows, "", goal].join("\n");
}

if (import.meta.main) {
  const at = process.argv.indexOf("--only");
  console.log(bundleTable(at >= 0 ? process.argv[at + 1] : undefined));
}
