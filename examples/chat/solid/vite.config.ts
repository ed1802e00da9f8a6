// Builds the Solid web chat (examples/chat/solid) into examples/chat/dist/solid,
// served by the chat server at /solid/. `vite -c examples/chat/solid/vite.config.ts`
// runs it in dev mode against a chat server on port 5000 (`bun examples/chat/server.ts`).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: source("."),
  base: "/solid/",
  plugins: [solid()],
  resolve: {
    // The package's own sources, as the tsconfig `paths` say (most specific first).
    alias: [
      { find: /^@manyducks\.co\/chatter\/client$/, replacement: source("../../../client/index.ts") },
      { find: /^@manyducks\.co\/chatter\/solid$/, replacement: source("../../../solid/index.ts") },
      { find: /^@manyducks\.co\/chatter$/, replacement: source("../../../index.ts") },
    ],
  },
  build: {
    outDir: source("../dist/solid"),
    emptyOutDir: true,
  },
  server: {
    proxy: { "/ws": { target: "ws://localhost:5000", ws: true } },
  },
});
