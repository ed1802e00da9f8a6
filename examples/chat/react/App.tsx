import { useState } from "react";
import type { Session } from "./chatter.ts";
import { JoinForm } from "./JoinForm.tsx";
import { Room } from "./Room.tsx";
import { StatusBadge } from "./StatusBadge.tsx";

export function App() {
  const [session, setSession] = useState<Session>();
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
      {session ? <Room session={session} onLeave={() => setSession(undefined)} /> : <JoinForm onJoin={setSession} />}
    </div>
  );
}
