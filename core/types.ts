// The types of what crosses the wire. The rule (docs/protocol.md, "What the types say"):
// every value crosses as JSON; the end that implements a procedure parses its input
// with the schema, and the server parses every output (its own before they leave, a
// client's when it arrives). So an implementation sees `z.output` of its input, a
// caller passes `z.input` — which must survive JSON, or it is a compile error — and a
// client's call resolves to the JSON of the server's parsed output (`Jsonify`).
import type { StandardSchemaV1 } from "./standard.ts";

export type MaybePromise<T> = T | Promise<T>;

type InferIn<S> = S extends StandardSchemaV1 ? NonNullable<S["~standard"]["types"]>["input"] : undefined;
type InferOut<S> = S extends StandardSchemaV1 ? NonNullable<S["~standard"]["types"]>["output"] : undefined;

/** What a caller passes: the input schema's input type, or nothing. */
export type InputOf<P> = P extends { readonly input: infer I } ? InferIn<I> : undefined;

/** What a procedure receives: the input schema's output type (after transforms). */
export type ParsedInputOf<P> = P extends { readonly input: infer I } ? InferOut<I> : undefined;

/** What the server gets from a client procedure: its output schema's output (the server parses it), else `Fallback`. */
export type OutputOf<P, Fallback = unknown> = P extends { readonly output: infer O } ? InferOut<O> : Fallback;

/** What an implementation may return: the output schema's input type, else anything; for a stream, an `AsyncIterable` of the item schema's input type. */
export type ReturnOf<P> = P extends { readonly stream: infer S } ? AsyncIterable<InferIn<S>> : P extends { readonly output: infer O } ? InferIn<O> : unknown;

/** What the server gets from each item of a stream: the item schema's output (the server parses it). */
export type ItemOf<P> = P extends { readonly stream: infer S } ? InferOut<S> : unknown;

/** The names of `S`'s plain procedures (what `call` takes)… */
export type CallName<S> = { [K in keyof S]: S[K] extends { readonly stream: StandardSchemaV1 } ? never : K }[keyof S] & string;
/** …and of its streams (what `stream` takes). */
export type StreamName<S> = { [K in keyof S]: S[K] extends { readonly stream: StandardSchemaV1 } ? K : never }[keyof S] & string;

/**
 * What `T` becomes through `JSON.stringify` then `JSON.parse`, as tRPC's `Serialize`: a
 * `Date` is its ISO string, `undefined` fields are left out, functions and symbols vanish
 * (`null` in an array), a `Map` or `Set` is `{}`.
 */
export type Jsonify<T> = unknown extends T
  ? T // `unknown` and `any` stay as they are
  : T extends string | number | boolean | null
    ? T
    : T extends { toJSON(...args: any[]): infer J }
      ? Jsonify<J>
      : T extends undefined | symbol | ((...args: any[]) => unknown)
        ? undefined
        : T extends readonly unknown[]
          ? { [K in keyof T]: JsonifyItem<T[K]> }
          : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
            ? {}
            : T extends object
              ? JsonifyObject<T>
              : never; // bigint: JSON.stringify throws

/** An array element: what JSON cannot hold is `null` there. */
type JsonifyItem<T> = T extends undefined | symbol | ((...args: any[]) => unknown) ? null : Jsonify<T>;

type JsonifyObject<T> = {
  [K in keyof T as K extends symbol ? never : T[K] extends symbol | ((...args: any[]) => unknown) ? never : undefined extends T[K] ? K : never]?: Jsonify<
    Exclude<T[K], undefined>
  >;
} & {
  [K in keyof T as K extends symbol ? never : T[K] extends symbol | ((...args: any[]) => unknown) ? never : undefined extends T[K] ? never : K]: Jsonify<T[K]>;
} extends infer O
  ? { [K in keyof O]: O[K] }
  : never;

/** A value JSON cannot carry as is: a caller's input of this type would arrive changed. */
type NotJson = Date | ReadonlyMap<unknown, unknown> | ReadonlySet<unknown> | bigint | symbol | RegExp | ArrayBufferView | ((...args: any[]) => unknown);

/**
 * `T` when it survives JSON unchanged; otherwise a type no value has, whose name says why,
 * so `call("at", { when: new Date() })` on a `z.date()` input fails to compile.
 */
export type Sendable<T> = unknown extends T ? T : true extends HasNotJson<T, 4> ? CannotCrossTheWire<T> : T;

/** Use a JSON form in the schema (e.g. `z.iso.datetime()`, or `z.string().transform(...)` parsed where it is used). */
export interface CannotCrossTheWire<T> {
  readonly "this input holds a value JSON cannot carry (Date, Map, Set, bigint…)": T;
}

// Depth-bounded: deeper than that is rare in an RPC input, and the check must stay cheap.
type HasNotJson<T, D extends number> = T extends NotJson
  ? true
  : [D] extends [0]
    ? false
    : T extends object
      ? true extends { [K in keyof T]-?: HasNotJson<T[K], Prev[D]> }[keyof T]
        ? true
        : false
      : false;
type Prev = [0, 0, 1, 2, 3];

/** `(name, input, options?)`, with `input` optional when the procedure takes none (or accepts undefined). */
export type CallArgs<P, O> = undefined extends InputOf<P> ? [input?: Sendable<InputOf<P>>, options?: O] : [input: Sendable<InputOf<P>>, options?: O];

/** `(topic, name, input)` for a publish. */
export type PublishArgs<P> = undefined extends InputOf<P> ? [input?: Sendable<InputOf<P>>] : [input: Sendable<InputOf<P>>];

export interface CallOptions {
  /** Milliseconds before the call rejects with `TIMEOUT`; the other side is told to stop. @default the client's or server's `timeout` */
  timeout?: number;
  /** Aborting rejects the call with `CANCELLED` and aborts the other side's `signal`. */
  signal?: AbortSignal;
}

/** What a procedure gets besides its input. */
export interface ProcedureContext {
  /** Aborts when the caller cancels, times out or disconnects. */
  readonly signal: AbortSignal;
}
