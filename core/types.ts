// The types of what crosses the wire. The rule (docs/protocol.md, "What the types say"):
// every value crosses as JSON; the end that implements a procedure parses its input
// with the schema, and the server parses every output (its own before they leave, a
// client's when it arrives). So an implementation sees `z.output` of its input, a
// caller passes `z.input` — which must survive JSON, or it is a compile error — and a
// client's call resolves to the JSON of the server's parsed output (`Jsonify`).
import type { Schema } from "./schema.ts";
import type { StandardSchemaV1 } from "./standard.ts";
import type { StreamOptions } from "./streams.ts";

export type MaybePromise<T> = T | Promise<T>;

/**
 * A validator, as the types ask for one (the run time checks it is a Standard Schema). Its
 * `~standard` is `any` so that relating a schema to it reads nothing: a zod 4 schema's
 * `~standard` type carries JSON Schema props, ~150 instantiations a schema to compare, at
 * every constraint the schema meets. `any` also keeps it a `StandardSchemaV1` where the
 * engine validates with it.
 */
export interface SchemaLike {
  readonly "~standard": any;
}

// A validator's types: zod's own carrier first (what `z.input`/`z.output` read, and what its
// `~standard` types are made of), else Standard Schema's (Valibot, ArkType…).
/** The type a validator accepts (`z.input`). */
export type InferIn<S> = S extends { readonly _zod: { readonly input: any } }
  ? S["_zod"]["input"]
  : S extends StandardSchemaV1
    ? NonNullable<S["~standard"]["types"]>["input"]
    : undefined;
/** The type a validator produces (`z.output`). */
export type InferOut<S> = S extends { readonly _zod: { readonly output: any } }
  ? S["_zod"]["output"]
  : S extends StandardSchemaV1
    ? NonNullable<S["~standard"]["types"]>["output"]
    : undefined;

// Below, `P extends { input: any } ? …P["input"]` rather than `infer`: the same answer, cheaper.
/** What a caller passes: the input schema's input type, or nothing. */
export type InputOf<P> = P extends { readonly input: any } ? InferIn<P["input"]> : undefined;

/** What a procedure receives: the input schema's output type (after transforms). */
export type ParsedInputOf<P> = P extends { readonly input: any } ? InferOut<P["input"]> : undefined;

/** What the server gets from a client procedure: its output schema's output (the server parses it), else `Fallback`. */
export type OutputOf<P, Fallback = unknown> = P extends { readonly output: any } ? InferOut<P["output"]> : Fallback;

/** What an implementation may return: the output schema's input type, else anything; for a stream, an `AsyncIterable` of the item schema's input type. */
export type ReturnOf<P> = P extends { readonly stream: any }
  ? AsyncIterable<InferIn<P["stream"]>>
  : P extends { readonly output: any }
    ? InferIn<P["output"]>
    : unknown;

/** What the server gets from each item of a stream: the item schema's output (the server parses it). */
export type ItemOf<P> = P extends { readonly stream: any } ? InferOut<P["stream"]> : unknown;

/** The names of `S`'s plain procedures (what `call` takes)… */
export type CallName<S> = { [K in keyof S]: S[K] extends { readonly stream: SchemaLike } ? never : K }[keyof S] & string;
/** …and of its streams (what `stream` takes). */
export type StreamName<S> = { [K in keyof S]: S[K] extends { readonly stream: SchemaLike } ? K : never }[keyof S] & string;

/**
 * What `T` becomes through `JSON.stringify` then `JSON.parse`, as tRPC's `Serialize`: a
 * `Date` is its ISO string, `undefined` fields are left out, functions and symbols vanish
 * (`null` in an array), a `Map` or `Set` is `{}`. A type that is JSON already (most results)
 * is itself, at the cost of one comparison.
 */
export type Jsonify<T> = T extends Json ? T : JsonifyOther<T>;

/** What JSON carries unchanged; an optional field may also be missing. */
type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };

type JsonifyOther<T> = unknown extends T
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
// The first test is distributive (`true` only when every member of `T` is JSON, `boolean` for a
// mix); a tuple-wrapped `[T] extends [JsonInput]` says the same at ~20 more instantiations a type.
export type Sendable<T> = (T extends JsonInput ? true : false) extends true ? T : unknown extends T ? T : true extends HasNotJson<T, 4> ? CannotCrossTheWire<T> : T;

/** What needs no closer look: JSON, with `undefined` where a field (or the input) is left out. */
type JsonInput = string | number | boolean | null | undefined | readonly JsonInput[] | { readonly [key: string]: JsonInput };

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

/** A server's type (`typeof server`), as a client reads it: its schema, and what its procedures return. */
type ServerLike = { readonly schema: Schema; readonly $types?: { procedures: unknown } };
/** A schema, or a server's type (`createClient<typeof server>`) to also learn what undeclared outputs return. */
export type SchemaOrServer = Schema | ServerLike;
export type SchemaOf<T> = T extends Schema ? T : T extends ServerLike ? T["schema"] : never;
type ImplementationOf<T> = T extends ServerLike ? NonNullable<T["$types"]>["procedures"] : unknown;
/** `OutputOf<P, ImplementationResult<Impl, K>>`, with the implementation looked at only when there is no output schema. */
type ResultOf<P, Impl, K> = P extends { readonly output: any } ? InferOut<P["output"]> : ImplementationResult<Impl, K>;
/** What the implementation of `K` resolves to, when it is known. */
type ImplementationResult<Impl, K> = K extends keyof Impl ? (Impl[K] extends (...args: any[]) => infer R ? Awaited<R> : unknown) : unknown;

/**
 * One side's procedures by name, as the other side calls them, built once per schema side.
 * Each entry holds what a caller passes (`input`; `sent`, as it may cross the wire), the
 * arguments after the name (`args` of `call`/`stream`, `publish` of a publish), and what
 * comes back (`result` of a call, `item` of a stream; `returns`, what an implementation may
 * give, e.g. to `setData`).
 *
 * Read an entry as `CallMap<P>[K]` with `K extends string`, and check the name apart
 * (`KnownName`). The string index signature makes `CallMap<P>[K]` one small type while `K`
 * is still being inferred; indexed by the union of every name instead, the first call of a
 * project builds every procedure's types before it knows which one it calls.
 */
export type CallMap<P> = AnyCalls & {
  readonly [K in keyof P]: {
    readonly input: InputOf<P[K]>;
    readonly sent: Sendable<InputOf<P[K]>>;
    readonly args: CallArgs<P[K], P[K] extends { readonly stream: SchemaLike } ? StreamOptions : CallOptions>;
    readonly publish: PublishArgs<P[K]>;
    readonly result: OutputOf<P[K]>;
    readonly item: ItemOf<P[K]>;
    readonly returns: ReturnOf<P[K]>;
  };
};

/**
 * The server's procedures as a client calls them (`CallMap`'s `input`, `args`, `result`,
 * `item`): results and items are the JSON of what the server sends, and a result with no
 * `output` schema is what the implementation returns when `T` is a server's type.
 */
export type ServerCallMap<T> = ServerCalls<SchemaOf<T>["server"], ImplementationOf<T>>;
type ServerCalls<P, Impl> = AnyCalls & {
  readonly [K in keyof P]: {
    readonly input: InputOf<P[K]>;
    readonly args: CallArgs<P[K], P[K] extends { readonly stream: SchemaLike } ? StreamOptions : CallOptions>;
    readonly result: Jsonify<ResultOf<P[K], Impl, K>>;
    readonly item: Jsonify<ItemOf<P[K]>>;
    /** What a query cache holds for it: the result, or a stream's items so far (a streamed query's data). */
    readonly cached: P[K] extends { readonly stream: SchemaLike } ? Jsonify<ItemOf<P[K]>>[] : Jsonify<ResultOf<P[K], Impl, K>>;
  };
};

/** What a `CallMap` entry of an unknown name holds. */
interface AnyCalls {
  readonly [name: string]: {
    readonly input: unknown;
    readonly sent: unknown;
    readonly args: readonly unknown[];
    readonly publish: readonly unknown[];
    readonly result: unknown;
    readonly item: unknown;
    readonly cached: unknown;
    readonly returns: unknown;
  };
}

/**
 * `K` when it is one of `Names`, else `Names`: a name parameter typed `KnownName<K, Names>`
 * (with `K extends string`) accepts the names, completes them, and fails a wrong one against
 * the list of names.
 */
export type KnownName<K, Names> = K extends Names ? K : Names;

/**
 * What `call(K)` resolves to: the JSON of the server's parsed output (a `Date` arrives as
 * its string), or of what its implementation returns when the output is undeclared.
 */
export type CallResult<T, K extends PropertyKey> = ServerCallMap<T>[K & string]["result"];

/** What a query cache holds for the server procedure `K`: its result, or a stream's items. */
export type CachedData<T, K extends PropertyKey> = ServerCallMap<T>[K & string]["cached"];

/** What each item of the server stream `K` arrives as: the JSON of the server's parsed item. */
export type StreamItem<T, K extends PropertyKey> = ServerCallMap<T>[K & string]["item"];
