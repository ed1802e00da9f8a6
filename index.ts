// The package's root entry ("."): the client and the server together. Server parts
// touch Bun only when called; a browser bundle should import "./client" instead.
export * from "./client/index.ts";
export { createServer } from "./server/createServer.ts";
export { clientTopic } from "./server/adapter.ts";
export type { Adapter, AdapterHost } from "./server/adapter.ts";
export type { JsonValue, PresenceDiff, PresenceEntry, PresenceStore } from "./server/presence.ts";
export type { ChatterServer, ServerClient, ServerOptions, ServerProcedure, ServerProcedures, BunSocket, BunServer, BunWebSocketHandler } from "./server/types.ts";
