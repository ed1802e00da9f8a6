/** The stable error codes. Both ends use the same list; a peer never sees another. */
export const ERROR_CODES = [
  "BAD_INPUT",
  "BAD_OUTPUT",
  "NOT_FOUND",
  "TIMEOUT",
  "CANCELLED",
  "DISCONNECTED",
  "TOO_LARGE",
  "OVERLOADED",
  "UNAUTHORIZED",
  "PROTOCOL",
  "INTERNAL",
] as const;

export type ChatterErrorCode = (typeof ERROR_CODES)[number];

/** One validation problem, as Standard Schema reports it. */
export interface Issue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

const DEFAULT_MESSAGES: Record<ChatterErrorCode, string> = {
  BAD_INPUT: "Invalid input",
  BAD_OUTPUT: "Invalid output",
  NOT_FOUND: "No such procedure",
  TIMEOUT: "The call timed out",
  CANCELLED: "The call was cancelled",
  DISCONNECTED: "The connection closed",
  TOO_LARGE: "The frame is larger than the limit",
  OVERLOADED: "Too many calls in flight",
  UNAUTHORIZED: "The connection was refused",
  PROTOCOL: "Invalid frame",
  INTERNAL: "Internal error",
};

/** The one error class of Chatter, thrown on both ends, with a stable `code`. */
export class ChatterError extends Error {
  override readonly name = "ChatterError";
  readonly code: ChatterErrorCode;
  /** The validator's issues, for `BAD_INPUT` and `BAD_OUTPUT`. */
  readonly issues?: readonly Issue[];

  constructor(
    code: ChatterErrorCode,
    message?: string,
    options?: { cause?: unknown; issues?: readonly Issue[] },
  ) {
    super(message || DEFAULT_MESSAGES[code], options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = isErrorCode(code) ? code : "INTERNAL";
    if (options?.issues) this.issues = options.issues;
  }

  /** Wraps anything thrown: a ChatterError stays as is, anything else becomes `INTERNAL` with no message. */
  static from(error: unknown): ChatterError {
    return error instanceof ChatterError ? error : new ChatterError("INTERNAL", undefined, { cause: error });
  }
}

export function isErrorCode(code: unknown): code is ChatterErrorCode {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);
}
