// `npm run build:web`: builds the chat's web apps with Vite into examples/chat/dist/,
// React (vite.config.ts) then Solid (examples/chat/solid/vite.config.ts) when it exists.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const vite = "node_modules/.bin/vite";
const configs = ["vite.config.ts", "examples/chat/solid/vite.config.ts"].filter((config) => existsSync(config));

for (const config of configs) {
  console.log(`building the web app of ${config}`);
  const { status } = spawnSync(vite, ["build", "--logLevel", "warn", "-c", config], { stdio: "inherit" });
  if (status !== 0) {
    console.error(`vite build -c ${config} failed`);
    process.exit(status ?? 1);
  }
}
