import type { ChatterClient, ClientStatus } from "../client/types.ts";

/** Calls `listener` each time the client opens again after losing its connection; returns the remover. */
export function onReconnect(client: Pick<ChatterClient, "onStatus" | "status">, listener: () => void): () => void {
  // Only a connection that was open and then lost counts: a first connect after failed
  // attempts is not a reconnect (the calls queued meanwhile are about to go out anyway).
  let opened = client.status === "open";
  let lost = false;
  return client.onStatus((status: ClientStatus) => {
    if (status === "reconnecting") lost = opened;
    else if (status === "open") {
      opened = true;
      if (!lost) return;
      lost = false;
      listener();
    }
  });
}
