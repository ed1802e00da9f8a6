export { createRedisAdapter } from "./createRedisAdapter.ts";
export type { RedisAdapter, RedisAdapterOptions, RedisAdapterStats, RedisAdapterStatus } from "./createRedisAdapter.ts";
export { clientTopic } from "../server/adapter.ts";
export type { Adapter, AdapterHost } from "../server/adapter.ts";
