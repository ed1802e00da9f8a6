// The type-check cost a user pays for N procedures, in a project with both ends: the
// schema, a server implementing each procedure, a client calling each and a React
// component querying each. Side by side, on the same contract (a zod input and output
// per procedure):
// - Chatter: createSchema, createServer, createClient, useCall (createChatterReact),
//   read from declarations built from this tree, imported as a user imports the package;
// - tRPC v11: a router of `.input().output().query()`, createTRPCClient, and
//   `useQuery(trpc.pN.queryOptions(…))` from @trpc/tanstack-react-query;
// - the floor: the same project with no RPC library — zod's own inference of the same
//   schemas written out by hand (handler, call and query types) and TanStack's useQuery.
//   No wrapper can cost less.
// `tsc --noEmit --extendedDiagnostics`: instantiations (deterministic) and check time
// (median of the runs, interleaved across systems; noisy on a shared machine).
//
//   bun bench/typecheck.ts [--sizes 50,200,500,1000] [--runs 3] [--keep]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const here = dirname(new URL(import.meta.url).pathname);
const root = join(here, "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const work = join(here, "typecheck"); // under bench/, so zod, tRPC and TanStack resolve from bench/node_modules
const types = join(work, "dist");

const range = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join("\n");
const input = (i: number) => `z.object({ id: z.number(), name: z.string(), tag${i}: z.string().optional() })`;
const output = (i: number) => `z.object({ ok: z.boolean(), n${i}: z.number() })`;

/** Each system's project: file name → source. */
const projects: Record<string, (n: number) => Record<string, string>> = {
  chatter: (n) => ({
    "schema.ts": `import { z } from "zod";
import { createSchema } from "@manyducks.co/chatter";
export const schema = createSchema({
  server: {
${range(n, (i) => `    p${i}: { input: ${input(i)}, output: ${output(i)} },`)}
  },
});
`,
    "server.ts": `import { createServer } from "@manyducks.co/chatter/server";
import { schema } from "./schema";
export const server = createServer({
  schema,
  procedures: {
${range(n, (i) => `    p${i}: (input) => ({ ok: true, n${i}: input.id }),`)}
  },
});
`,
    "client.ts": `import { createClient } from "@manyducks.co/chatter/client";
import { schema } from "./schema";
const client = createClient({ url: "ws://localhost:5000", schema });
export async function main(): Promise<number> {
  let total = 0;
${range(n, (i) => `  total += (await client.call("p${i}", { id: ${i}, name: "x" })).n${i};`)}
  return total;
}
`,
    "app.tsx": `import { createChatterReact } from "@manyducks.co/chatter/react";
import type { schema } from "./schema";
const { useCall } = createChatterReact<typeof schema>();
export function App() {
  let total = 0;
${range(n, (i) => `  total += useCall("p${i}", { id: ${i}, name: "x" }).data?.n${i} ?? 0;`)}
  return <p>{total}</p>;
}
`,
  }),
  trpc: (n) => ({
    "server.ts": `import { z } from "zod";
import { initTRPC } from "@trpc/server";
const t = initTRPC.create();
export const router = t.router({
${range(n, (i) => `  p${i}: t.procedure.input(${input(i)}).output(${output(i)}).query(({ input }) => ({ ok: true, n${i}: input.id })),`)}
});
export type Router = typeof router;
`,
    "client.ts": `import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import type { Router } from "./server";
const client = createTRPCClient<Router>({ links: [wsLink({ client: createWSClient({ url: "ws://localhost:5000" }) })] });
export async function main(): Promise<number> {
  let total = 0;
${range(n, (i) => `  total += (await client.p${i}.query({ id: ${i}, name: "x" })).n${i};`)}
  return total;
}
`,
    "app.tsx": `import { useQuery } from "@tanstack/react-query";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { Router } from "./server";
const { useTRPC } = createTRPCContext<Router>();
export function App() {
  const trpc = useTRPC();
  let total = 0;
${range(n, (i) => `  total += useQuery(trpc.p${i}.queryOptions({ id: ${i}, name: "x" })).data?.n${i} ?? 0;`)}
  return <p>{total}</p>;
}
`,
  }),
  floor: (n) => ({
    "schema.ts": `import { z } from "zod";
export const schema = {
${range(n, (i) => `  p${i}: { input: ${input(i)}, output: ${output(i)} },`)}
};
export type S = typeof schema;
/** A hand-written transport: the caller names the result type. */
export declare function send<T>(name: string, input: unknown): Promise<T>;
`,
    "server.ts": `import type { z } from "zod";
import type { S } from "./schema";
export const procedures = {
${range(n, (i) => `  p${i}: (input: z.output<S["p${i}"]["input"]>): z.input<S["p${i}"]["output"]> => ({ ok: true, n${i}: input.id }),`)}
};
`,
    "client.ts": `import type { z } from "zod";
import { send, type S } from "./schema";
export async function main(): Promise<number> {
  let total = 0;
${range(n, (i) => `  const i${i}: z.input<S["p${i}"]["input"]> = { id: ${i}, name: "x" };\n  total += (await send<z.output<S["p${i}"]["output"]>>("p${i}", i${i})).n${i};`)}
  return total;
}
`,
    "app.tsx": `import { useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import { send, type S } from "./schema";
export function App() {
  let total = 0;
${range(n, (i) => `  const i${i}: z.input<S["p${i}"]["input"]> = { id: ${i}, name: "x" };\n  total += useQuery({ queryKey: ["p${i}", i${i}], queryFn: () => send<z.output<S["p${i}"]["output"]>>("p${i}", i${i}) }).data?.n${i} ?? 0;`)}
  return <p>{total}</p>;
}
`,
  }),
};
export const SYSTEMS = Object.keys(projects);

const tsconfig = JSON.stringify({
  compilerOptions: {
    target: "ES2022",
    module: "ESNext",
    moduleResolution: "bundler",
    jsx: "react-jsx",
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    lib: ["ES2023", "DOM"],
    types: [],
    // As a user resolves the package, from its declarations.
    paths: Object.fromEntries(["", "/client", "/server", "/react"].map((entry) => [`@manyducks.co/chatter${entry}`, [join(types, entry, "index.d.ts")]])),
  },
  include: ["*.ts", "*.tsx"],
});

/** Builds Chatter's declarations from this tree (as `npm run build`, apart from the repo's dist/). */
function buildDeclarations(): void {
  const r = spawnSync("node", [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", types, "--emitDeclarationOnly"], { encoding: "utf8", cwd: root });
  // A type error elsewhere still emits; only missing entry points stop us.
  for (const entry of ["", "client", "server", "react"]) {
    if (!existsSync(join(types, entry, "index.d.ts"))) throw new Error(`building Chatter's declarations failed:\n${r.stdout}${r.stderr}`);
  }
}

interface Sample {
  instantiations: number;
  check: number;
}

function measure(dir: string): Sample {
  const r = spawnSync("node", [tsc, "-p", dir, "--extendedDiagnostics"], { encoding: "utf8" });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) throw new Error(`tsc -p ${dir} failed:\n${out.slice(0, 3000)}`);
  const num = (label: string) => Number(out.match(new RegExp(`${label}:\\s+([\\d.]+)`))?.[1]);
  return { instantiations: num("Instantiations"), check: num("Check time") };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const count = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${Math.round(x / 1e3)}k`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/** Measures every size and returns the markdown table (with a goal line). */
export function typecheckTable(sizes: number[], runs: number, keep = false): string {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  buildDeclarations();
  const rows: string[] = [];
  for (const n of sizes) {
    const samples: Record<string, Sample[]> = {};
    for (const system of SYSTEMS) {
      const dir = join(work, `${system}-${n}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "tsconfig.json"), tsconfig);
      for (const [file, source] of Object.entries(projects[system]!(n))) writeFileSync(join(dir, file), source);
    }
    for (let run = 0; run < runs; run++) {
      for (const system of SYSTEMS) (samples[system] ??= []).push(measure(join(work, `${system}-${n}`)));
    }
    const inst = (s: string) => samples[s]![0]!.instantiations;
    const check = (s: string) => median(samples[s]!.map((x) => x.check));
    rows.push(
      `| ${n} | ${count(inst("chatter"))} | ${count(inst("trpc"))} | ${count(inst("floor"))} | ${ratio(inst("chatter"), inst("trpc"))} | ${ratio(inst("chatter"), inst("floor"))} | ` +
        `${check("chatter").toFixed(2)} s | ${check("trpc").toFixed(2)} s | ${check("floor").toFixed(2)} s | ${ratio(check("chatter"), check("trpc"))} |`,
    );
    console.error(`  typecheck: ${n} procedures done`);
  }
  if (!keep) rmSync(work, { recursive: true, force: true });
  return [
    `Type check of N procedures (schema, server, client, React component each); instantiations, and check time as the median of ${runs} run(s):`,
    "",
    "| N | Chatter | tRPC v11 | floor (zod) | Chatter ÷ tRPC | Chatter ÷ floor | Chatter check | tRPC check | floor check | Chatter ÷ tRPC |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    "Goals at N = 500: instantiations ≤ 0.65× tRPC's and ≈ 1.1× the floor; check time ≤ 0.7× tRPC's and linear in N.",
  ].join("\n");
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
  const sizes = (option("sizes") ?? "50,200,500,1000").split(",").map(Number);
  console.log(typecheckTable(sizes, Number(option("runs") ?? 3), args.includes("--keep")));
}
