// Preloaded by the "solid" test group only (`bun test --conditions browser --preload
// ./solid/test/setup.ts ./solid`): a DOM for Solid Testing Library, with Bun's own
// WebSocket kept, so the primitives talk to a real Bun server. `--conditions browser`
// makes `solid-js` resolve to its browser build; the default (server) build has no
// reactivity at all.
import { GlobalRegistrator } from "@happy-dom/global-registrator";
import { createRoot, createSignal, createComputed } from "solid-js";

const { WebSocket } = globalThis;
GlobalRegistrator.register({ url: "http://127.0.0.1/" });
globalThis.WebSocket = WebSocket;

// Fail loudly (not with puzzling timeouts) when the server build was loaded.
createRoot((dispose) => {
  const [value, setValue] = createSignal(0);
  let seen = -1;
  createComputed(() => (seen = value()));
  setValue(1);
  dispose();
  if (seen !== 1) throw new Error("solid-js resolved to its server build: run these tests with `bun test --conditions browser`");
});
