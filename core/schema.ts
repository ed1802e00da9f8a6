import type { StandardSchemaV1 } from "./standard.ts";
import { isStandardSchema } from "./standard.ts";
import type { Issue } from "./errors.ts";
import type { InferIn, InferOut, SchemaLike } from "./types.ts";

/** A procedure: what it takes and, optionally, what it returns — or, for a stream, the schema of each item it yields. */
export interface Procedure<I extends SchemaLike | undefined = SchemaLike | undefined, O extends SchemaLike | undefined = SchemaLike | undefined> {
  readonly input?: I;
  readonly output?: O;
  readonly stream?: SchemaLike;
}

// Validators are `SchemaLike` here, not `StandardSchemaV1`: comparing a zod schema to the latter
// costs ~150 instantiations each (see `SchemaLike`); the run time checks them (`isStandardSchema`).
/** A procedure as written in `createSchema`: `{ input?, output? }` or the shorthand shape of the input. */
export type ProcedureDefinition =
  | { readonly input?: SchemaLike; readonly output?: SchemaLike }
  | { readonly input?: SchemaLike; readonly stream: SchemaLike }
  | { readonly [field: string]: SchemaLike };

export type ProcedureDefinitions = { readonly [name: string]: ProcedureDefinition };

/** The schema of a shorthand shape: an object whose fields are the shape's schemas. */
export type ShapeSchema<S extends { readonly [field: string]: SchemaLike }> = StandardSchemaV1<ShapeType<S, "input">, ShapeType<S, "output">>;

type ShapeType<S extends { readonly [field: string]: SchemaLike }, T extends "input" | "output"> = Flatten<
  { [K in keyof S as undefined extends Infer<S[K], T> ? K : never]?: Infer<S[K], T> } & {
    [K in keyof S as undefined extends Infer<S[K], T> ? never : K]: Infer<S[K], T>;
  }
>;
type Infer<S, T extends "input" | "output"> = T extends "input" ? InferIn<S> : InferOut<S>;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/**
 * Turns a definition into `{ input?, output? }` or `{ input?, stream }`; the shorthand's keys
 * are not only `input`/`output`/`stream` (`createSchema`'s constraint has checked the rest).
 */
export type Normalize<D> = keyof D extends "input" | "output" | "stream" ? D : D extends { readonly [field: string]: SchemaLike } ? { readonly input: ShapeSchema<D> } : never;

export type NormalizeAll<D extends ProcedureDefinitions> = { readonly [K in keyof D]: Normalize<D[K]> };

export type Procedures = { readonly [name: string]: Procedure };

/** Both sides' procedures. `$types` is never read at run time: it only carries types. */
export interface Schema<S extends Procedures = Procedures, C extends Procedures = Procedures, M extends SchemaLike | undefined = SchemaLike | undefined> {
  readonly server: S;
  readonly client: C;
  /** What a presence meta is (`client.track(topic, meta)`); absent, any JSON value. */
  readonly presence?: M;
}

/**
 * Declares the procedures each side implements. Throws, naming the side and the
 * procedure, when a definition is not a procedure or a shape of schemas.
 */
export function createSchema<S extends ProcedureDefinitions = {}, C extends ProcedureDefinitions = {}, M extends SchemaLike | undefined = undefined>(definition: {
  server?: S;
  client?: C;
  /** The schema of a presence meta, checked on the server by `client.track`. */
  presence?: M;
}): Schema<NormalizeAll<S>, NormalizeAll<C>, M> {
  const schema = {
    server: normalizeSide("server", definition?.server) as NormalizeAll<S>,
    client: normalizeSide("client", definition?.client) as NormalizeAll<C>,
  };
  const presence = definition?.presence;
  if (presence === undefined) return schema;
  if (!isStandardSchema(presence)) throw new TypeError(`createSchema: "presence" is not a schema (expected a Standard Schema such as a Zod, Valibot or ArkType schema)`);
  return { ...schema, presence };
}

function normalizeSide(side: string, definitions: unknown): Procedures {
  if (definitions === undefined) return Object.create(null);
  if (!isPlainObject(definitions)) throw new TypeError(`createSchema: "${side}" must be an object of procedures`);
  const out: Record<string, Procedure> = Object.create(null);
  for (const name of Object.keys(definitions)) {
    out[name] = normalizeProcedure(side, name, (definitions as Record<string, unknown>)[name]);
  }
  return out;
}

function normalizeProcedure(side: string, name: string, definition: unknown): Procedure {
  const where = `createSchema: ${side} procedure "${name}"`;
  if (!isPlainObject(definition)) throw new TypeError(`${where} must be { input?, output? }, { input?, stream } or an object of field schemas`);
  const keys = Object.keys(definition);
  const isFullForm = keys.every((key) => key === "input" || key === "output" || key === "stream");
  const fields = definition as Record<string, unknown>;
  for (const key of keys) {
    if (!isStandardSchema(fields[key])) {
      throw new TypeError(`${where}: "${key}" is not a schema (expected a Standard Schema such as a Zod, Valibot or ArkType schema)`);
    }
  }
  if (isFullForm && fields.stream && fields.output) throw new TypeError(`${where}: a stream has no "output" (each item is checked against "stream")`);
  if (isFullForm) {
    const procedure: { input?: StandardSchemaV1; output?: StandardSchemaV1; stream?: StandardSchemaV1 } = { input: fields.input as StandardSchemaV1 | undefined };
    if (fields.stream) procedure.stream = fields.stream as StandardSchemaV1;
    else procedure.output = fields.output as StandardSchemaV1 | undefined;
    return procedure;
  }
  return { input: shapeSchema(fields as Record<string, StandardSchemaV1>) };
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A Standard Schema for an object of fields; keeps only the declared keys, as `z.object` does. */
function shapeSchema(shape: Record<string, StandardSchemaV1>): StandardSchemaV1 {
  const keys = Object.keys(shape);
  const validate = (value: unknown): StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>> => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { issues: [{ message: "Expected an object", path: [] }] };
    }
    const out: Record<string, unknown> = {};
    const issues: Issue[] = [];
    const pending: Promise<void>[] = [];
    const take = (key: string, result: StandardSchemaV1.Result<unknown>) => {
      if (result.issues) {
        for (const issue of result.issues) issues.push({ message: issue.message, path: [key, ...(issue.path ?? [])] });
      } else if (result.value !== undefined || Object.hasOwn(value, key)) {
        Object.defineProperty(out, key, { value: result.value, enumerable: true, writable: true, configurable: true });
      }
    };
    for (const key of keys) {
      const field = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      const result = shape[key]!["~standard"].validate(field);
      if (result instanceof Promise) pending.push(result.then((r) => take(key, r)));
      else take(key, result);
    }
    const finish = () => (issues.length ? { issues } : { value: out });
    return pending.length ? Promise.all(pending).then(finish) : finish();
  };
  return { "~standard": { version: 1, vendor: "chatter", validate } };
}
