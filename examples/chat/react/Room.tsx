import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { explain } from "../explain.ts";
import { addMessage } from "./addMessage.ts";
import { callKey, enterRoom, useCall, useProcedure, type Session } from "./chatter.ts";
import { Composer } from "./Composer.tsx";
import { MemberList } from "./MemberList.tsx";
import { MessageList } from "./MessageList.tsx";
import { SearchBar } from "./SearchBar.tsx";
import { SearchResults } from "./SearchResults.tsx";

/** `onLeave(refusal?)`: the person left, or the server refused the join (a name taken) and says why. */
export function Room({ session, onLeave }: { session: Session; onLeave: (refusal?: string) => void }) {
  const { roomId, username } = session;
  const queryClient = useQueryClient();
  const history = useCall("history", { roomId });
  const members = useCall("members", { roomId });
  const [search, setSearch] = useState("");
  const query = search.trim();

  useEffect(() => enterRoom({ roomId, username }, (error) => onLeave(explain(error))), [roomId, username]);

  // Pushed by the server while this room is on screen: write them into the cache.
  useProcedure("receiveMessage", ({ message }) => addMessage(queryClient, message));
  useProcedure("presence", ({ roomId, members }) => queryClient.setQueryData(callKey("members", { roomId }), members));

  return (
    <main className="room">
      <section className="chat card" aria-label={`Room ${roomId}`}>
        <SearchBar roomId={roomId} value={search} onChange={setSearch} />
        {query ? (
          <SearchResults roomId={roomId} query={query} me={username} />
        ) : (
          <MessageList messages={history.data} loading={history.isPending} error={history.error} me={username} />
        )}
        <Composer roomId={roomId} />
      </section>
      <aside className="sidebar card">
        <MemberList members={members.data ?? []} me={username} />
        <button type="button" className="ghost" onClick={() => onLeave()}>
          Leave room
        </button>
      </aside>
    </main>
  );
}
