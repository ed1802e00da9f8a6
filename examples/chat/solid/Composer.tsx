/** @jsxImportSource solid-js */
import { useQueryClient } from "@tanstack/solid-query";
import { createSignal, Show } from "solid-js";
import { addMessage } from "./addMessage.ts";
import { createCallMutation } from "./chatter.ts";

export function Composer(props: { roomId: string }) {
  const [text, setText] = createSignal("");
  const queryClient = useQueryClient();
  // The server sends a message to everyone else in the room; our own copy is its answer.
  const send = createCallMutation("sendMessage", () => ({ onSuccess: (message) => addMessage(queryClient, message) }));

  function submit(event?: Event) {
    event?.preventDefault();
    const message = text().trim();
    if (!message) return;
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
        maxLength={2000}
        rows={1}
      />
      <button type="submit" class="primary" disabled={!text().trim() || send.isPending}>
        Send
      </button>
      <Show when={send.error}>
        {(error) => (
          <p class="composer-error" role="alert">
            Not sent: {error().message}
          </p>
        )}
      </Show>
    </form>
  );
}
