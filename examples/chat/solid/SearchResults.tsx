/** @jsxImportSource solid-js */
import { skipToken } from "@tanstack/solid-query";
import { createEffect, createSignal, For, onCleanup, Show } from "solid-js";
import { LIMITS } from "../limits.ts";
import { SEARCH_DELAY, searchSummary } from "../ui.ts";
import { createCall } from "./chatter.ts";

const time = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The room's messages that match `query`, shown as the server finds them; cleaning up stops the search. */
export function SearchResults(props: { roomId: string; query: string; me: string }) {
  // Searched once typing pauses: one stream per pause, not per keystroke.
  const [settled, setSettled] = createSignal(props.query);
  createEffect(() => {
    const query = props.query;
    const timer = setTimeout(() => setSettled(query), SEARCH_DELAY);
    onCleanup(() => clearTimeout(timer));
  });
  const ready = () => settled().length > 0 && settled().length <= LIMITS.searchQuery;
  // A streamed query: `data` grows with each match; a new query (or none) stops the last one's stream.
  const results = createCall(
    "search",
    () => (ready() ? { roomId: props.roomId, query: settled() } : skipToken),
    () => ({ staleTime: 0 }),
  );
  const found = () => results.data ?? [];

  return (
    <div class="results">
      <Show when={ready()}>
        <p class="results-status" role="status">
          {searchSummary(settled(), found().length, { fetching: results.isFetching, error: results.error })}
        </p>
        <ol class="messages" aria-label="Search results">
          <For each={found()}>
            {(message) => (
              <li class="message first">
                <p class="meta">
                  <span class="author">{message.username === props.me ? "You" : message.username}</span>
                  <time dateTime={new Date(message.sentAt).toISOString()}>{time.format(message.sentAt)}</time>
                </p>
                <p class="bubble">{message.message}</p>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </div>
  );
}
