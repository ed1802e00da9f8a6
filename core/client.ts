// The browser-safe entry: nothing here reaches server code.
export { createSchema } from "./schema.ts";
export type { Schema, Procedure, Procedures, ProcedureDefinition } from "./schema.ts";
export { ChatterError, ERROR_CODES } from "./errors.ts";
export type { ChatterErrorCode, Issue } from "./errors.ts";
export type { StandardSchemaV1 } from "./standard.ts";
export type { CallOptions, ProcedureContext, InputOf, OutputOf, ParsedInputOf } from "./types.ts";
export { createClient } from "./createClient.ts";
export type { CallResult, SchemaOf, SchemaOrServer, ChatterClient, ClientOptions, ClientStatus, ClientProcedure, ClientProcedures, WebSocketLike } from "./createClient.ts";
