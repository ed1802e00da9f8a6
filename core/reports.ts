// Reports of one kind from one peer, rate-limited: a hostile peer (or a procedure that fails
// on every call) must not turn `onError` into a firehose. In each window the first few of a
// kind pass; the rest are counted and reported once, as "<n> more like this…", when the
// window ends or the peer goes. A kind is the procedure and the error's code (or class).
import { ChatterError } from "./errors.ts";
import { background } from "./liveness.ts";

/** Reports of one kind passed per window, per peer. */
const PER_WINDOW = 10;
/** Ms. */
const WINDOW = 10_000;

interface Kind {
  passed: number;
  suppressed: number;
  readonly since: number;
  last: unknown;
  readonly procedure: string | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class Reports<P> {
  private readonly peers = new Map<P, Map<string, Kind>>();

  constructor(
    /** Hands a report (or a summary) on to the app. */
    private readonly emit: (error: unknown, procedure: string | undefined, peer: P) => void,
    /** "from client 1234…", for summaries. */
    private readonly from: (peer: P) => string,
  ) {}

  report(error: unknown, procedure: string | undefined, peer: P): void {
    const key = `${procedure ?? ""}\u0000${kindOf(error)}`;
    let kinds = this.peers.get(peer);
    if (!kinds) this.peers.set(peer, (kinds = new Map()));
    const now = Date.now();
    let kind = kinds.get(key);
    if (kind && now - kind.since >= WINDOW) {
      this.summarise(kind, peer);
      kind = undefined;
    }
    if (!kind) kinds.set(key, (kind = { passed: 0, suppressed: 0, since: now, last: undefined, procedure, timer: undefined }));
    if (kind.passed < PER_WINDOW) {
      kind.passed++;
      return this.emit(error, procedure, peer);
    }
    kind.suppressed++;
    kind.last = error;
    const current = kind;
    kind.timer ??= background(
      setTimeout(() => {
        if (kinds.get(key) === current) kinds.delete(key);
        this.summarise(current, peer);
      }, kind.since + WINDOW - now),
    );
  }

  /** The peer is gone: what was held back is reported now, and nothing of it is kept. */
  end(peer: P): void {
    const kinds = this.peers.get(peer);
    if (!kinds) return;
    this.peers.delete(peer);
    for (const kind of kinds.values()) this.summarise(kind, peer);
  }

  private summarise(kind: Kind, peer: P): void {
    clearTimeout(kind.timer);
    kind.timer = undefined;
    if (!kind.suppressed) return;
    const n = kind.suppressed;
    kind.suppressed = 0;
    const last = kind.last;
    const seconds = Math.max(1, Math.round((Date.now() - kind.since) / 1_000));
    const text = last instanceof Error ? last.message : String(last);
    this.emit(
      new ChatterError(
        last instanceof ChatterError ? last.code : "INTERNAL",
        `${n} more like this ${this.from(peer)} in ${seconds} s ${n === 1 ? "was" : "were"} not reported (the last: ${text.length > 200 ? `${text.slice(0, 200)}…` : text})`,
        { cause: last },
      ),
      kind.procedure,
      peer,
    );
  }
}

function kindOf(error: unknown): string {
  if (error instanceof ChatterError) return error.code;
  if (error instanceof Error) return error.constructor?.name ?? error.name;
  return typeof error;
}
