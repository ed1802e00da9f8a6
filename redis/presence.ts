// Presence across instances in Redis (the Redis adapter's `presence`), through the adapter's
// publishing connection. Keys, under the adapter's prefix:
//
//   HASH presence:<topic>         client id → <instance id><meta JSON>
//   SET  presence-of:<instance>   the topics where that instance has entries
//   ZSET instances                instance id → when it expires (Redis's clock, ms)
//   ZSET presence-sweeps          crashed instances being swept → when the sweep's lease ends
//
// Each instance refreshes its expiry every `timeout / 3`; a list skips the entries of expired
// instances, so a crashed instance's members vanish within `timeout`. Each refresh also claims
// expired instances (atomically, in its script: one claimer each) and sweeps them, topic by
// topic, each topic's removal returning its leaves to exactly one sweeper, which runs
// `onPresence`. A sweeper that dies mid-sweep loses its lease and another takes over.
// When a refresh finds this instance missing (Redis restarted empty, or it was swept while
// paused) or a write failed, the instance re-asserts its own entries from its local map.
import type { PresenceHost, PresenceStore, StoredEntry } from "../server/adapter.ts";
import { background } from "../core/liveness.ts";
import { pairs } from "./pairs.ts";

/** What the store needs of the adapter. */
export interface RedisCommands {
  readonly id: string;
  command(name: string, args: string[]): Promise<unknown>;
  onReconnect(listener: () => void): void;
  ready(timeout?: number): Promise<void>;
}

export interface RedisPresenceOptions {
  prefix: string;
  /** Ms after its last refresh before an instance's members leave. */
  timeout: number;
}

/** Crashed instances claimed per refresh, and topics swept per step: every loop is bounded. */
const CLAIMS = 10;
const SWEEP_BATCH = 100;

const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
/** Whether `value` (a hash field's) belongs to the instance `id`. */
const OWNS = `local function owns(value, id) return string.sub(value, 1, #id) == id end`;

// KEYS: hash, of(self). ARGV: self, id, meta, topic.
const TRACK = `redis.call('HSET', KEYS[1], ARGV[2], ARGV[1] .. ARGV[3]) redis.call('SADD', KEYS[2], ARGV[4])`;
// KEYS: hash, of(self). ARGV: self, id, topic, last ("1": this instance's last entry in the topic).
// Only its own entry: the same id may already be back on another instance (a recovered session).
// Returns 1 when it removed one, else 0.
const UNTRACK = `${OWNS}
local v = redis.call('HGET', KEYS[1], ARGV[2])
local removed = 0
if v and owns(v, ARGV[1]) then redis.call('HDEL', KEYS[1], ARGV[2]) removed = 1 end
if ARGV[4] == '1' then redis.call('SREM', KEYS[2], ARGV[3]) end
return removed`;
// KEYS: hash, instances. ARGV: id length. Returns id, meta, id, meta… of live instances.
const LIST = `${NOW}
local all = redis.call('HGETALL', KEYS[1]) local live = {} local out = {} local n = tonumber(ARGV[1])
for i = 1, #all, 2 do
  local instance = string.sub(all[i + 1], 1, n)
  local ok = live[instance]
  if ok == nil then local s = redis.call('ZSCORE', KEYS[2], instance) ok = s ~= false and tonumber(s) > now live[instance] = ok end
  if ok then out[#out + 1] = all[i] out[#out + 1] = string.sub(all[i + 1], n + 1) end
end
return out`;
// KEYS: instances, sweeps. ARGV: self, timeout. Returns { self was missing (1/0), claimed ids }.
const BEAT = `${NOW}
local missing = redis.call('ZSCORE', KEYS[1], ARGV[1]) == false
local until_ = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], until_, ARGV[1])
local claimed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now, 'LIMIT', 0, ${CLAIMS})
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now, 'LIMIT', 0, ${CLAIMS})) do claimed[#claimed + 1] = id end
for _, id in ipairs(claimed) do redis.call('ZREM', KEYS[1], id) redis.call('ZADD', KEYS[2], until_, id) end
return { missing and 1 or 0, claimed }`;
// KEYS: hash, of(dead), instances. ARGV: dead, topic. Returns its removed id, meta… or nil if it came back.
const SWEEP = `${OWNS}
if redis.call('ZSCORE', KEYS[3], ARGV[1]) then return nil end
local all = redis.call('HGETALL', KEYS[1]) local out = {}
for i = 1, #all, 2 do
  if owns(all[i + 1], ARGV[1]) then redis.call('HDEL', KEYS[1], all[i]) out[#out + 1] = all[i] out[#out + 1] = string.sub(all[i + 1], #ARGV[1] + 1) end
end
redis.call('SREM', KEYS[2], ARGV[2])
return out`;
// KEYS: hash, of(self). ARGV: self, topic, id, meta, id, meta… (this instance's entries now).
const REASSERT = `${OWNS}
local keep = {}
for i = 3, #ARGV, 2 do keep[ARGV[i]] = true redis.call('HSET', KEYS[1], ARGV[i], ARGV[1] .. ARGV[i + 1]) end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do if not keep[all[i]] and owns(all[i + 1], ARGV[1]) then redis.call('HDEL', KEYS[1], all[i]) end end
if #ARGV > 2 then redis.call('SADD', KEYS[2], ARGV[2]) else redis.call('SREM', KEYS[2], ARGV[2]) end`;
// KEYS: of(self), instances. ARGV: self, hash key prefix. A closing instance's entries go, and it.
const LEAVE = `${OWNS}
for _, topic in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. topic
  local all = redis.call('HGETALL', key)
  for i = 1, #all, 2 do if owns(all[i + 1], ARGV[1]) then redis.call('HDEL', key, all[i]) end end
end
redis.call('DEL', KEYS[1]) redis.call('ZREM', KEYS[2], ARGV[1])`;

export class RedisPresence implements PresenceStore {
  private host: PresenceHost | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private beating = false;
  /** A write failed (or the connection came back): the next refresh re-asserts this instance's entries. */
  private dirty = false;
  private closed = false;
  /** This instance has tracked someone: at close its entries are removed. */
  private wrote = false;
  private leaving: Promise<void> | undefined;
  private readonly shas = new Map<string, string>();
  /** Crashed instances this one is sweeping now. */
  private readonly sweeping = new Set<string>();
  private readonly instances: string;
  private readonly sweeps: string;

  constructor(
    private readonly redis: RedisCommands,
    private readonly options: RedisPresenceOptions,
  ) {
    this.instances = `${options.prefix}instances`;
    this.sweeps = `${options.prefix}presence-sweeps`;
  }

  start(host: PresenceHost): void {
    this.host = host;
    const every = Math.max(10, this.options.timeout / 3);
    this.timer = background(setInterval(() => void this.beat(), every));
    this.redis.onReconnect(() => {
      this.dirty = true;
      void this.beat();
    });
    this.redis.ready().then(
      () => void this.beat(),
      () => {}, // the adapter reports its own outage; the timer retries
    );
  }

  track(topic: string, id: string, meta: string): Promise<void> {
    this.wrote = true;
    return this.write(TRACK, [this.hash(topic), this.of(this.redis.id)], [this.redis.id, id, meta, topic]).then(() => {});
  }

  /** Unreachable, it resolves true: the re-assert once back removes the entry if it is still this instance's. */
  untrack(topic: string, id: string, last: boolean): Promise<boolean> {
    return this.write(UNTRACK, [this.hash(topic), this.of(this.redis.id)], [this.redis.id, id, topic, last ? "1" : "0"]).then((removed) => removed !== 0);
  }

  async list(topic: string): Promise<StoredEntry[]> {
    return pairs(await this.script(LIST, [this.hash(topic), this.instances], [String(this.redis.id.length)]));
  }

  /** Nothing to remove when this instance never tracked anyone: the adapter may close at once. */
  close(): Promise<void> | void {
    if (this.closed) return this.leaving; // the same farewell, however often the server asks
    this.closed = true;
    clearInterval(this.timer);
    if (this.wrote) return (this.leaving = this.leave());
  }

  private async leave(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000)));
    const leave = this.script(LEAVE, [this.of(this.redis.id), this.instances], [this.redis.id, `${this.options.prefix}presence:`]).then(() => {});
    await Promise.race([leave.catch(() => {}), giveUp]);
    clearTimeout(timer);
  }

  /** One refresh: this instance's expiry, its entries if Redis lost them, and the sweep of crashed instances. */
  private async beat(): Promise<void> {
    if (this.beating || this.closed) return;
    this.beating = true;
    try {
      const [missing, claimed] = (await this.script(BEAT, [this.instances, this.sweeps], [this.redis.id, String(this.options.timeout)])) as [number, string[]];
      // Swept apart from the refresh: a long sweep must not let this instance's own expiry pass.
      for (const dead of claimed) if (dead !== this.redis.id && !this.sweeping.has(dead)) void this.sweep(dead);
      if (missing || this.dirty) await this.reassert();
    } catch (error) {
      if (!isDisconnected(error)) this.host?.report(error);
    } finally {
      this.beating = false;
    }
  }

  /** Makes Redis hold exactly this instance's local entries. */
  private async reassert(): Promise<void> {
    this.dirty = false;
    try {
      const stale = (await this.redis.command("SMEMBERS", [this.of(this.redis.id)])) as Iterable<string>;
      const local = this.host!.entries(); // after the read: a write since then is on the connection before these
      for (const topic of stale) if (!local.has(topic)) local.set(topic, []);
      await Promise.all(
        [...local].map(([topic, entries]) => this.script(REASSERT, [this.hash(topic), this.of(this.redis.id)], [this.redis.id, topic, ...entries.flat()])),
      );
    } catch (error) {
      this.dirty = true;
      throw error;
    }
  }

  /** Removes a crashed instance's entries, topic by topic, and reports them as leaves here. */
  private async sweep(dead: string): Promise<void> {
    this.sweeping.add(dead);
    try {
      await this.sweepSteps(dead);
    } catch (error) {
      if (!isDisconnected(error)) this.host?.report(error); // its lease ends; a later refresh (here or elsewhere) takes it again
    } finally {
      this.sweeping.delete(dead);
    }
  }

  private async sweepSteps(dead: string): Promise<void> {
    while (!this.closed) {
      const topics = (await this.redis.command("SRANDMEMBER", [this.of(dead), String(SWEEP_BATCH)])) as string[];
      if (!topics.length) break;
      const swept = await Promise.all(topics.map((topic) => this.script(SWEEP, [this.hash(topic), this.of(dead), this.instances], [dead, topic])));
      for (const [i, removed] of swept.entries()) {
        if (removed === null) return void (await this.redis.command("ZREM", [this.sweeps, dead])); // it came back: its entries are its own
        const leaves = pairs(removed);
        if (leaves.length) this.host!.left(topics[i]!, leaves);
      }
    }
    if (!this.closed) await this.redis.command("ZREM", [this.sweeps, dead]); // else its lease ends and another instance goes on
  }

  /** The script's reply; undefined when Redis was unreachable. */
  private write(body: string, keys: string[], args: string[]): Promise<unknown> {
    return this.script(body, keys, args).catch((error) => {
      this.dirty = true;
      if (!isDisconnected(error)) throw error; // the adapter reports the outage; the entries are re-asserted once back
    });
  }

  /** EVALSHA, loading the script when Redis does not know it (first use, or after a restart). */
  private async script(body: string, keys: string[], args: string[]): Promise<unknown> {
    const argv = [String(keys.length), ...keys, ...args];
    const sha = this.shas.get(body);
    if (sha) {
      try {
        return await this.redis.command("EVALSHA", [sha, ...argv]);
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
      }
    }
    void this.redis.command("SCRIPT", ["LOAD", body]).then(
      (sha) => void this.shas.set(body, String(sha)),
      () => {}, // EVAL below fails the same way
    );
    return this.redis.command("EVAL", [body, ...argv]);
  }

  private hash(topic: string): string {
    return `${this.options.prefix}presence:${topic}`;
  }

  private of(instance: string): string {
    return `${this.options.prefix}presence-of:${instance}`;
  }
}

function isDisconnected(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "DISCONNECTED" || code === "ERR_REDIS_CONNECTION_CLOSED";
}
