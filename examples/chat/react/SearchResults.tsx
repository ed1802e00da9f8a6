import { skipToken } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { LIMITS } from "../limits.ts";
import { SEARCH_DELAY, searchSummary } from "../ui.ts";
import { useCall } from "./chatter.ts";

const time = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The room's messages that match `query`, shown as the server finds them; unmounting stops the search. */
export function SearchResults({ roomId, query, me }: { roomId: string; query: string; me: string }) {
  // Searched once typing pauses: one stream per pause, not per keystroke.
  const [settled, setSettled] = useState(query);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(query), SEARCH_DELAY);
    return () => clearTimeout(timer);
  }, [query]);
  const ready = settled.length > 0 && settled.length <= LIMITS.searchQuery;
  // A streamed query: `data` grows with each match; a new query (or none) stops the last one's stream.
  const results = useCall("search", ready ? { roomId, query: settled } : skipToken, { staleTime: 0 });
  const found = results.data ?? [];
  if (!ready) return <div className="results" />;

  return (
    <div className="results">
      <p className="results-status" role="status">
        {searchSummary(settled, found.length, { fetching: results.isFetching, error: results.error })}
      </p>
      <ol className="messages" aria-label="Search results">
        {found.map((message) => (
          <li key={message.id} className="message first">
            <p className="meta">
              <span className="author">{message.username === me ? "You" : message.username}</span>
              <time dateTime={new Date(message.sentAt).toISOString()}>{time.format(message.sentAt)}</time>
            </p>
            <p className="bubble">{message.message}</p>
          </li>
        ))}
      </ol>
    </div>
  );
}
