export { createSchema } from "./schema.ts";
export type { Schema, Procedure, Procedures, ProcedureDefinition } from "./schema.ts";
export { ChatterError, ERROR_CODES } from "./errors.ts";
export type { ChatterErrorCode, Issue } from "./errors.ts";
export type { StandardSchemaV1 } from "./standard.ts";
export type { CallOptions, ProcedureContext, InputOf, OutputOf, ParsedInputOf } from "./types.ts";
export { createServer } from "./createServer.ts";
export type { ChatterServer, ServerClient, ServerOptions, ServerProcedure, ServerProcedures, BunSocket, BunServer } from "./createServer.ts";
