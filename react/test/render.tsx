import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { StrictMode, type ReactNode } from "react";
import type { ChatterUpdates } from "@manyducks.co/chatter/react";
import type { AdapterChatter, AdapterClient } from "../../test/fixtures/adapterServer.ts";
import { hooks } from "./hooks.ts";

interface Options {
  client: AdapterClient;
  strict?: boolean;
  queryClient?: QueryClient;
  updates?: ChatterUpdates<AdapterChatter>;
}

/**
 * Renders `ui` inside a QueryClientProvider and a ChatterProvider (and StrictMode when asked);
 * `rerender(next, { updates })` also hands the provider new `updates`.
 */
export function renderWithChatter(ui: ReactNode, options: Options) {
  const queryClient = options.queryClient ?? new QueryClient({ defaultOptions: { queries: { retry: false } } });
  let updates = options.updates;
  const wrap = (node: ReactNode) => {
    const tree = (
      <QueryClientProvider client={queryClient}>
        <hooks.ChatterProvider client={options.client} updates={updates}>
          {node}
        </hooks.ChatterProvider>
      </QueryClientProvider>
    );
    return options.strict ? <StrictMode>{tree}</StrictMode> : tree;
  };
  const result = render(wrap(ui));
  const rerender = (next: ReactNode, change?: Pick<Options, "updates">) => {
    if (change) updates = change.updates;
    result.rerender(wrap(next));
  };
  return { ...result, queryClient, rerender };
}
