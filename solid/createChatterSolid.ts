import type { SchemaOrServer } from "../client/types.ts";
import { defineUpdates, type ChatterUpdates } from "../query/index.ts";
import { callKey, type CallKeyFn } from "./callKey.ts";
import { callOptions, type CallOptions } from "./callOptions.ts";
import { ChatterProvider, type ChatterProviderComponent } from "./ChatterProvider.ts";
import { createCall, type CreateCall } from "./createCall.ts";
import { createCallMutation, type CreateCallMutation } from "./createCallMutation.ts";
import { createConnectionStatus } from "./createConnectionStatus.ts";
import { createProcedure, type CreateProcedure } from "./createProcedure.ts";
import { useCache, type UseCache } from "./useCache.ts";
import { useChatter, type UseChatter } from "./useChatter.ts";

export interface ChatterSolid<T extends SchemaOrServer> {
  ChatterProvider: ChatterProviderComponent<T>;
  useChatter: UseChatter<T>;
  createCall: CreateCall<T>;
  createCallMutation: CreateCallMutation<T>;
  createProcedure: CreateProcedure<T>;
  createConnectionStatus: typeof createConnectionStatus;
  useCache: UseCache<T>;
  /** Types the provider's `updates` where they are declared apart from it. */
  defineUpdates: (updates: ChatterUpdates<T>) => ChatterUpdates<T>;
  callOptions: CallOptions<T>;
  callKey: CallKeyFn<T>;
}

/**
 * The Solid adapter typed by your schema (or server: `createChatterSolid<typeof server>()`),
 * once per app, as `createChatterReact` for React:
 *
 * ```ts
 * export const { ChatterProvider, createCall, createCallMutation, createProcedure, useCache, defineUpdates } = createChatterSolid<typeof schema>();
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
    useCache,
    defineUpdates,
    callOptions,
    callKey,
  } as unknown as ChatterSolid<T>;
}
