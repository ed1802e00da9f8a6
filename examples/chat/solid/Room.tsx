/** @jsxImportSource solid-js */
import { useQueryClient } from "@tanstack/solid-query";
import { createSignal, onCleanup, Show } from "solid-js";
import { explain } from "../explain.ts";
import { addMessage } from "./addMessage.ts";
import { callKey, createCall, createProcedure, enterRoom, type Session } from "./chatter.ts";
import { Composer } from "./Composer.tsx";
import { MemberList } from "./MemberList.tsx";
import { MessageList } from "./MessageList.tsx";
import { SearchBar } from "./SearchBar.tsx";
import { SearchResults } from "./SearchResults.tsx";

/** One room, for one session: `App` creates a new `Room` when the session changes. */
/** `onLeave(refusal?)`: the person left, or the server refused the join (a name taken) and says why. */
export function Room(props: { session: Session; onLeave: (refusal?: string) => void }) {
  const { roomId, username } = props.session;
  const queryClient = useQueryClient();
  const history = createCall("history", () => ({ roomId }));
  const members = createCall("members", () => ({ roomId }));
  const [search, setSearch] = createSignal("");
  const query = () => search().trim();

  onCleanup(enterRoom({ roomId, username }, (error) => props.onLeave(explain(error))));

  // Pushed by the server while this room is on screen: write them into the cache.
  createProcedure("receiveMessage", ({ message }) => addMessage(queryClient, message));
  createProcedure("presence", (presence) => queryClient.setQueryData(callKey("members", { roomId: presence.roomId }), presence.members));

  return (
    <main class="room">
      <section class="chat card" aria-label={`Room ${roomId}`}>
        <SearchBar roomId={roomId} value={search()} onChange={setSearch} />
        <Show
          when={query()}
          fallback={<MessageList messages={history.data} loading={history.isPending} error={history.error} me={username} />}
        >
          <SearchResults roomId={roomId} query={query()} me={username} />
        </Show>
        <Composer roomId={roomId} />
      </section>
      <aside class="sidebar card">
        <MemberList members={members.data ?? []} me={username} />
        <button type="button" class="ghost" onClick={() => props.onLeave()}>
          Leave room
        </button>
      </aside>
    </main>
  );
}
