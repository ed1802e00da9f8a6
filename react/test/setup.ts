// Preloaded by the "react" test group only (`bun test --preload ./react/test/setup.ts ./react`):
// a DOM for React Testing Library. happy-dom replaces the network, abort and timer
// globals with its own; Bun's are put back so the hooks talk to a real Bun server
// exactly as they would in a browser.
import { GlobalRegistrator } from "@happy-dom/global-registrator";

const keep = [
  "WebSocket",
  "fetch",
  "Request",
  "Response",
  "Headers",
  "URL",
  "AbortController",
  "AbortSignal",
  "setTimeout",
  "clearTimeout",
  "setInterval",
  "clearInterval",
  "queueMicrotask",
] as const;
const bun = Object.fromEntries(keep.map((name) => [name, globalThis[name]]));
GlobalRegistrator.register({ url: "http://127.0.0.1/" });
Object.assign(globalThis, bun);
// React's `act` reads this flag, or it warns that the environment is not set up for it.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
