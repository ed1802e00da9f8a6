import type { ChatterClient } from "../client/types.ts";
import type { CallOptions } from "../core/types.ts";
import { procedureQueryKey } from "./callQueryKey.ts";

/** A mutation's variables: the call's input, which may be left out (`mutate()`) when the procedure takes none. */
export type MutationInput<I> = undefined extends I ? I | void : I;

/**
 * `{ ...options, mutationKey, mutationFn }` for a call made as a mutation: `timeout` goes to
 * the call, every other option to the mutation (key `["chatter", name]`).
 */
export function callMutationOptions<O extends { timeout?: number }>(client: Pick<ChatterClient, "call">, name: string, options?: O) {
  const { timeout, ...mutation } = options ?? ({} as O);
  const call = client.call as (name: string, input: unknown, options?: CallOptions) => Promise<never>;
  return {
    mutationKey: procedureQueryKey(name),
    ...(mutation as Omit<O, "timeout">),
    mutationFn: (input: unknown) => call(name, input, timeout === undefined ? undefined : { timeout }),
  };
}
