// The type-check cost a user pays: a schema of N procedures and a client calling each,
// against tRPC v11's router with the same Zod inputs and outputs, under
// `tsc --noEmit --extendedDiagnostics` (instantiations and check time, median of runs).
// Chatter is read from its built declarations (as a user gets them from npm).
//
//   bun bench/typecheck.ts [--sizes 50,200,500] [--runs 3]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const here = dirname(new URL(import.meta.url).pathname);
const root = join(here, "..");
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const sizes = (option("sizes") ?? "50,200,500").split(",").map(Number);
const runs = Number(option("runs") ?? 3);
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const work = join(here, "typecheck");
const types = join(work, "dist");

if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// Chatter's declarations, built apart from the repo's dist/.
const built = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", types, "--emitDeclarationOnly"], { encoding: "utf8", cwd: root });
// Errors elsewhere in the repo (react/, solid/) still emit core's declarations; only their absence stops us.
if (!existsSync(join(types, "client", "index.d.ts"))) throw new Error(`building Chatter's declarations failed:\n${built.stdout}${built.stderr}`);

const input = (i: number) => `z.object({ id: z.number(), name: z.string(), tag${i}: z.string().optional() })`;
const output = (i: number) => `z.object({ ok: z.boolean(), n${i}: z.number() })`;

function chatter(n: number): string {
  const procs = Array.from({ length: n }, (_, i) => `    p${i}: { input: ${input(i)}, output: ${output(i)} },`).join("\n");
  const calls = Array.from({ length: n }, (_, i) => `  const r${i} = await client.call("p${i}", { id: ${i}, name: "x" });\n  total += r${i}.n${i};`).join("\n");
  return `import { z } from "zod";
import { createSchema } from "./dist/index.js";
import { createClient } from "./dist/client/index.js";

export const schema = createSchema({
  server: {
${procs}
  },
});
const client = createClient({ url: "ws://localhost:5000", schema });
export async function main(): Promise<number> {
  let total = 0;
${calls}
  return total;
}
`;
}

function trpc(n: number): string {
  const procs = Array.from({ length: n }, (_, i) => `  p${i}: t.procedure.input(${input(i)}).output(${output(i)}).mutation(({ input }) => ({ ok: true, n${i}: input.id })),`).join("\n");
  const calls = Array.from({ length: n }, (_, i) => `  const r${i} = await client.p${i}.mutate({ id: ${i}, name: "x" });\n  total += r${i}.n${i};`).join("\n");
  return `import { z } from "zod";
import { initTRPC } from "@trpc/server";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";

const t = initTRPC.create();
export const router = t.router({
${procs}
});
const client = createTRPCClient<typeof router>({ links: [wsLink({ client: createWSClient({ url: "ws://localhost:5000" }) })] });
export async function main(): Promise<number> {
  let total = 0;
${calls}
  return total;
}
`;
}

const tsconfig = (file: string) =>
  JSON.stringify({
    compilerOptions: { target: "ES2022", module: "ESNext", moduleResolution: "bundler", strict: true, skipLibCheck: true, noEmit: true, lib: ["ES2023", "DOM"], types: [] },
    files: [file],
  });

function measure(system: string, n: number): { instantiations: number; check: number; total: number } {
  const file = `${system}-${n}.ts`;
  writeFileSync(join(work, file), system === "chatter" ? chatter(n) : trpc(n));
  writeFileSync(join(work, `tsconfig.${system}-${n}.json`), tsconfig(file));
  const samples: { instantiations: number; check: number; total: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync("node", [tsc, "-p", join(work, `tsconfig.${system}-${n}.json`), "--extendedDiagnostics"], { encoding: "utf8", cwd: work });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`tsc ${system} ${n} failed:\n${out.slice(0, 2000)}`);
    const num = (label: string) => Number(out.match(new RegExp(`${label}:\\s+([\\d.]+)`))?.[1]);
    samples.push({ instantiations: num("Instantiations"), check: num("Check time"), total: num("Total time") });
  }
  const med = (k: "check" | "total") => samples.map((s) => s[k]).sort((a, b) => a - b)[samples.length >> 1]!;
  return { instantiations: samples[0]!.instantiations, check: med("check"), total: med("total") };
}

const rows: string[] = [];
for (const n of sizes) {
  const c = measure("chatter", n);
  const t = measure("trpc", n);
  rows.push(
    `| ${n} | ${c.instantiations.toLocaleString("en")} | ${t.instantiations.toLocaleString("en")} | ${(c.instantiations / t.instantiations).toFixed(2)}× | ${c.check.toFixed(2)} s | ${t.check.toFixed(2)} s | ${(c.check / t.check).toFixed(2)}× |`,
  );
  console.error(`  ${n} procedures done`);
}
console.log(
  [
    "| procedures | Chatter instantiations | tRPC instantiations | ratio | Chatter check time | tRPC check time | ratio |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
  ].join("\n"),
);
console.log("Goals for 500 procedures: instantiations ≤ 0.5× tRPC's, check time ≤ 0.7× tRPC's and linear in N.");
if (!args.includes("--keep")) rmSync(work, { recursive: true, force: true });
