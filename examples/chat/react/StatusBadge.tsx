import { useConnectionStatus } from "./chatter.ts";

const LABELS = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Offline",
} as const;

export function StatusBadge() {
  const status = useConnectionStatus();
  return (
    <p className={`status status-${status}`} role="status" data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {LABELS[status]}
    </p>
  );
}
