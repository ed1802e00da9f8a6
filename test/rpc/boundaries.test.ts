// The tree is the architecture: each folder may import only what its README says.
// This test reads every import of the package's sources and fails on one that crosses.
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const root = join(import.meta.dir, "../..");
/** Folder → the folders (or files) it may import; npm packages are listed by name. */
const allowed: Record<string, string[]> = {
  core: ["core"],
  client: ["core", "client"],
  server: ["core", "server"],
  redis: ["core", "redis", "server/adapter.ts"],
  query: ["core", "query", "client"],
  react: ["core", "client", "query", "react", "npm:react", "npm:@tanstack/react-query"],
  solid: ["core", "client", "query", "solid", "npm:solid-js", "npm:@tanstack/solid-query"],
};

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => /\.tsx?$/.test(file) && !/\.test(-d)?\.tsx?$/.test(file) && !file.split("/").includes("test"))
    .map((file) => join(folder, file));
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\("([^"]+)"\)/g)].map((m) => m[1] ?? m[2]!);
}

test("no import crosses a folder's boundary (the client never reaches server code; adapters never reach each other; the engine knows no socket)", () => {
  const crossings: string[] = [];
  for (const [folder, may] of Object.entries(allowed)) {
    const files = sources(folder);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const spec of imports(file)) {
        if (!spec.startsWith(".")) {
          if (!may.includes(`npm:${spec}`) && !may.some((m) => m.startsWith("npm:") && spec.startsWith(`${m.slice(4)}/`))) crossings.push(`${file} → ${spec}`);
          continue;
        }
        const target = relative(root, normalize(join(root, dirname(file), spec)));
        if (!may.some((m) => target === m || target.startsWith(`${m}/`))) crossings.push(`${file} → ${target}`);
      }
    }
  }
  expect(crossings).toEqual([]);
});

test("the boundary check sees a crossing (it is not vacuous)", () => {
  expect(imports("client/createClient.ts").some((spec) => spec.includes("core/peer.ts"))).toBe(true);
  expect(imports("index.ts").some((spec) => spec.includes("server/"))).toBe(true); // the root entry, outside every folder, may take both
});
