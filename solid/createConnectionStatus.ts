import { createSignal, onCleanup, type Accessor } from "solid-js";
import type { ClientStatus } from "../client/types.ts";
import { useChatter } from "./useChatter.ts";

/** The client's connection as a signal: `connecting`, `open`, `reconnecting` or `closed`. */
export function createConnectionStatus(): Accessor<ClientStatus> {
  const client = useChatter();
  const [status, setStatus] = createSignal<ClientStatus>(client.status);
  onCleanup(client.onStatus(setStatus));
  return status;
}
