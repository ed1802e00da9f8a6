// What both framework adapters share: query keys and options for calls, the typed cache,
// and what a provider installs (reconnect refetch, server cache updates, declared updates).
export { callQueryKey } from "./callQueryKey.ts";
export type { CallQueryKey } from "./callQueryKey.ts";
export type { CallData, CallInput, ClientName, ServerCallName, ServerName, ServerStreamName } from "./types.ts";
export { callQueryOptions } from "./callQueryOptions.ts";
export type { StreamQueryParams } from "./callStreamOptions.ts";
export { callMutationOptions } from "./callMutationOptions.ts";
export type { MutationInput } from "./callMutationOptions.ts";
export { onReconnect } from "./onReconnect.ts";
export type { ChatterCache } from "./createCache.ts";
export { defineUpdates } from "./defineUpdates.ts";
export type { ChatterUpdate, ChatterUpdates } from "./defineUpdates.ts";
export { createProviderValue } from "./createProviderValue.ts";
export type { ProviderValue } from "./createProviderValue.ts";
