// `npm run build:web`: builds the chat's web apps with Vite into examples/chat/dist/,
// React (vite.config.ts) then Solid (examples/chat/solid/vite.config.ts).
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const vite = join(root, "node_modules/.bin/vite");
const configs = [join(root, "vite.config.ts"), join(root, "examples/chat/solid/vite.config.ts")];

for (const config of configs) {
  console.log(`building the web app of ${config}`);
  const { status } = spawnSync(vite, ["build", "--logLevel", "warn", "-c", config], { stdio: "inherit" });
  if (status !== 0) {
    console.error(`vite build -c ${config} failed`);
    process.exit(status ?? 1);
  }
}
