import type { SchemaOrServer } from "../client/createClient.ts";
import { callKey, type CallKey } from "./callKey.ts";
import { callOptions, type CallOptions } from "./callOptions.ts";
import { ChatterProvider, type ChatterProviderComponent } from "./ChatterProvider.ts";
import { createCall, type CreateCall } from "./createCall.ts";
import { createCallMutation, type CreateCallMutation } from "./createCallMutation.ts";
import { createConnectionStatus } from "./createConnectionStatus.ts";
import { createProcedure, type CreateProcedure } from "./createProcedure.ts";
import { useChatter, type UseChatter } from "./useChatter.ts";

export interface ChatterSolid<T extends SchemaOrServer> {
  ChatterProvider: ChatterProviderComponent<T>;
  useChatter: UseChatter<T>;
  createCall: CreateCall<T>;
  createCallMutation: CreateCallMutation<T>;
  createProcedure: CreateProcedure<T>;
  createConnectionStatus: typeof createConnectionStatus;
  callOptions: CallOptions<T>;
  callKey: CallKey<T>;
}

/**
 * The Solid adapter typed by your schema (or server: `createChatterSolid<typeof server>()`),
 * once per app, as `createChatterReact` for React:
 *
 * ```ts
 * export const { ChatterProvider, createCall, createCallMutation, createProcedure, callKey } = createChatterSolid<typeof schema>();
 * ```
 *
 * Nothing is created at run time: these are the package's own primitives with your types.
 */
export function createChatterSolid<T extends SchemaOrServer>(): ChatterSolid<T> {
  return {
    ChatterProvider,
    useChatter,
    createCall,
    createCallMutation,
    createProcedure,
    createConnectionStatus,
    callOptions,
    callKey,
  } as unknown as ChatterSolid<T>;
}
