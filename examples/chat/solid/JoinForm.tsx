/** @jsxImportSource solid-js */
import { createSignal } from "solid-js";
import type { Session } from "./chatter.ts";

const NAME_KEY = "chatter:name";
const ROOM_KEY = "chatter:room";

export function JoinForm(props: { onJoin: (session: Session) => void }) {
  const [username, setUsername] = createSignal(localStorage.getItem(NAME_KEY) ?? "");
  const [roomId, setRoomId] = createSignal(localStorage.getItem(ROOM_KEY) ?? "lobby");

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const session = { username: username().trim(), roomId: roomId().trim().toLowerCase() };
    if (!session.username || !session.roomId) return;
    localStorage.setItem(NAME_KEY, session.username);
    localStorage.setItem(ROOM_KEY, session.roomId);
    props.onJoin(session);
  }

  return (
    <main class="join">
      <form class="card join-card" onSubmit={submit}>
        <h2>Join a room</h2>
        <p class="muted">Pick a name and a room. Anyone in the same room sees your messages live, in the React app too.</p>
        <label>
          Your name
          <input value={username()} onInput={(e) => setUsername(e.currentTarget.value)} maxLength={24} autocomplete="nickname" autofocus required />
        </label>
        <label>
          Room
          <input value={roomId()} onInput={(e) => setRoomId(e.currentTarget.value)} maxLength={40} required />
        </label>
        <button type="submit" class="primary">
          Join
        </button>
      </form>
    </main>
  );
}
