import type { ChatterClient, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import type { ProcedureContext } from "../core/types.ts";
import { applyCacheUpdates } from "./applyCacheUpdates.ts";
import { createCache, type ChatterCache, type QueryClientLike, type UntypedCache } from "./createCache.ts";
import type { ChatterUpdates } from "./defineUpdates.ts";
import { invalidateOnReconnect } from "./invalidateOnReconnect.ts";

type Handler = (input: unknown, context: ProcedureContext) => unknown;
type Untyped = (input: unknown, cache: UntypedCache, context: ProcedureContext) => unknown;

/** What a `ChatterProvider` hands to the hooks below it. */
export interface ProviderValue<T extends SchemaOrServer, QC extends QueryClientLike> {
  readonly client: ChatterClient<T>;
  readonly queryClient: QC;
  readonly cache: ChatterCache<T>;
  /**
   * Implements a client procedure for a component; returns the remover. A name the
   * provider declares in `updates` stays the provider's: the component's handler runs
   * after the update (the cache already holds it), and the latest one answers the server.
   * Any other name is `client.implement`.
   */
  implement(name: string, handler: Handler): () => void;
  /** Installs what the provider does while it is mounted; returns the remover. */
  connect(): () => void;
}

/**
 * The provider's client, query client and cache, and what `connect()` installs: the
 * invalidation after a reconnect, the server's `invalidate`/`setData`, and the declared
 * `updates` (their names read once, now; the functions through `updates()` at each call,
 * so the latest ones run).
 */
export function createProviderValue<QC extends QueryClientLike>(
  client: ChatterClient,
  queryClient: QC,
  updates: () => ChatterUpdates<Schema> | undefined,
): ProviderValue<Schema, QC> {
  const cache = createCache(queryClient) as unknown as UntypedCache;
  const update = (name: string) => {
    const given = updates();
    const fn = given && Object.hasOwn(given, name) ? given[name] : undefined;
    return typeof fn === "function" ? (fn as Untyped) : undefined;
  };
  // The declared names, read once (as `connect()` registers them): a name declared later is
  // a component's own, not one the provider answers.
  const declared = Object.keys(updates() ?? {}).filter((name) => update(name));
  // Components' handlers of declared names, kept here rather than on the client, so the
  // update runs once per call whatever mounted first (React runs a parent's effects last).
  const beside = new Map<string, { handler: Handler }[]>();
  const implement = client.implement as (name: string, handler: Handler) => () => void;

  return {
    client,
    queryClient,
    cache: cache as unknown as ChatterCache<Schema>,
    implement(name, handler) {
      if (!declared.includes(name)) return implement(name, handler);
      const stack = beside.get(name) ?? [];
      beside.set(name, stack);
      const entry = { handler }; // its own entry: the same function registered twice is two registrations
      stack.push(entry);
      return () => {
        const at = stack.indexOf(entry);
        if (at >= 0) stack.splice(at, 1);
      };
    },
    connect() {
      const removers = [invalidateOnReconnect(client, queryClient), applyCacheUpdates(client, cache)];
      for (const name of declared) {
        removers.push(
          implement(name, (input, context) => {
            const answer = update(name)?.(input, cache, context);
            const latest = beside.get(name)?.at(-1);
            return latest ? latest.handler(input, context) : answer;
          }),
        );
      }
      return () => {
        for (const remove of removers) remove();
      };
    },
  };
}
