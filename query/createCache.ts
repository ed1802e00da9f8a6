import type { SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import { callQueryKey, procedureQueryKey } from "./callQueryKey.ts";
import type { CachedData, KnownName } from "../core/types.ts";
import type { CallInput, ServerName } from "./types.ts";

/** The part of TanStack's `QueryClient` (React's or Solid's) the cache helper uses. */
export interface QueryClientLike {
  getQueryData(queryKey: readonly unknown[]): unknown;
  setQueryData(queryKey: readonly unknown[], updater: unknown): unknown;
  invalidateQueries(filters: { queryKey: readonly unknown[] }): Promise<void>;
}

/**
 * The query cache by server procedure name and input, keyed as `useCall`/`createCall` key
 * their calls (`["chatter", name, input]`) and typed with what the call resolves to (for a
 * stream, the items a streamed query holds).
 */
export interface ChatterCache<T extends SchemaOrServer> {
  /** What is cached for the call `name(input)`, if anything. */
  get<K extends string>(name: KnownName<K, ServerName<T>>, input: CallInput<T, K>): CachedData<T, K> | undefined;
  /** Replaces the cached result of `name(input)` (creating the entry if there is none); components showing it re-render. */
  set<K extends string>(name: KnownName<K, ServerName<T>>, input: CallInput<T, K>, data: CachedData<T, K>): void;
  /**
   * Writes `updater(old)` as the result of `name(input)`. `old` is `undefined` when nothing
   * is cached; returning `undefined` leaves the cache as it is (so `(old) => old && …` only
   * touches a result a call already fetched).
   */
  update<K extends string>(
    name: KnownName<K, ServerName<T>>,
    input: CallInput<T, K>,
    updater: (old: CachedData<T, K> | undefined) => CachedData<T, K> | undefined,
  ): void;
  /**
   * Marks `name(input)` stale — or, with no input, every cached input of `name` — and
   * refetches the ones a component is showing. Resolves when those refetches are done.
   * An object input matches as TanStack's filters do: `{ roomId }` also matches inputs with more fields.
   */
  invalidate<K extends string>(name: KnownName<K, ServerName<T>>, input?: CallInput<T, K>): Promise<void>;
}

/** `ChatterCache` with the types left out, as the provider feeds it what the server sends. */
export interface UntypedCache {
  get(name: string, input: unknown): unknown;
  set(name: string, input: unknown, data: unknown): void;
  update(name: string, input: unknown, updater: (old: unknown) => unknown): void;
  invalidate(name: string, ...input: [input?: unknown]): Promise<void>;
}

/** The typed cache helper over a TanStack `QueryClient`. */
export function createCache<T extends SchemaOrServer = Schema>(queryClient: QueryClientLike): ChatterCache<T>;
export function createCache(queryClient: QueryClientLike): UntypedCache {
  return {
    get: (name, input) => queryClient.getQueryData(callQueryKey(name, input)),
    set: (name, input, data) => void queryClient.setQueryData(callQueryKey(name, input), () => data),
    update: (name, input, updater) => void queryClient.setQueryData(callQueryKey(name, input), updater),
    // Rest arguments: an input left out (every input) is not an input that is `undefined` (the call with none).
    invalidate: (name, ...input) =>
      queryClient.invalidateQueries({ queryKey: input.length ? callQueryKey(name, input[0]) : procedureQueryKey(name) }),
  };
}
