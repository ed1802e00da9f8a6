import { ChatterError } from "./errors.ts";
import type { ProcedureContext } from "./types.ts";

/** One running procedure; its `signal` is created only if the procedure reads it. */
export class Task implements ProcedureContext {
  cancelled = false;
  /** Answered (or failed): a task done before `run` returns never enters `running`. */
  done = false;
  private controller: AbortController | undefined;

  constructor(
    /** The call's id; 0 for a NOTIFY, which nobody answers. */
    readonly id: number,
    readonly name: string,
  ) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelled) this.controller.abort(new ChatterError("CANCELLED"));
    }
    return this.controller.signal;
  }

  cancel(reason: ChatterError): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.controller?.abort(reason);
  }
}
