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

/** `JSON.stringify` of an array element: what has no JSON form (a function, a symbol) is `null`, as in an array. */
export function json(value: unknown): string {
  return JSON.stringify(value) ?? "null";
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

/** `BAD_INPUT` or `BAD_OUTPUT` for `name`, its message naming the first issue. */
export function invalid(code: ChatterErrorCode, name: string, issues: readonly Issue[]): ChatterError {
  const first = issues[0];
  const where = first?.path?.length ? ` at ${first.path.map(pathKey).join(".")}` : "";
  const what = code === "BAD_INPUT" ? "input" : "output";
  return new ChatterError(code, `Invalid ${what} for "${short(name)}"${first ? `${where}: ${first.message}` : ""}`, { issues });
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
