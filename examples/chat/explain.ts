import { ChatterError } from "@manyducks.co/chatter/client";

/** What to tell a person about a failed call: the validator's own words for bad input, else the error's message. */
export function explain(error: unknown): string {
  if (error instanceof ChatterError) {
    if (error.issues?.length) return error.issues.map((issue) => issue.message).join("; ");
    if (error.code === "TIMEOUT") return "the server did not answer in time";
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
