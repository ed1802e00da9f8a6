import { STATUS_LABELS } from "../ui.ts";
import { useConnectionStatus } from "./chatter.ts";


export function StatusBadge() {
  const status = useConnectionStatus();
  return (
    <p className={`status status-${status}`} role="status" data-status={status}>
      <span className="status-dot" aria-hidden="true" />
      {STATUS_LABELS[status]}
    </p>
  );
}
