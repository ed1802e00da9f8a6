import { useCallback, useSyncExternalStore } from "react";
import type { ClientStatus } from "../client/types.ts";
import { useChatter } from "./useChatter.ts";

/** The client's connection: `connecting`, `open`, `reconnecting` or `closed`; re-renders on every change. */
export function useConnectionStatus(): ClientStatus {
  const client = useChatter();
  const subscribe = useCallback((onChange: () => void) => client.onStatus(onChange), [client]);
  const status = () => client.status;
  return useSyncExternalStore(subscribe, status, status);
}
