// The Redis side of recovery across instances (`createServer({ recovery, adapter })`):
// the sessions and each instance's log of recoverable frames, kept where every instance
// reads them. See docs/recovery.md for the design and its cost.
//
//   <prefix>session:<id>   string "<token hash>\n<record>": PX window + refresh while the
//                          connection is live (refreshed), PX window once it dropped
//   <prefix>log:<origin>   stream, entry id "<k>-0", fields t (topic), f (SEQ frame), s (sender);
//                          MAXLEN ~ maxMessages; expires once its instance stops refreshing it
//   <prefix>origins        hash origin → "<latest k>:<ms>": every instance's latest number
//   <prefix>epoch          a random value; a new one means Redis lost its data
import type { LogEntry, RecoveryStore, RecoveryStoreOptions } from "../server/adapter.ts";
import { background } from "../core/liveness.ts";
import { pairs } from "./pairs.ts";

/** What the store needs of the adapter. */
export interface StoreLink {
  command(name: string, args: string[]): Promise<unknown>;
  onReconnect(listener: () => void): void;
  report(error: unknown): void;
}

const ORIGIN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** ms between heartbeats: the origins' numbers are polled this often. */
const BEAT = 1_000;
/** A session's hash is SHA-256 in hex. */
const HASH_LENGTH = 64;

// Write over the same token hash only (ARGV: hash, record or "", ttl, create).
const SAVE = `local v = redis.call('GET', KEYS[1])
if ARGV[4] ~= '1' then
  if not v then return -1 end
  if string.sub(v, 1, ${HASH_LENGTH}) ~= ARGV[1] then return 0 end
end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. ARGV[2], 'PX', ARGV[3]) end
return 1`;
// Single-use: the right hash takes the record and rewrites it under the next one (ARGV: hash, next, ttl).
const TAKE = `local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, ${HASH_LENGTH}) ~= ARGV[1] then return false end
redis.call('SET', KEYS[1], ARGV[2] .. string.sub(v, ${HASH_LENGTH + 1}), 'PX', ARGV[3])
return string.sub(v, ${HASH_LENGTH + 2})`;
// ARGV: ttl, then one hash per key.
const REFRESH = `local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then out[i] = -1
  elseif string.sub(v, 1, ${HASH_LENGTH}) ~= ARGV[i + 1] then out[i] = 0
  else redis.call('PEXPIRE', key, ARGV[1]) out[i] = 1 end
end
return out`;

const OUTCOME = { [1]: "ok", [0]: "taken", [-1]: "gone" } as const;

export class RedisRecoveryStore implements RecoveryStore {
  readonly origin: string;
  epoch: string | undefined;
  readonly known = new Map<string, number>();
  /** `known` at the last beat: an origin heard from since then is kept even while the hash lacks it. */
  private lastBeat = new Map<string, number>();
  private seq = 0;
  private readonly log: string;
  private readonly resets: (() => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly link: StoreLink,
    private readonly prefix: string,
    private readonly options: RecoveryStoreOptions,
  ) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    this.origin = Array.from(bytes, (byte) => ORIGIN_ALPHABET[byte & 63]).join("");
    this.log = `${prefix}log:${this.origin}`;
    link.onReconnect(() => void this.checkEpoch());
    this.beat(100);
  }

  get current(): number {
    return this.seq;
  }

  next(): number {
    return ++this.seq;
  }

  append(k: number, topic: string, frame: string, from: string | undefined): void {
    const args = [this.log, "MAXLEN", "~", String(this.options.maxMessages), `${k}-0`, "t", topic, "f", frame];
    if (from !== undefined) args.push("s", from);
    this.link.command("XADD", args).catch(ignore); // a lost append is a gap: `read` sees it, nobody recovers across it
  }

  heard(origin: string, k: number): void {
    if (!(k <= (this.known.get(origin) ?? 0))) this.known.set(origin, k);
  }

  async read(origin: string, after: number, count: number, epoch: string | undefined): Promise<LogEntry[] | undefined> {
    const reply = (await this.link.command("XRANGE", [`${this.prefix}log:${origin}`, `${after + 1}-0`, "+", "COUNT", String(count + 1)])) as [string, string[]][] | null;
    const entries: LogEntry[] = [];
    for (const [id, fields] of reply ?? []) {
      const entry = Object.fromEntries(pairs(fields));
      entries.push({ k: Number.parseInt(id, 10), topic: entry.t ?? "", frame: entry.f ?? "", from: entry.s, epoch: entry.e });
    }
    if (entries.length > count) return undefined;
    let expected = after + 1;
    for (const [i, entry] of entries.entries()) {
      // What came before this instance's marker of the session's own epoch was never the session's.
      const skip = i === 0 && entry.epoch !== undefined && entry.epoch === epoch;
      if (entry.k !== expected && !skip) return undefined;
      expected = entry.k + 1;
    }
    return entries;
  }

  async save(id: string, hash: string, record: string | undefined, ttl: number, create: boolean): Promise<"ok" | "taken" | "gone"> {
    const out = await this.link.command("EVAL", [SAVE, "1", `${this.prefix}session:${id}`, hash, record ?? "", String(Math.ceil(ttl)), create ? "1" : "0"]);
    return OUTCOME[out as 1 | 0 | -1] ?? "gone";
  }

  async take(id: string, hash: string, next: string, ttl: number): Promise<string | undefined> {
    const out = await this.link.command("EVAL", [TAKE, "1", `${this.prefix}session:${id}`, hash, next, String(Math.ceil(ttl))]);
    return typeof out === "string" ? out : undefined;
  }

  async refresh(sessions: readonly (readonly [string, string])[], ttl: number): Promise<("ok" | "taken" | "gone")[]> {
    const out: ("ok" | "taken" | "gone")[] = [];
    for (let at = 0; at < sessions.length; at += 500) {
      const chunk = sessions.slice(at, at + 500);
      const keys = chunk.map(([id]) => `${this.prefix}session:${id}`);
      const reply = (await this.link.command("EVAL", [REFRESH, String(keys.length), ...keys, String(Math.ceil(ttl)), ...chunk.map(([, hash]) => hash)])) as number[];
      for (const n of reply) out.push(OUTCOME[n as 1 | 0 | -1] ?? "gone");
    }
    return out;
  }

  onReset(listener: () => void): void {
    this.resets.push(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Polls the origins' numbers, publishes this one's, and keeps its log from expiring. */
  private beat(delay: number): void {
    if (this.closed) return;
    this.timer = background(
      setTimeout(async () => {
        try {
          if (this.epoch === undefined) await this.checkEpoch();
          const key = `${this.prefix}origins`;
          const now = Date.now();
          const ttl = String(this.options.window + 10 * BEAT);
          const [, , , all] = await Promise.all([
            this.link.command("HSET", [key, this.origin, `${this.seq}:${now}`]),
            this.link.command("PEXPIRE", [key, ttl]),
            this.link.command("PEXPIRE", [this.log, ttl]),
            this.link.command("HGETALL", [key]),
          ]);
          const stale: string[] = [];
          const running = new Set([this.origin]);
          for (const [origin, value] of pairs(all)) {
            if (origin === this.origin) continue;
            const [k, at] = value.split(":").map(Number);
            if (now - at! > this.options.window + 10 * BEAT) stale.push(origin);
            else {
              running.add(origin);
              if (Number.isSafeInteger(k)) this.heard(origin, k!);
            }
          }
          // Forget the origins that stopped, or every mark and every recovery would name them for good. One missing
          // from the hash that was heard from since the last beat is kept: an instance before its first entry.
          for (const [origin, k] of this.known) if (!running.has(origin) && this.lastBeat.get(origin) === k) this.known.delete(origin);
          this.lastBeat = new Map(this.known);
          if (stale.length) await this.link.command("HDEL", [key, ...stale]);
        } catch {} // Redis is down: the adapter reports it
        this.beat(this.epoch === undefined ? 100 : BEAT);
      }, delay),
    );
  }

  /** Learns Redis's epoch; a new one after a reconnect means its data is gone: sessions are reset and the log restarts with a marker. */
  private async checkEpoch(): Promise<void> {
    const key = `${this.prefix}epoch`;
    await this.link.command("SET", [key, crypto.randomUUID(), "NX"]);
    const epoch = String(await this.link.command("GET", [key]));
    if (this.epoch === epoch) return;
    const lost = this.epoch !== undefined;
    this.epoch = epoch;
    if (!lost) return;
    this.link.command("XADD", [this.log, "MAXLEN", "~", String(this.options.maxMessages), `${this.next()}-0`, "e", epoch]).catch(ignore);
    for (const listener of this.resets) {
      try {
        listener();
      } catch (error) {
        this.link.report(error);
      }
    }
  }
}

function ignore(): void {}
