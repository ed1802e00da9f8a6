/** @jsxImportSource solid-js */
import { createConnectionStatus } from "./chatter.ts";

const LABELS = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Offline",
} as const;

export function StatusBadge() {
  const status = createConnectionStatus();
  return (
    <p class={`status status-${status()}`} role="status" data-status={status()}>
      <span class="status-dot" aria-hidden="true" />
      {LABELS[status()]}
    </p>
  );
}
