// Calls to clients wherever they are connected: `server.call(id, …)` and
// `server.callAll(topic, …)`. A client of this instance is called directly; the others
// through the adapter, as control messages between instances:
//
//   {["call",ref,from,clientId,ms,name,input]   to the client's own topic (its instance hears it)
//   {["cancel",ref,from]                        to the same topic
//   {["all",ref,from,topic,except,ms,name,input] to the topic (every instance with subscribers hears it)
//   {["res",ref,1,value] {["res",ref,0,code,message,issues] {["res",ref,2] (not here)
//   {["allres",ref,[[id,1,value] | [id,0,code,message,issues], …]]   to the caller's instance topic
//
// The leading "{" tells them from frames, which start with "[". Results cross as they
// arrived from the client and are parsed by the caller's instance (transforms run where
// the value is used). An instance encodes a callAll's frame once for all its subscribers
// and times them out with one timer.
import { ChatterError, isErrorCode } from "../core/errors.ts";
import { cancelled, invalid, isIssue, json, short } from "../core/frames.ts";
import { background, MAX_TIMER } from "../core/liveness.ts";
import { HEAD_ROOM, own, Peer, type PeerConfig } from "../core/peer.ts";
import type { CallOptions } from "../core/types.ts";
import { validate } from "../core/validate.ts";
import { CLIENT_TOPIC_PREFIX, type Interest } from "./adapter.ts";
import type { Connection } from "./connection.ts";
import { connectionId } from "./id.ts";
import { topicOf } from "./topic.ts";

/** One client's part of a `callAll`. */
export type CallAllEntry<T> = { readonly id: string; readonly ok: true; readonly value: T } | { readonly id: string; readonly ok: false; readonly error: ChatterError };

/** An entry as it crosses between instances: the value unparsed. */
type RawEntry = [id: string, ok: 1, value: unknown] | [id: string, ok: 0, code: string, message: string, issues?: unknown];

/** What the other instance is given past a call's own timeout before the caller stops waiting for it (it may have died). */
const GRACE = 2_000;
/** Calls and callAlls this instance waits on from other instances; more reject `OVERLOADED`. */
const MAX_WAITING = 100_000;

interface Waiting {
  readonly name: string;
  /** A call: one result. */
  settle?: (raw: RawEntry) => void;
  /** Instances that answered "not here", and how many the message reached (once known). */
  misses: number;
  reached: number | undefined;
  /** A callAll: the other instances' entries. */
  entries?: RawEntry[];
  answered: number;
  done?: () => void;
}

export interface ClusterHost {
  readonly config: PeerConfig;
  readonly clients: ReadonlyMap<string, Connection>;
  readonly interest: Interest | undefined;
  report(error: unknown): void;
}

export class Cluster {
  /** This instance's address for answers. */
  readonly topic = `${CLIENT_TOPIC_PREFIX}@${connectionId()}`;
  private lastRef = 0;
  private readonly waiting = new Map<number, Waiting>();
  /** Calls run here for another instance, by `<from> <ref>`, to cancel them. */
  private readonly serving = new Map<string, AbortController>();

  constructor(private readonly host: ClusterHost) {}

  /** Starts hearing answers from other instances: once the adapter is attached, and only if it carries control messages. */
  listen(): void {
    if (this.host.interest?.canSend) this.host.interest.add(this, this.topic);
  }

  /** `server.call`: the client `id`, on this instance or any other. */
  call(id: string, name: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    const local = this.host.clients.get(id);
    if (local) return local.call(name, input, options);
    const interest = this.host.interest;
    if (!interest?.canSend) return Promise.reject(notConnected(id));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelled(name, signal));
    const timeout = options.timeout ?? this.host.config.timeout;
    let message: string;
    try {
      this.callable(name);
      message = `{["call",${this.reserve()},${json(this.topic)},${json(id)},${wireTimeout(timeout)}${this.tail(name, input)}`;
    } catch (error) {
      return Promise.reject(error);
    }
    const ref = this.lastRef;
    return new Promise((resolve, reject) => {
      const stop = (error: ChatterError) => {
        finish();
        reject(error);
      };
      const onAbort = () => {
        stop(cancelled(name, signal!));
        interest.send(`${CLIENT_TOPIC_PREFIX}${id}`, `{["cancel",${ref},${json(this.topic)}]`);
      };
      const timer = limited(timeout)
        ? background(setTimeout(() => stop(new ChatterError("TIMEOUT", `The call "${short(name)}" to client ${id} got no answer from its instance in ${timeout} ms`)), timeout + GRACE))
        : undefined;
      const finish = () => {
        this.waiting.delete(ref);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const waiting: Waiting = {
        name,
        misses: 0,
        reached: undefined,
        answered: 0,
        settle: (raw) => {
          finish();
          this.parse(name, raw).then((entry) => (entry.ok ? resolve(entry.value) : reject(entry.error)));
        },
        done: () => stop(notConnected(id)), // every instance that heard it said "not here"
      };
      this.waiting.set(ref, waiting);
      interest.send(`${CLIENT_TOPIC_PREFIX}${id}`, message).then((reached) => this.reached(ref, reached));
    });
  }

  /** `server.callAll` (and `client.callAll`, which skips `except`): every subscriber of `topic`, on every instance. */
  async callAll(topic: string, name: string, input: unknown, options: CallOptions = {}, except?: string): Promise<CallAllEntry<unknown>[]> {
    topicOf(topic);
    this.callable(name);
    const timeout = options.timeout ?? this.host.config.timeout;
    const tail = this.tail(name, input);
    const interest = this.host.interest;
    const { signal } = options;
    let remote: Promise<RawEntry[]> | undefined;
    if (interest?.canSend && !signal?.aborted) {
      const ref = this.reserve();
      remote = new Promise((resolve) => {
        const entries: RawEntry[] = [];
        // Aborted: the other instances cancel their calls and answer with what they have.
        const onAbort = () => interest.send(topic, `{["cancel",${ref},${json(this.topic)}]`);
        const finish = () => {
          this.waiting.delete(ref);
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          resolve(entries);
        };
        // An instance that died costs its clients' entries, not the result.
        const timer = limited(timeout) ? background(setTimeout(finish, timeout + GRACE)) : undefined;
        signal?.addEventListener("abort", onAbort, { once: true });
        this.waiting.set(ref, { name, misses: 0, reached: undefined, entries, answered: 0, done: finish });
        interest.send(topic, `{["all",${ref},${json(this.topic)},${json(topic)},${json(except ?? null)},${wireTimeout(timeout)}${tail}`).then((reached) => this.reached(ref, reached));
      });
    }
    const [here, there] = await Promise.all([this.collect(topic, name, tail, timeout, signal, except), remote]);
    return Promise.all((there ? here.concat(there) : here).map((raw) => this.parse(name, raw)));
  }

  /** A control message from another instance (see the top of this file). */
  receive(message: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(message.slice(1));
    } catch {}
    if (!Array.isArray(msg) || typeof msg[1] !== "number") return this.host.report(new ChatterError("PROTOCOL", `A control message from another instance is not one: ${short(message)}`));
    const [kind, ref] = msg;
    if (kind === "res") return this.answered(ref, msg);
    if (kind === "allres") return this.answered(ref, msg);
    if (typeof msg[2] !== "string") return;
    if (kind === "cancel") return void this.serving.get(`${msg[2]} ${ref}`)?.abort();
    if (kind === "call") return this.serve(ref, msg[2], msg[3], msg[4], msg[5], msg[6]);
    // Our own callAll, heard back because this instance listens on its topic: its clients were called directly.
    if (kind === "all" && msg[2] === this.topic) return this.answered(ref, ["allres", ref, []]);
    if (kind === "all") return this.serveAll(ref, msg[2], msg[3], msg[4], msg[5], msg[6], msg[7]);
  }

  /** The server is closing: calls waiting on other instances fail, calls run for them stop. */
  close(): void {
    for (const waiting of [...this.waiting.values()]) {
      if (waiting.settle) waiting.settle(["", 0, "DISCONNECTED", "The server closed while the call waited on another instance"]);
      else waiting.done?.(); // a callAll: what it has
    }
    for (const controller of this.serving.values()) controller.abort();
  }

  // ── This instance serving another ─────────────────────────────────────────

  private serve(ref: number, from: string, id: unknown, timeout: unknown, name: unknown, input: unknown): void {
    const client = typeof id === "string" ? this.host.clients.get(id) : undefined;
    if (!client || typeof name !== "string" || !isWireTimeout(timeout)) return this.reply(from, `{["res",${ref},2]`);
    let tail: string;
    try {
      tail = this.tail(name, input); // TOO_LARGE when this instance's maxPayload is smaller
    } catch (error) {
      return this.reply(from, `{["res",${ref},${encodeEntry(failed("", ChatterError.from(error))).slice(4)}`);
    }
    const key = `${from} ${ref}`;
    const controller = new AbortController();
    this.serving.set(key, controller);
    this.relay(client, name, tail, { timeout: timeout ?? Infinity, signal: controller.signal }).then((raw) => {
      this.serving.delete(key);
      this.reply(from, `{["res",${ref},${encodeEntry(raw).slice(raw[0].length + 4)}`); // the entry without its id
    });
  }

  private serveAll(ref: number, from: string, topic: unknown, except: unknown, timeout: unknown, name: unknown, input: unknown): void {
    if (typeof topic !== "string" || typeof name !== "string" || !isWireTimeout(timeout)) return;
    let tail: string;
    try {
      tail = this.tail(name, input);
    } catch (error) {
      return this.host.report(error); // this instance cannot send the call: its subscribers are missing from the result
    }
    const key = `${from} ${ref}`;
    const controller = new AbortController();
    this.serving.set(key, controller);
    this.collect(topic, name, tail, timeout ?? Infinity, controller.signal, typeof except === "string" ? except : undefined).then((entries) => {
      this.serving.delete(key);
      this.reply(from, `{["allres",${ref},[${entries.map(encodeEntry).join(",")}]]`);
    });
  }

  private reply(to: string, message: string): void {
    if (to.startsWith(CLIENT_TOPIC_PREFIX)) this.host.interest?.send(to, message);
  }

  // ── Waiting on other instances ────────────────────────────────────────────

  private reached(ref: number, reached: number): void {
    const waiting = this.waiting.get(ref);
    if (!waiting) return;
    waiting.reached = reached;
    this.check(waiting);
  }

  private answered(ref: number, msg: unknown[]): void {
    const waiting = this.waiting.get(ref);
    if (!waiting) return; // late, after its timeout
    if (waiting.settle) {
      if (msg[2] === 2) waiting.misses++;
      else return waiting.settle(msg.slice(1) as RawEntry); // [ref, ok, …] read as [id, ok, …]: the id is not used
    } else if (waiting.entries && Array.isArray(msg[2])) {
      for (const entry of msg[2]) if (isRawEntry(entry)) waiting.entries.push(entry);
      waiting.answered++;
    }
    this.check(waiting);
  }

  /** Every instance the message reached has answered (a callAll), or said "not here" (a call). */
  private check(waiting: Waiting): void {
    if (waiting.reached === undefined) return;
    if (waiting.settle ? waiting.misses >= waiting.reached : waiting.answered >= waiting.reached) waiting.done?.();
  }

  // ── Calling clients of this instance ──────────────────────────────────────

  /** Calls every local subscriber of `topic` (but `except`) with one encoded tail, under one timer. */
  private collect(topic: string, name: string, tail: string, timeout: number, signal: AbortSignal | undefined, except: string | undefined): Promise<RawEntry[]> {
    const targets: Connection[] = [];
    for (const client of this.host.clients.values()) if (client.id !== except && client.ws.isSubscribed(topic)) targets.push(client);
    if (!targets.length) return Promise.resolve([]);
    return new Promise((resolve) => {
      const entries: (RawEntry | undefined)[] = new Array(targets.length);
      let left = targets.length;
      // One controller stops them all: no timer per client, however many subscribe.
      const stop = new AbortController();
      const end = (error: ChatterError) => {
        for (let i = 0; i < targets.length; i++) entries[i] ??= failed(targets[i]!.id, error);
        finish();
      };
      const finish = () => {
        if (left < 0) return;
        left = -1;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(entries as RawEntry[]);
        stop.abort(); // the calls still waiting are cancelled on their clients
      };
      const onAbort = () => end(cancelled(name, signal!));
      const timer = limited(timeout) ? background(setTimeout(() => end(new ChatterError("TIMEOUT", `The call "${short(name)}" timed out after ${timeout} ms`)), timeout)) : undefined;
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      targets.forEach((client, i) => {
        this.relay(client, name, tail, { timeout: Infinity, signal: stop.signal }).then((raw) => {
          if (left < 0) return;
          entries[i] = raw;
          if (--left === 0) finish();
        });
      });
    });
  }

  /** One client's call, its result unparsed, never rejecting. */
  private relay(client: Connection, name: string, tail: string, options: CallOptions): Promise<RawEntry> {
    return client.peer.call(name, undefined, options, { tail }).then(
      (value): RawEntry => [client.id, 1, value],
      (error) => failed(client.id, ChatterError.from(error)),
    );
  }

  // ── Shared ────────────────────────────────────────────────────────────────

  /** Parses an entry's value with the client procedure's output schema, here where it is used. */
  private parse(name: string, raw: RawEntry): Promise<CallAllEntry<unknown>> {
    const id = raw[0];
    if (raw[1] !== 1) {
      const issues = Array.isArray(raw[4]) ? { issues: raw[4].filter(isIssue) } : undefined;
      return Promise.resolve({ id, ok: false, error: new ChatterError(isErrorCode(raw[2]) ? raw[2] : "INTERNAL", String(raw[3]), issues) });
    }
    return new Promise((resolve) =>
      validate(
        own(this.host.config.remote, name)?.output,
        raw[2],
        (result) => resolve(result.issues ? { id, ok: false, error: invalid("BAD_OUTPUT", name, result.issues) } : { id, ok: true, value: result.value }),
        (error) => resolve({ id, ok: false, error: ChatterError.from(error) }),
      ),
    );
  }

  /** Throws `NOT_FOUND` for a name that is no client call. */
  private callable(name: string): void {
    const def = own(this.host.config.remote, name);
    if (!def) throw new ChatterError("NOT_FOUND", `No client procedure "${short(name)}" to call`);
    if (def.stream) throw new ChatterError("NOT_FOUND", `"${short(name)}" is a stream: open it with client.stream on the client's own connection`);
  }

  private tail(name: string, input: unknown): string {
    return Peer.tail(name, input, this.host.config.maxPayload - HEAD_ROOM);
  }

  private reserve(): number {
    if (this.waiting.size >= MAX_WAITING) throw new ChatterError("OVERLOADED", `${MAX_WAITING} calls already wait on other instances`);
    return ++this.lastRef;
  }
}

/** A timeout a timer can keep (as `core/calls.ts` has it: past `MAX_TIMER` is none, NaN one that fires at once). */
function limited(timeout: number): boolean {
  return !(timeout > MAX_TIMER);
}

/** A timeout as a control message carries it: `null` for none. */
function wireTimeout(timeout: number): string {
  if (!limited(timeout)) return "null";
  return Number.isFinite(timeout) ? String(timeout) : "0"; // NaN and -Infinity time out at once, as a timer would
}

function isWireTimeout(timeout: unknown): timeout is number | null {
  return timeout === null || typeof timeout === "number";
}

/**
 * An entry as JSON. A client's result arrives unparsed and JSON reads some numbers JSON
 * cannot write back (`1e400` is Infinity): such an entry becomes an INTERNAL error, never a
 * throw (a throw here would be an unhandled rejection: the end of the process).
 */
function encodeEntry(raw: RawEntry): string {
  try {
    return json(raw);
  } catch {
    return json(failed(raw[0], new ChatterError("INTERNAL", "The client's result cannot be sent on as JSON")));
  }
}

function failed(id: string, error: ChatterError): RawEntry {
  return error.issues ? [id, 0, error.code, error.message, error.issues] : [id, 0, error.code, error.message];
}

function isRawEntry(entry: unknown): entry is RawEntry {
  return Array.isArray(entry) && typeof entry[0] === "string" && (entry[1] === 1 || (entry[1] === 0 && typeof entry[2] === "string"));
}

function notConnected(id: string): ChatterError {
  return new ChatterError("NOT_FOUND", `No client "${short(id)}" is connected to this server or, through its adapter, any other instance`);
}
