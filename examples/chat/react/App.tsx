import { useState } from "react";
import { sessionMoves } from "../ui.ts";
import type { Session } from "./chatter.ts";
import { JoinForm } from "./JoinForm.tsx";
import { Room } from "./Room.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

export function App() {
  const [session, setSession] = useState<Session>();
  const [refusal, setRefusal] = useState<string>();
  const { join, leave } = sessionMoves(setSession, setRefusal);
  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Chatter
        </h1>
        {session && (
          <p className="topbar-room">
            <span className="muted">#</span>
            {session.roomId}
          </p>
        )}
        <StatusBadge />
      </header>
      {session ? <Room session={session} onLeave={leave} /> : <JoinForm onJoin={join} notice={refusal} />}
    </div>
  );
}
