/** @jsxImportSource solid-js */
import { QueryClient, QueryClientProvider } from "@tanstack/solid-query";
import { render } from "solid-js/web";
import { App } from "./App.tsx";
import { ChatterProvider, client } from "./chatter.ts";
// The React app's stylesheet: both apps share one look (and its class names).
import "../react/styles.css";
import "./solid.css";

const queryClient = new QueryClient({
  // The server pushes what changes, and the provider refetches after a reconnect.
  defaultOptions: { queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 } },
});

render(
  () => (
    <QueryClientProvider client={queryClient}>
      <ChatterProvider client={client}>
        <App />
      </ChatterProvider>
    </QueryClientProvider>
  ),
  document.getElementById("root")!,
);
