/** @jsxImportSource solid-js */
import { For, Show } from "solid-js";

export function MemberList(props: { members: string[]; me: string }) {
  return (
    <section class="members" aria-label="Members">
      <h2>
        In this room <span class="count">{props.members.length}</span>
      </h2>
      <ul>
        <For each={props.members}>
          {(name) => (
            <li data-member={name}>
              <span class="avatar" aria-hidden="true" style={{ background: colour(name) }}>
                {name.slice(0, 1).toUpperCase()}
              </span>
              {name}
              <Show when={name === props.me}>
                <span class="muted"> (you)</span>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

/** A stable colour per name (the same as the React app's, so a person looks the same in both). */
function colour(name: string): string {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return `hsl(${(hash >>> 0) % 360} 55% 45%)`;
}
