import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.tsx";
import { ChatterProvider, client } from "./chatter.ts";
import "./styles.css";

const queryClient = new QueryClient({
  // The server pushes what changes, and the provider refetches after a reconnect.
  defaultOptions: { queries: { staleTime: Infinity, refetchOnWindowFocus: false, retry: 1 } },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ChatterProvider client={client}>
        <App />
      </ChatterProvider>
    </QueryClientProvider>
  </StrictMode>,
);
