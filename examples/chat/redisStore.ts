import { RedisClient } from "bun";
import { ChatterError } from "@manyducks.co/chatter/server";
import { HISTORY_LENGTH } from "./history.ts";
import { LIMITS } from "./limits.ts";
import { Message } from "./schema.ts";
import type { ChatStore } from "./store.ts";

/** Messages read at once by `messages`. */
const PAGE = 25;

// One script, so that a message's id, time and trims happen at once whichever instance
// sends it. The id comes from INCR (it never goes back, whichever instance asks, and
// survives as long as Redis keeps its data); the time from Redis's clock, so `sentAt`
// agrees with the ids even when the instances' clocks do not. A room is a sorted set
// of messages (JSON) scored by id; `<prefix>all` scores "<id> <room>" by id, so the
// oldest messages of all rooms can go when there are more than `total`.
const ADD = `
local prefix, room = ARGV[1], ARGV[2]
local perRoom, total = tonumber(ARGV[5]), tonumber(ARGV[6])
local key, all = prefix .. 'room:' .. room, prefix .. 'all'
local id = redis.call('INCR', prefix .. 'id')
local now = redis.call('TIME')
local message = cjson.encode({ id = tostring(id), roomId = room, username = ARGV[3], message = ARGV[4],
  sentAt = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) })
redis.call('ZADD', key, id, message)
redis.call('ZADD', all, id, id .. ' ' .. room)
local extra = redis.call('ZCARD', key) - perRoom
if extra > 0 then
  local old = redis.call('ZRANGE', key, 0, extra - 1, 'WITHSCORES')
  redis.call('ZREMRANGEBYRANK', key, 0, extra - 1)
  for i = 2, #old, 2 do redis.call('ZREM', all, old[i] .. ' ' .. room) end
end
extra = redis.call('ZCARD', all) - total
if extra > 0 then
  local old = redis.call('ZPOPMIN', all, extra)
  for i = 1, #old, 2 do
    local space = string.find(old[i], ' ', 1, true)
    redis.call('ZREMRANGEBYSCORE', prefix .. 'room:' .. string.sub(old[i], space + 1), old[i + 1], old[i + 1])
  end
end
return message`;

export interface RedisStoreOptions {
  /** Messages a room keeps. @default HISTORY_LENGTH (100) */
  perRoom?: number;
  /** Messages kept across rooms; past it the oldest go, whatever their room. @default LIMITS.storedMessages (10,000) */
  total?: number;
  /** Prepended to every key, so that several chats (or tests) can share one Redis. @default "chat:" */
  prefix?: string;
  /** Milliseconds a command may wait for Redis (reconnecting included) before the call fails. @default 5_000 */
  timeout?: number;
}

/**
 * The chat's history in Redis, with Bun's built-in client: what several instances share
 * (`REDIS_URL`). Bounded like `createSqliteStore`: `perRoom` messages a room and `total`
 * across rooms. It outlives the instances; it outlives Redis as far as Redis persists
 * (`appendonly yes` or snapshots). Keys live under `prefix`: `id` (the last id), `all`,
 * and `room:<room>` per room.
 */
export function createRedisStore(
  url: string,
  { perRoom = HISTORY_LENGTH, total = LIMITS.storedMessages, prefix = "chat:", timeout = 5_000 }: RedisStoreOptions = {},
): ChatStore {
  // No queue and no reconnecting of Bun's own: a command Redis cannot take now fails now,
  // and never runs later, after its caller was told it failed. Each command connects if needed.
  const redis = new RedisClient(url, { connectionTimeout: timeout, autoReconnect: false, enableOfflineQueue: false });
  let connecting: Promise<void> | undefined;
  let closed = false;
  const room = (roomId: string) => `${prefix}room:${roomId}`;

  /** One command, bounded by `timeout`; a failure says, in words the apps show, that the history is out of reach. */
  async function send(command: string, args: string[]): Promise<unknown> {
    if (closed) throw new ChatterError("INTERNAL", "The chat is shutting down");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer ${command} in ${timeout} ms`)), timeout);
    });
    try {
      if (!redis.connected) await Promise.race([(connecting ??= redis.connect().finally(() => (connecting = undefined))), late]);
      return await Promise.race([redis.send(command, args), late]);
    } catch (cause) {
      throw new ChatterError("INTERNAL", "The history is out of reach for now: try again", { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  const parse = (json: string): Message => Message.parse(JSON.parse(json));
  const parseAll = (reply: unknown): Message[] => (reply as string[]).map(parse);

  return {
    async add({ roomId, username, message }) {
      return parse((await send("EVAL", [ADD, "0", prefix, roomId, username, message, String(perRoom), String(total)])) as string);
    },
    history: async (roomId) => parseAll(await send("ZRANGE", [room(roomId), String(-perRoom), "-1"])),
    async *messages(roomId) {
      // Paged by id, not by rank: messages sent meanwhile (on any instance) shift ranks, not ids.
      for (let below = "+inf"; ; ) {
        const page = parseAll(await send("ZREVRANGEBYSCORE", [room(roomId), below, "-inf", "LIMIT", "0", String(PAGE)]));
        yield* page;
        if (page.length < PAGE) return;
        below = `(${page.at(-1)!.id}`;
      }
    },
    close() {
      closed = true;
      redis.close();
    },
  };
}
