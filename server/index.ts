// The server entry ("./server"): Bun only.
export { createSchema } from "../core/schema.ts";
export type { Schema, Procedure, Procedures, ProcedureDefinition } from "../core/schema.ts";
export { ChatterError, ERROR_CODES } from "../core/errors.ts";
export type { ChatterErrorCode, Issue } from "../core/errors.ts";
export type { StandardSchemaV1 } from "../core/standard.ts";
export type { CallOptions, ProcedureContext, InputOf, OutputOf, ParsedInputOf, Jsonify, Sendable, ItemOf, CallMap, ServerCallMap, KnownName, SchemaLike } from "../core/types.ts";
export type { StreamOptions } from "../core/streams.ts";
export { createServer } from "./createServer.ts";
export { clientTopic } from "./adapter.ts";
export type { Adapter, AdapterHost, LogEntry, RecoveryStore, RecoveryStoreOptions } from "./adapter.ts";
export type { CallAllEntry } from "./cluster.ts";
export type { JsonValue, PresenceDiff, PresenceEntry, PresenceHost, PresenceStore, StoredEntry } from "./presence.ts";
export type { RecoveryOptions } from "./recovery.ts";
export type { ChatterServer, Meta, MetaInput, ServerClient, ServerOptions, ServerProcedure, ServerProcedures, BunSocket, BunServer, BunWebSocketHandler } from "./types.ts";
