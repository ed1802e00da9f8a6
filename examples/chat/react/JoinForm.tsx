import { useState, type FormEvent } from "react";
import type { Session } from "./chatter.ts";

const NAME_KEY = "chatter:name";
const ROOM_KEY = "chatter:room";

export function JoinForm({ onJoin }: { onJoin: (session: Session) => void }) {
  const [username, setUsername] = useState(() => localStorage.getItem(NAME_KEY) ?? "");
  const [roomId, setRoomId] = useState(() => localStorage.getItem(ROOM_KEY) ?? "lobby");

  function submit(event: FormEvent) {
    event.preventDefault();
    const session = { username: username.trim(), roomId: roomId.trim().toLowerCase() };
    if (!session.username || !session.roomId) return;
    localStorage.setItem(NAME_KEY, session.username);
    localStorage.setItem(ROOM_KEY, session.roomId);
    onJoin(session);
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
