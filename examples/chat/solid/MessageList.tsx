/** @jsxImportSource solid-js */
import type { ChatterError } from "@manyducks.co/chatter/client";
import { createEffect, For, Show } from "solid-js";
import { explain } from "../explain.ts";
import type { Message } from "../schema.ts";
import { createConnectionStatus } from "./chatter.ts";

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

export function MessageList(props: { messages: Message[] | undefined; loading: boolean; error: ChatterError | null; me: string }) {
  let list: HTMLOListElement | undefined;
  const messages = () => props.messages ?? [];
  // The history call waits for the connection; say so rather than "Loading…" for as long as it is down.
  const status = createConnectionStatus();

  createEffect(() => {
    messages().length; // on every new message, scroll to the bottom
    if (list) list.scrollTop = list.scrollHeight;
  });

  return (
    <ol class="messages" ref={list} role="log" aria-label="Messages" aria-live="polite">
      <Show when={props.loading}>
        <li class="notice">{status() === "open" ? "Loading history…" : "Waiting for the server… the history loads once connected"}</li>
      </Show>
      <Show when={props.error}>{(error) => <li class="notice error">Could not load the history: {explain(error())}</li>}</Show>
      <Show when={!props.loading && !props.error && messages().length === 0}>
        <li class="notice">No messages yet. Say hello!</li>
      </Show>
      <For each={messages()}>
        {(message, i) => {
          const mine = () => message.username === props.me;
          const first = () => messages()[i() - 1]?.username !== message.username;
          return (
            <li class="message" classList={{ mine: mine(), first: first() }}>
              <Show when={first()}>
                <p class="meta">
                  <span class="author">{mine() ? "You" : message.username}</span>
                  <time dateTime={new Date(message.sentAt).toISOString()}>{time.format(message.sentAt)}</time>
                </p>
              </Show>
              <p class="bubble">{message.message}</p>
            </li>
          );
        }}
      </For>
    </ol>
  );
}
