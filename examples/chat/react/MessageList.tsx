import { useEffect, useRef } from "react";
import type { ChatterError } from "@manyducks.co/chatter/client";
import { explain } from "../explain.ts";
import type { Message } from "../schema.ts";
import { useConnectionStatus } from "./chatter.ts";

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

export function MessageList(props: { messages: Message[] | undefined; loading: boolean; error: ChatterError | null; me: string }) {
  const { messages = [], loading, error, me } = props;
  const list = useRef<HTMLOListElement>(null);
  // The history call waits for the connection; say so rather than "Loading…" for as long as it is down.
  const offline = useConnectionStatus() !== "open";

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  return (
    <ol className="messages" ref={list} role="log" aria-label="Messages" aria-live="polite">
      {loading && <li className="notice">{offline ? "Waiting for the server… the history loads once connected" : "Loading history…"}</li>}
      {error && <li className="notice error">Could not load the history: {explain(error)}</li>}
      {!loading && !error && messages.length === 0 && <li className="notice">No messages yet. Say hello!</li>}
      {messages.map((message, i) => {
        const mine = message.username === me;
        const first = messages[i - 1]?.username !== message.username;
        return (
          <li key={message.id} className={`message${mine ? " mine" : ""}${first ? " first" : ""}`}>
            {first && (
              <p className="meta">
                <span className="author">{mine ? "You" : message.username}</span>
                <time dateTime={new Date(message.sentAt).toISOString()}>{time.format(message.sentAt)}</time>
              </p>
            )}
            <p className="bubble">{message.message}</p>
          </li>
        );
      })}
    </ol>
  );
}
