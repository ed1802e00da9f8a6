import { useState, type FormEvent } from "react";
import { rememberSession, savedSession } from "../ui.ts";
import type { Session } from "./chatter.ts";

export function JoinForm({ onJoin }: { onJoin: (session: Session) => void }) {
  const [saved] = useState(savedSession);
  const [username, setUsername] = useState(saved.username);
  const [roomId, setRoomId] = useState(saved.roomId);

  function submit(event: FormEvent) {
    event.preventDefault();
    const session = rememberSession(username, roomId);
    if (session) onJoin(session);
  }

  return (
    <main className="join">
      <form className="card join-card" onSubmit={submit}>
        <h2>Join a room</h2>
        <p className="muted">Pick a name and a room. Anyone in the same room sees your messages live.</p>
        <label>
          Your name
          <input value={username} onChange={(e) => setUsername(e.target.value)} maxLength={24} autoComplete="nickname" autoFocus required />
        </label>
        <label>
          Room
          <input value={roomId} onChange={(e) => setRoomId(e.target.value)} maxLength={40} required />
        </label>
        <button type="submit" className="primary">
          Join
        </button>
      </form>
    </main>
  );
}
