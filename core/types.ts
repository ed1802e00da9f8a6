import type { StandardSchemaV1 } from "./standard.ts";
import type { Procedures, Schema } from "./schema.ts";

export type MaybePromise<T> = T | Promise<T>;

/** What a caller passes: the input schema's input type, or nothing. */
export type InputOf<P> = P extends { readonly input: infer I extends StandardSchemaV1 } ? StandardSchemaV1.InferInput<I> : undefined;

/** What a procedure receives: the input schema's output type (after transforms). */
export type ParsedInputOf<P> = P extends { readonly input: infer I extends StandardSchemaV1 } ? StandardSchemaV1.InferOutput<I> : undefined;

/** What a caller gets back: the output schema's output, else `Fallback` (the implementation's type, when known). */
export type OutputOf<P, Fallback = unknown> = P extends { readonly output: infer O extends StandardSchemaV1 }
  ? StandardSchemaV1.InferOutput<O>
  : Fallback;

/** What an implementation may return: the output schema's input type, else anything. */
export type ReturnOf<P> = P extends { readonly output: infer O extends StandardSchemaV1 } ? StandardSchemaV1.InferInput<O> : unknown;

/** `(name, input, options?)`, with `input` optional when the procedure takes none (or accepts undefined). */
export type CallArgs<P, O> = undefined extends InputOf<P> ? [input?: InputOf<P>, options?: O] : [input: InputOf<P>, options?: O];

/** `(topic, name, input)` for a publish. */
export type PublishArgs<P> = undefined extends InputOf<P> ? [input?: InputOf<P>] : [input: InputOf<P>];

export interface CallOptions {
  /** Milliseconds before the call rejects with `TIMEOUT`; the other side is told to stop. */
  timeout?: number;
  /** Aborting rejects the call with `CANCELLED` and aborts the other side's `signal`. */
  signal?: AbortSignal;
}

/** What a procedure gets besides its input. */
export interface ProcedureContext {
  /** Aborts when the caller cancels, times out or disconnects. */
  readonly signal: AbortSignal;
}

export type AnySchema = Schema<Procedures, Procedures>;
export type ServerProceduresOf<T extends AnySchema> = T["server"];
export type ClientProceduresOf<T extends AnySchema> = T["client"];
