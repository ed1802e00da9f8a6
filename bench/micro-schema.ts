// micro.ts's schema: Zod, like the socket benchmarks, imported from bench's own node_modules.
export { schema, payload } from "./systems/schema.ts";
