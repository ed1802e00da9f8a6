// What both framework adapters share: query keys and options for calls, the typed cache,
// and what a provider installs (reconnect refetch, server cache updates, declared updates).
export { QUERY_KEY_ROOT, callQueryKey, procedureQueryKey } from "./callQueryKey.ts";
export type { CallQueryKey } from "./callQueryKey.ts";
export type { CallData, CallInput, ClientName, ServerCallName, ServerName, ServerStreamName, StreamFold } from "./types.ts";
export { callQueryOptions } from "./callQueryOptions.ts";
export { callStreamOptions, isStreamProcedure } from "./callStreamOptions.ts";
export type { StreamedQuery, StreamQueryParams } from "./callStreamOptions.ts";
export { callMutationOptions } from "./callMutationOptions.ts";
export type { MutationInput } from "./callMutationOptions.ts";
export { onReconnect } from "./onReconnect.ts";
export { invalidateOnReconnect } from "./invalidateOnReconnect.ts";
export { createCache } from "./createCache.ts";
export type { ChatterCache, QueryClientLike } from "./createCache.ts";
export { applyCacheUpdates } from "./applyCacheUpdates.ts";
export { defineUpdates } from "./defineUpdates.ts";
export type { ChatterUpdate, ChatterUpdates } from "./defineUpdates.ts";
export { createProviderValue } from "./createProviderValue.ts";
export type { ProviderValue } from "./createProviderValue.ts";
