/** The first element of every Chatter query key, to match all of them at once. */
export const QUERY_KEY_ROOT = "chatter";

export type CallQueryKey<K extends string = string, I = unknown> = readonly [typeof QUERY_KEY_ROOT, K, I];

/**
 * The query key of a call: `["chatter", name, input]` (TanStack hashes inputs structurally,
 * so equal inputs share it). No input is `null`: `undefined` would vanish from the hash.
 */
export function callQueryKey<K extends string, I>(name: K, input: I): CallQueryKey<K, I> {
  return [QUERY_KEY_ROOT, name, input === undefined ? null : input] as unknown as CallQueryKey<K, I>;
}

/** The key every call of `name` starts with, `["chatter", name]`: a filter for all its inputs. */
export function procedureQueryKey<K extends string>(name: K): readonly [typeof QUERY_KEY_ROOT, K] {
  return [QUERY_KEY_ROOT, name];
}
