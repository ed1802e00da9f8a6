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
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const GOAL = 4096;

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

if (import.meta.main) {
  const rows: string[] = [];
  for (const name of ["chatter", "trpc", "socketio", "birpc"]) {
    if (only && name !== only) continue;
    if (name !== "chatter" && !existsSync(join(here, "node_modules", name === "trpc" ? "@trpc/client" : name === "socketio" ? "socket.io-client" : name))) continue;
    const { min, gzip } = bundleSize(join(here, "bundle", `${name}.entry.ts`));
    rows.push(`| ${name} | ${(min / 1024).toFixed(1)} kB | ${(gzip / 1024).toFixed(2)} kB (${gzip} B) |`);
    if (name === "chatter") console.log(`Chatter client bundle, min + gzip: ${gzip} B — goal ≤ ${GOAL} B: ${gzip <= GOAL ? "met" : "NOT met"}`);
  }
  console.log(["| client | min | min + gzip |", "| --- | ---: | ---: |", ...rows].join("\n"));
}
