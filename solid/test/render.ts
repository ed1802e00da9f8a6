import { QueryClient, QueryClientProvider } from "@tanstack/solid-query";
import { renderHook } from "@solidjs/testing-library";
import { createComponent, type JSX } from "solid-js";
import type { AdapterChatter, AdapterClient } from "../../test/fixtures/adapterServer.ts";
import { ChatterProvider } from "../ChatterProvider.ts";
import type { ChatterUpdates } from "../index.ts";

export interface RenderOptions {
  queryClient?: QueryClient;
  updates?: ChatterUpdates<AdapterChatter>;
}

/** Runs `primitive` inside `QueryClientProvider` and `ChatterProvider`, as a component would. */
export function render<R>(client: AdapterClient, primitive: () => R, options: RenderOptions = {}) {
  const queryClient = options.queryClient ?? new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = (props: { children: JSX.Element }) =>
    createComponent(QueryClientProvider, {
      client: queryClient,
      get children() {
        return createComponent(ChatterProvider, {
          client: client as never,
          updates: options.updates as never,
          get children() {
            return props.children;
          },
        });
      },
    });
  const { result, cleanup } = renderHook(primitive, { wrapper });
  return { result, cleanup, queryClient };
}
