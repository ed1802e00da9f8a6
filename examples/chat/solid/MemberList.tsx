/** @jsxImportSource solid-js */
import { avatarColour } from "../ui.ts";
import { For, Show } from "solid-js";

export function MemberList(props: { members: string[]; me: string }) {
  return (
    <section class="members" aria-label="Members">
      <h2>
        <span class="members-label">In this room</span> <span class="count">{props.members.length}</span>
      </h2>
      <ul>
        <For each={props.members}>
          {(name) => (
            <li data-member={name} title={name}>
              <span class="avatar" aria-hidden="true" style={{ background: avatarColour(name) }}>
                {name.slice(0, 1).toUpperCase()}
              </span>
              {/* On a narrow screen only the avatars show; the name stays for screen readers and the tooltip. */}
              <span class="member-name">
                {name}
                <Show when={name === props.me}>
                  <span class="muted"> (you)</span>
                </Show>
              </span>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
