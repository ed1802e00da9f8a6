import { useMutation, type UseMutationOptions, type UseMutationResult } from "@tanstack/react-query";
import type { ChatterError } from "../core/errors.ts";
import { QUERY_KEY_ROOT } from "../core/query.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, CallResult, SchemaOrServer, ServerName } from "./types.ts";
import { useChatter } from "./useChatter.ts";

/** A mutation's variables: the call's input, which may be left out (`mutate()`) when the procedure takes none. */
export type MutationInput<I> = undefined extends I ? I | void : I;

export type CallMutationOptions<TData, TVariables, TOnMutateResult = unknown> = Omit<
  UseMutationOptions<TData, ChatterError, TVariables, TOnMutateResult>,
  "mutationFn"
> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

export type UseCallMutation<T extends SchemaOrServer> = <K extends ServerName<T>, TOnMutateResult = unknown>(
  name: K,
  options?: CallMutationOptions<CallResult<T, K>, MutationInput<CallInput<T, K>>, TOnMutateResult>,
) => UseMutationResult<CallResult<T, K>, ChatterError, MutationInput<CallInput<T, K>>, TOnMutateResult>;

/** Calls a server procedure with side effects: `useMutation` whose `mutate(input)` is the call (key `["chatter", name]`). */
export const useCallMutation: UseCallMutation<Schema> = function useCallMutation(name, options) {
  const client = useChatter();
  const { timeout, ...mutation } = options ?? {};
  return useMutation({
    mutationKey: [QUERY_KEY_ROOT, name],
    ...mutation,
    mutationFn: (input) =>
      (client.call as (name: string, input: unknown, options?: { timeout?: number }) => Promise<never>)(
        name,
        input,
        timeout === undefined ? undefined : { timeout },
      ),
  });
};
