// Encoding frames and the errors that describe them, bounded whatever a peer or a
// procedure hands over.
import { ChatterError, type ChatterErrorCode, type Issue } from "./errors.ts";
import { ERROR } from "./protocol.ts";

const MAX_NAME_IN_MESSAGE = 80;
/** Issues sent with an error; a hostile input can make a validator report millions. */
const MAX_ISSUES = 50;
const MAX_TEXT = 200;
const utf8 = new TextEncoder();

/** An ERROR frame, bounded whatever the error holds (issues, path and message lengths). */
export function errorFrame(id: number, error: ChatterError): string {
  const message = clip(error.message);
  const issues = error.issues?.slice(0, MAX_ISSUES).map((issue) => ({
    message: clip(String(issue.message)),
    path: issue.path?.slice(0, 20).map((key) => (typeof (key = pathKey(key)) === "string" ? clip(key) : key)),
  }));
  return JSON.stringify(issues ? [ERROR, id, error.code, message, issues] : [ERROR, id, error.code, message]);
}

/**
 * `JSON.stringify` of an array element: what has no JSON form (a function, a symbol) is `null`,
 * as in an array. Throws `NotJson` for NaN and ±Infinity, which JSON would turn into `null`
 * without a word. Each of them leaves the text `null`, so only a text that holds one is looked
 * at again: a walk, about one more stringify, on that path only (a replacer on every call
 * cost 3–5× the stringify itself; see bench/micro-json.ts).
 */
export function json(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  if (text.includes("null")) findNonFinite(value);
  return text;
}

/** A number JSON cannot carry (NaN, ±Infinity: they would arrive as `null`), where it was found. */
export class NotJson extends TypeError {
  constructor(
    readonly value: number,
    /** Where in the value; undefined past the walk's depth (found by a replacer then). */
    readonly path: readonly (string | number)[] | undefined,
  ) {
    super(`${value}${path?.length ? ` at ${path.join(".")}` : ""} cannot be sent: JSON would carry it as null`);
  }
}

/** The error for a value `json` refused: `BAD_INPUT` to a caller, `INTERNAL` for a result. */
export function notEncodable(code: ChatterErrorCode, what: string, cause: unknown): ChatterError {
  if (!(cause instanceof NotJson)) return new ChatterError(code, `${what} cannot be encoded as JSON`, { cause });
  return new ChatterError(code, `${what} cannot be sent as JSON: ${cause.message}`, {
    cause,
    issues: [cause.path?.length ? { message: cause.message, path: cause.path } : { message: cause.message }],
  });
}

/**
 * A frame `build` makes (with `json` for its values), or the error to throw: `code` when a
 * value cannot be sent as JSON, `TOO_LARGE` past `maxPayload`. `what` names it in the
 * message ("The input of \"join\"").
 */
export function encodeFrame(build: () => string, what: string, code: ChatterErrorCode, maxPayload: number): string {
  let frame: string;
  try {
    frame = build();
  } catch (cause) {
    throw notEncodable(code, what, cause);
  }
  if (tooLarge(frame, maxPayload)) throw new ChatterError("TOO_LARGE", `${what} is larger than ${maxPayload} bytes`);
  return frame;
}

const MAX_WALK_DEPTH = 256;

/** Throws `NotJson` for the first NaN or ±Infinity that `JSON.stringify(value)` would write as `null`. */
function findNonFinite(value: unknown, key = "", path: (string | number)[] = []): void {
  if (typeof value === "object" && value !== null) {
    // What stringify itself would write: a `toJSON`'s result, a boxed number's value.
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") value = (value as { toJSON(key: string): unknown }).toJSON(key);
    else if (value instanceof Number) value = Number(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new NotJson(value, path);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (path.length >= MAX_WALK_DEPTH) return void JSON.stringify(value, refuseNonFinite); // exact, without a path
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      findNonFinite(value[i], String(i), path);
      path.pop();
    }
    return;
  }
  for (const k of Object.keys(value)) {
    path.push(k);
    findNonFinite((value as Record<string, unknown>)[k], k, path);
    path.pop();
  }
}

function refuseNonFinite(_key: string, value: unknown): unknown {
  const n = value instanceof Number ? Number(value) : value;
  if (typeof n === "number" && !Number.isFinite(n)) throw new NotJson(n, undefined);
  return value;
}

/** Whether a frame's UTF-8 size is over `max`, counting bytes only when the length leaves a doubt. */
export function tooLarge(frame: string, max: number): boolean {
  if (frame.length * 3 <= max) return false;
  if (frame.length > max) return true;
  return utf8.encode(frame).length > max;
}

/** A procedure name as messages quote it: a peer's 1 MiB name must not make a 1 MiB log line. */
export function short(name: string): string {
  return name.length > MAX_NAME_IN_MESSAGE ? `${name.slice(0, MAX_NAME_IN_MESSAGE)}…` : name;
}

/**
 * `BAD_INPUT` or `BAD_OUTPUT` for `name`, its message naming the first issue. It keeps at most
 * `MAX_ISSUES` issues: 200,000 wrong items make a validator report 200,000, and an error that
 * lives on (in a report, a log, a rejected promise) must not hold them all.
 */
export function invalid(code: ChatterErrorCode, name: string, issues: readonly Issue[]): ChatterError {
  const first = issues[0];
  const where = first?.path?.length ? ` at ${first.path.map(pathKey).join(".")}` : "";
  const what = code === "BAD_INPUT" ? "input" : "output";
  return new ChatterError(code, `Invalid ${what} for "${short(name)}"${first ? `${where}: ${first.message}` : ""}`, {
    issues: issues.length > MAX_ISSUES ? issues.slice(0, MAX_ISSUES) : issues,
  });
}

export function cancelled(name: string, signal: AbortSignal): ChatterError {
  return new ChatterError("CANCELLED", `The call "${short(name)}" was cancelled`, { cause: signal.reason });
}

export function isIssue(value: unknown): value is Issue {
  return typeof value === "object" && value !== null && typeof (value as Issue).message === "string";
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function pathKey(key: PropertyKey | { readonly key: PropertyKey }): string | number {
  const k = typeof key === "object" && key !== null ? key.key : key;
  return typeof k === "number" ? k : String(k);
}
