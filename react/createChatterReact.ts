import type { SchemaOrServer } from "../client/types.ts";
import { defineUpdates, type ChatterUpdates } from "../query/index.ts";
import { callKey, type CallKeyFn } from "./callKey.ts";
import { callOptions, type CallOptions } from "./callOptions.ts";
import { ChatterProvider, type ChatterProviderComponent } from "./ChatterProvider.tsx";
import { useCache, type UseCache } from "./useCache.ts";
import { useCall, type UseCall } from "./useCall.ts";
import { useCallMutation, type UseCallMutation } from "./useCallMutation.ts";
import { useChatter, type UseChatter } from "./useChatter.ts";
import { useConnectionStatus } from "./useConnectionStatus.ts";
import { useProcedure, type UseProcedure } from "./useProcedure.ts";
import { useSuspenseCall, type UseSuspenseCall } from "./useSuspenseCall.ts";

export interface ChatterReact<T extends SchemaOrServer> {
  ChatterProvider: ChatterProviderComponent<T>;
  useChatter: UseChatter<T>;
  useCall: UseCall<T>;
  useSuspenseCall: UseSuspenseCall<T>;
  useCallMutation: UseCallMutation<T>;
  useProcedure: UseProcedure<T>;
  useConnectionStatus: typeof useConnectionStatus;
  useCache: UseCache<T>;
  /** Types the provider's `updates` where they are declared apart from it. */
  defineUpdates: (updates: ChatterUpdates<T>) => ChatterUpdates<T>;
  callOptions: CallOptions<T>;
  callKey: CallKeyFn<T>;
}

/**
 * The React adapter typed by your schema (or server: `createChatterReact<typeof server>()`),
 * once per app, like tRPC's `createTRPCReact<AppRouter>()`:
 *
 * ```ts
 * export const { ChatterProvider, useCall, useCallMutation, useProcedure, useCache, defineUpdates } = createChatterReact<typeof schema>();
 * ```
 *
 * Nothing is created at run time: these are the package's own hooks with your types.
 */
export function createChatterReact<T extends SchemaOrServer>(): ChatterReact<T> {
  return {
    ChatterProvider,
    useChatter,
    useCall,
    useSuspenseCall,
    useCallMutation,
    useProcedure,
    useConnectionStatus,
    useCache,
    defineUpdates,
    callOptions,
    callKey,
  } as unknown as ChatterReact<T>;
}
