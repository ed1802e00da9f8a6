import { createMutation, type CreateMutationResult, type MutationOptions } from "@tanstack/solid-query";
import type { Accessor } from "solid-js";
import type { CallResult, SchemaOrServer } from "../client/types.ts";
import type { ChatterError } from "../core/errors.ts";
import type { Schema } from "../core/schema.ts";
import { callMutationOptions, type CallInput, type MutationInput, type ServerName } from "../query/index.ts";
import { useChatterContext } from "./context.ts";
import type { KnownName } from "../core/types.ts";

export type { MutationInput };

export type CallMutationOptions<TData, TVariables, TOnMutateResult = unknown> = Omit<
  MutationOptions<TData, ChatterError, TVariables, TOnMutateResult>,
  "mutationFn"
> & {
  /** Milliseconds before the call fails with `TIMEOUT`. @default the client's `timeout` */
  timeout?: number;
};

export type CreateCallMutation<T extends SchemaOrServer> = <K extends string, TOnMutateResult = unknown>(
  name: KnownName<K, ServerName<T>>,
  options?: Accessor<CallMutationOptions<CallResult<T, K>, MutationInput<CallInput<T, K>>, TOnMutateResult>>,
) => CreateMutationResult<CallResult<T, K>, ChatterError, MutationInput<CallInput<T, K>>, TOnMutateResult>;

/** Calls a server procedure with side effects: `createMutation` whose `mutate(input)` is the call (key `["chatter", name]`). */
export const createCallMutation: CreateCallMutation<Schema> = function createCallMutation(name, options) {
  const { client, queryClient } = useChatterContext();
  return createMutation(
    () => callMutationOptions(client, name, options?.()),
    () => queryClient,
  );
};
