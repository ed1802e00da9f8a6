/** @jsxImportSource solid-js */
import { STATUS_LABELS } from "../ui.ts";
import { createConnectionStatus } from "./chatter.ts";


export function StatusBadge() {
  const status = createConnectionStatus();
  return (
    <p class={`status status-${status()}`} role="status" data-status={status()}>
      <span class="status-dot" aria-hidden="true" />
      {STATUS_LABELS[status()]}
    </p>
  );
}
