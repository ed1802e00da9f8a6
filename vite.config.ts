// Builds the React web chat (examples/chat/react) into examples/chat/dist/react,
// served by the chat server at /. `vite` alone runs it in dev mode against a chat
// server on port 5000 (`bun examples/chat/server.ts`).
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: source("./examples/chat/react"),
  base: "/",
  plugins: [react()],
  resolve: {
    // The package's own sources, as the tsconfig `paths` say (most specific first).
    alias: [
      { find: /^@manyducks\.co\/chatter\/client$/, replacement: source("./client/index.ts") },
      { find: /^@manyducks\.co\/chatter\/react$/, replacement: source("./react/index.ts") },
      { find: /^@manyducks\.co\/chatter$/, replacement: source("./index.ts") },
    ],
  },
  build: {
    outDir: source("./examples/chat/dist/react"),
    emptyOutDir: true,
  },
  server: {
    proxy: { "/ws": { target: "ws://localhost:5000", ws: true } },
  },
});
