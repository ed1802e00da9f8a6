// The adapters' import rules (see each folder's README), checked on every source file:
// query/ takes only types from core/ and client/; react/ and solid/ take query/ and those
// types, their own framework, and never each other, server/ or redis/.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");

interface Rule {
  /** Folders (from the repo root) a file may import values from, besides its own. */
  values: string[];
  /** Folders it may import `import type`/`export type` only from. */
  types: string[];
  packages: string[];
}

const rules: Record<string, Rule> = {
  query: { values: [], types: ["core", "client"], packages: [] },
  react: { values: ["query"], types: ["core", "client"], packages: ["react", "@tanstack/react-query"] },
  solid: { values: ["query"], types: ["core", "client"], packages: ["solid-js", "@tanstack/solid-query"] },
};

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !/\.test(-d)?\.tsx?$/.test(file) && !file.split("/").includes("test"))
    .map((file) => join(folder, file));
}

/** Every `import … from "x"` / `export … from "x"` in `code`, and whether it is type-only. */
function imports(code: string): { specifier: string; typeOnly: boolean }[] {
  const found = code.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gms);
  return [...found].map((m) => ({ specifier: m[3]!, typeOnly: Boolean(m[2]) }));
}

function violations(file: string, code: string, rule: Rule): string[] {
  const own = file.split("/")[0]!;
  return imports(code).flatMap(({ specifier, typeOnly }) => {
    if (!specifier.startsWith(".")) {
      const allowed = rule.packages.some((name) => specifier === name || specifier.startsWith(`${name}/`));
      return allowed ? [] : [`${file} imports the package "${specifier}"`];
    }
    const folder = relative(root, resolve(root, file, "..", specifier)).split("/")[0]!;
    if (folder === own || rule.values.includes(folder)) return [];
    if (rule.types.includes(folder)) return typeOnly ? [] : [`${file} imports values from ${folder}/ ("${specifier}"): types only`];
    return [`${file} reaches ${folder}/ ("${specifier}")`];
  });
}

for (const [folder, rule] of Object.entries(rules)) {
  test(`${folder}/ imports only what its README allows`, () => {
    const files = sources(folder);
    expect(files.length).toBeGreaterThan(0);
    expect(files.flatMap((file) => violations(file, readFileSync(join(root, file), "utf8"), rule))).toEqual([]);
  });
}

test("a crossing import is caught", () => {
  const crossing = [
    'import { useCall } from "../react/index.ts";',
    'import type { ChatterServer } from "../server/types.ts";',
    'import { createClient } from "../client/createClient.ts";',
    'import {\n  useQuery,\n} from "@tanstack/react-query";',
  ].join("\n");
  expect(violations("solid/x.ts", crossing, rules.solid!)).toEqual([
    'solid/x.ts reaches react/ ("../react/index.ts")',
    'solid/x.ts reaches server/ ("../server/types.ts")',
    'solid/x.ts imports values from client/ ("../client/createClient.ts"): types only',
    'solid/x.ts imports the package "@tanstack/react-query"',
  ]);
  const fine = 'import type { ChatterClient } from "../client/types.ts";\nimport { callQueryKey } from "../query/index.ts";\nexport { x } from "./x.ts";';
  expect(violations("solid/y.ts", fine, rules.solid!)).toEqual([]);
});
