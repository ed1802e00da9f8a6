/** @jsxImportSource solid-js */
import { useQueryClient } from "@tanstack/solid-query";
import { createSignal, Show } from "solid-js";
import { addMessage } from "./addMessage.ts";
import { explain } from "../explain.ts";
import { LIMITS } from "../limits.ts";
import { overLimit } from "../ui.ts";
import { createCallMutation, createConnectionStatus } from "./chatter.ts";

export function Composer(props: { roomId: string }) {
  const [text, setText] = createSignal("");
  const status = createConnectionStatus();
  // Said, not cut: a long paste stays whole in the box, with the limit next to it.
  const tooLong = () => overLimit("Messages", text().trim().length, LIMITS.message);
  const queryClient = useQueryClient();
  // The server sends a message to everyone else in the room; our own copy is its answer.
  const send = createCallMutation("sendMessage", () => ({ onSuccess: (message) => addMessage(queryClient, message) }));
  const queued = () => send.isPending && status() !== "open";

  function submit(event?: Event) {
    event?.preventDefault();
    const message = text().trim();
    if (!message || tooLong()) return;
    send.mutate({ roomId: props.roomId, message }, { onSuccess: () => setText((current) => (current.trim() === message ? "" : current)) });
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) submit(event);
  }

  return (
    <form class="composer" onSubmit={submit}>
      <textarea
        aria-label="Message"
        placeholder={`Message #${props.roomId}`}
        value={text()}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        aria-invalid={tooLong() ? true : undefined}
        rows={1}
      />
      <button type="submit" class="primary" disabled={!text().trim() || !!tooLong() || send.isPending}>
        {queued() ? "Queued" : "Send"}
      </button>
      <Show when={tooLong()}>
        {(message) => (
          <p class="composer-error" role="alert">
            {message()}
          </p>
        )}
      </Show>
      <Show when={queued()}>
        <p class="composer-note" role="status">
          Queued: it goes out when the connection is back
        </p>
      </Show>
      <Show when={send.error}>
        {(error) => (
          <p class="composer-error" role="alert">
            Not sent: {explain(error())}
          </p>
        )}
      </Show>
    </form>
  );
}
