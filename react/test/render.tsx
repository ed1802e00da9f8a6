import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { StrictMode, type ReactNode } from "react";
import { hooks } from "./server.ts";
import type { connect } from "./server.ts";

/** Renders `ui` inside a QueryClientProvider and a ChatterProvider (and StrictMode when asked). */
export function renderWithChatter(ui: ReactNode, options: { client: ReturnType<typeof connect>; strict?: boolean; queryClient?: QueryClient }) {
  const queryClient = options.queryClient ?? new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrap = (node: ReactNode) => {
    const tree = (
      <QueryClientProvider client={queryClient}>
        <hooks.ChatterProvider client={options.client}>{node}</hooks.ChatterProvider>
      </QueryClientProvider>
    );
    return options.strict ? <StrictMode>{tree}</StrictMode> : tree;
  };
  const result = render(wrap(ui));
  return { ...result, queryClient, rerender: (next: ReactNode) => result.rerender(wrap(next)) };
}
