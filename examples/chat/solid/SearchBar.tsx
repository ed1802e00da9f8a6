/** @jsxImportSource solid-js */
import { Show } from "solid-js";
import { LIMITS } from "../limits.ts";
import { overLimit } from "../ui.ts";

/** The room's search box: typing searches, Escape or Close clears it (which stops the search). */
export function SearchBar(props: { roomId: string; value: string; onChange: (value: string) => void }) {
  const tooLong = () => overLimit("Searches", props.value.trim().length, LIMITS.searchQuery);
  return (
    <div class="search" role="search">
      <input
        type="search"
        aria-label="Search messages"
        placeholder={`Search #${props.roomId}`}
        value={props.value}
        onInput={(e) => props.onChange(e.currentTarget.value)}
        onKeyDown={(e) => e.key === "Escape" && props.onChange("")}
        aria-invalid={tooLong() ? true : undefined}
      />
      <Show when={props.value}>
        <button type="button" class="ghost" onClick={() => props.onChange("")}>
          Close
        </button>
      </Show>
      <Show when={tooLong()}>
        {(message) => (
          <p class="composer-error" role="alert">
            {message()}
          </p>
        )}
      </Show>
    </div>
  );
}
