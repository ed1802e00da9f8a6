import type { StandardSchemaV1 } from "./standard.ts";

export type Checked = StandardSchemaV1.Result<unknown>;

/**
 * Runs `schema` on `value` and continues with `next`: at once when the validator is
 * synchronous (most are, and a call then costs no promise), later when it is async.
 * A validator that throws or rejects goes to `fail`, as does a throw of `next` once
 * async; without a schema the value passes as is.
 */
export function validate<R>(schema: StandardSchemaV1 | undefined, value: unknown, next: (result: Checked) => R, fail: (error: unknown) => void): R | void {
  if (!schema) return next({ value });
  let result: Checked | Promise<Checked>;
  try {
    result = schema["~standard"].validate(value);
  } catch (error) {
    return fail(error);
  }
  if (!(result instanceof Promise)) return next(result);
  result.then(next).catch(fail);
}
