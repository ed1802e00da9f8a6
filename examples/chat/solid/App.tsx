/** @jsxImportSource solid-js */
import { createSignal, Show } from "solid-js";
import { sessionMoves } from "../ui.ts";
import type { Session } from "./chatter.ts";
import { JoinForm } from "./JoinForm.tsx";
import { Room } from "./Room.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

export function App() {
  const [session, setSession] = createSignal<Session>();
  const [refusal, setRefusal] = createSignal<string>();
  const { join, leave } = sessionMoves(setSession, setRefusal);
  return (
    <div class="app">
      <header class="topbar">
        <h1 class="brand">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Chatter <span class="framework">Solid</span>
        </h1>
        <Show when={session()}>
          {(current) => (
            <p class="topbar-room">
              <span class="muted">#</span>
              {current().roomId}
            </p>
          )}
        </Show>
        <StatusBadge />
      </header>
      <Show when={session()} keyed fallback={<JoinForm onJoin={join} notice={refusal()} />}>
        {(current) => <Room session={current} onLeave={leave} />}
      </Show>
    </div>
  );
}
