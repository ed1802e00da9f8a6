import { createMutation, type CreateMutationResult, type MutationOptions } from "@tanstack/solid-query";
import type { Accessor } from "solid-js";
import type { ChatterError } from "../core/errors.ts";
import { QUERY_KEY_ROOT } from "../core/query.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, CallResult, SchemaOrServer, ServerName } from "./types.ts";
import { useChatter } from "./useChatter.ts";

/** A mutation's variables: the call's input, which may be left out (`mutate()`) when the procedure takes none. */
export type MutationInput<I> = undefined extends I ? I | void : I;

export type CallMutationOptions<TData, TVariables, TOnMutateResult = unknown> = Omit<
  MutationOptions<TData, ChatterError, TVariables, TOnMutateResult>,
  "mutationFn"
> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

export type CreateCallMutation<T extends SchemaOrServer> = <K extends ServerName<T>, TOnMutateResult = unknown>(
  name: K,
  options?: Accessor<CallMutationOptions<CallResult<T, K>, MutationInput<CallInput<T, K>>, TOnMutateResult>>,
) => CreateMutationResult<CallResult<T, K>, ChatterError, MutationInput<CallInput<T, K>>, TOnMutateResult>;

/** Calls a server procedure with side effects: `createMutation` whose `mutate(input)` is the call (key `["chatter", name]`). */
export const createCallMutation: CreateCallMutation<Schema> = function createCallMutation(name, options) {
  const client = useChatter();
  const call = client.call as (name: string, input: unknown, options?: { timeout?: number }) => Promise<never>;
  return createMutation(() => {
    const { timeout, ...mutation } = options?.() ?? {};
    return {
      mutationKey: [QUERY_KEY_ROOT, name],
      ...mutation,
      mutationFn: (input) => call(name, input ?? undefined, timeout === undefined ? undefined : { timeout }),
    };
  });
};
