/** @jsxImportSource solid-js */
import { createSignal } from "solid-js";
import { rememberSession, savedSession } from "../ui.ts";
import type { Session } from "./chatter.ts";

export function JoinForm(props: { onJoin: (session: Session) => void }) {
  const saved = savedSession();
  const [username, setUsername] = createSignal(saved.username);
  const [roomId, setRoomId] = createSignal(saved.roomId);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const session = rememberSession(username(), roomId());
    if (session) props.onJoin(session);
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
