import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { useCallMutation } from "./chatter.ts";
import { addMessage } from "./addMessage.ts";

export function Composer({ roomId }: { roomId: string }) {
  const [text, setText] = useState("");
  const queryClient = useQueryClient();
  // The server sends a message to everyone else in the room; our own copy is its answer.
  const send = useCallMutation("sendMessage", { onSuccess: (message) => addMessage(queryClient, message) });

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message) return;
    send.mutate({ roomId, message }, { onSuccess: () => setText((current) => (current.trim() === message ? "" : current)) });
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) submit(event);
  }

  return (
    <form className="composer" onSubmit={submit}>
      <textarea
        aria-label="Message"
        placeholder={`Message #${roomId}`}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        maxLength={2000}
        rows={1}
      />
      <button type="submit" className="primary" disabled={!text.trim() || send.isPending}>
        Send
      </button>
      {send.error && (
        <p className="composer-error" role="alert">
          Not sent: {send.error.message}
        </p>
      )}
    </form>
  );
}
