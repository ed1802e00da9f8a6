// The browser-safe entry ("./client"): nothing here reaches server code.
export { createSchema } from "../core/schema.ts";
export type { Schema, Procedure, Procedures, ProcedureDefinition } from "../core/schema.ts";
export { ChatterError, ERROR_CODES } from "../core/errors.ts";
export type { ChatterErrorCode, Issue } from "../core/errors.ts";
export type { StandardSchemaV1 } from "../core/standard.ts";
export type { CallOptions, ProcedureContext, InputOf, OutputOf, ParsedInputOf, Jsonify, Sendable, ItemOf, CallMap, ServerCallMap, KnownName, SchemaLike } from "../core/types.ts";
export type { StreamOptions } from "../core/streams.ts";
export { createClient } from "./createClient.ts";
export type {
  CacheUpdate,
  OpenInfo,
  CallResult,
  StreamItem,
  SchemaOf,
  SchemaOrServer,
  ChatterClient,
  ClientOptions,
  ClientStatus,
  ClientProcedure,
  ClientProcedures,
  HeartbeatOptions,
  ReconnectOptions,
  WebSocketLike,
  WebSocketConstructor,
} from "./types.ts";
