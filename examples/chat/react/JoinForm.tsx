import { useState, type FormEvent } from "react";
import { LIMITS } from "../limits.ts";
import { nameKey, normaliseName } from "../names.ts";
import { overLimit, rememberSession, savedSession } from "../ui.ts";
import type { Session } from "./chatter.ts";

/** `notice`: why the last join was refused (a name taken), shown above the form. */
export function JoinForm({ onJoin, notice }: { onJoin: (session: Session) => void; notice?: string }) {
  const [saved] = useState(savedSession);
  const [username, setUsername] = useState(saved.username);
  const [roomId, setRoomId] = useState(saved.roomId);
  // Said, not cut: the server would refuse these, so the form says why before it is sent.
  const nameTooLong = overLimit("Names", normaliseName(username).length, LIMITS.name);
  const roomTooLong = overLimit("Room names", nameKey(roomId).length, LIMITS.room);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (nameTooLong || roomTooLong) return;
    const session = rememberSession(username, roomId);
    if (session) onJoin(session);
  }

  return (
    <main className="join">
      <form className="card join-card" onSubmit={submit}>
        <h2>Join a room</h2>
        <p className="muted">Pick a name and a room. Anyone in the same room sees your messages live.</p>
        {notice && (
          <p className="form-error" role="alert">
            {notice}
          </p>
        )}
        <label>
          Your name
          <input value={username} onChange={(e) => setUsername(e.target.value)} aria-invalid={nameTooLong ? true : undefined} autoComplete="nickname" autoFocus required />
          {nameTooLong && <span className="field-error">{nameTooLong}</span>}
        </label>
        <label>
          Room
          <input value={roomId} onChange={(e) => setRoomId(e.target.value)} aria-invalid={roomTooLong ? true : undefined} required />
          {roomTooLong && <span className="field-error">{roomTooLong}</span>}
        </label>
        <button type="submit" className="primary" disabled={!!(nameTooLong || roomTooLong)}>
          Join
        </button>
      </form>
    </main>
  );
}
