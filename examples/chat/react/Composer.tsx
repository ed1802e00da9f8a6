import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { explain } from "../explain.ts";
import { LIMITS } from "../limits.ts";
import { overLimit } from "../ui.ts";
import { useCallMutation, useConnectionStatus } from "./chatter.ts";
import { addMessage } from "./addMessage.ts";

export function Composer({ roomId }: { roomId: string }) {
  const [text, setText] = useState("");
  const status = useConnectionStatus();
  // Said, not cut: a long paste stays whole in the box, with the limit next to it.
  const tooLong = overLimit("Messages", text.trim().length, LIMITS.message);
  const queryClient = useQueryClient();
  // The server sends a message to everyone else in the room; our own copy is its answer.
  const send = useCallMutation("sendMessage", { onSuccess: (message) => addMessage(queryClient, message) });

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message || tooLong) return;
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
        aria-invalid={tooLong ? true : undefined}
        rows={1}
      />
      <button type="submit" className="primary" disabled={!text.trim() || !!tooLong || send.isPending}>
        {send.isPending && status !== "open" ? "Queued" : "Send"}
      </button>
      {tooLong && (
        <p className="composer-error" role="alert">
          {tooLong}
        </p>
      )}
      {send.isPending && status !== "open" && (
        <p className="composer-note" role="status">
          Queued: it goes out when the connection is back
        </p>
      )}
      {send.error && (
        <p className="composer-error" role="alert">
          Not sent: {explain(send.error)}
        </p>
      )}
    </form>
  );
}
