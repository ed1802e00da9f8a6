/** @jsxImportSource solid-js */
import { createSignal, Show } from "solid-js";
import { LIMITS } from "../limits.ts";
import { nameKey, normaliseName } from "../names.ts";
import { overLimit, rememberSession, savedSession } from "../ui.ts";
import type { Session } from "./chatter.ts";

/** `notice`: why the last join was refused (a name taken), shown above the form. */
export function JoinForm(props: { onJoin: (session: Session) => void; notice?: string }) {
  const saved = savedSession();
  const [username, setUsername] = createSignal(saved.username);
  const [roomId, setRoomId] = createSignal(saved.roomId);
  // Said, not cut: the server would refuse these, so the form says why before it is sent.
  const nameTooLong = () => overLimit("Names", normaliseName(username()).length, LIMITS.name);
  const roomTooLong = () => overLimit("Room names", nameKey(roomId()).length, LIMITS.room);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    if (nameTooLong() || roomTooLong()) return;
    const session = rememberSession(username(), roomId());
    if (session) props.onJoin(session);
  }

  return (
    <main class="join">
      <form class="card join-card" onSubmit={submit}>
        <h2>Join a room</h2>
        <p class="muted">Pick a name and a room. Anyone in the same room sees your messages live, in the React app too.</p>
        <Show when={props.notice}>
          {(notice) => (
            <p class="form-error" role="alert">
              {notice()}
            </p>
          )}
        </Show>
        <label>
          Your name
          <input
            value={username()}
            onInput={(e) => setUsername(e.currentTarget.value)}
            aria-invalid={nameTooLong() ? true : undefined}
            autocomplete="nickname"
            autofocus
            required
          />
          <Show when={nameTooLong()}>{(message) => <span class="field-error">{message()}</span>}</Show>
        </label>
        <label>
          Room
          <input value={roomId()} onInput={(e) => setRoomId(e.currentTarget.value)} aria-invalid={roomTooLong() ? true : undefined} required />
          <Show when={roomTooLong()}>{(message) => <span class="field-error">{message()}</span>}</Show>
        </label>
        <button type="submit" class="primary" disabled={!!(nameTooLong() || roomTooLong())}>
          Join
        </button>
      </form>
    </main>
  );
}
