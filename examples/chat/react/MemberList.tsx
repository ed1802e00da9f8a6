import { avatarColour } from "../ui.ts";
export function MemberList({ members, me }: { members: string[]; me: string }) {
  return (
    <section className="members" aria-label="Members">
      <h2>
        <span className="members-label">In this room</span> <span className="count">{members.length}</span>
      </h2>
      <ul>
        {members.map((name) => (
          <li key={name} data-member={name} title={name}>
            <span className="avatar" aria-hidden="true" style={{ background: avatarColour(name) }}>
              {name.slice(0, 1).toUpperCase()}
            </span>
            {/* On a narrow screen only the avatars show; the name stays for screen readers and the tooltip. */}
            <span className="member-name">
              {name}
              {name === me && <span className="muted"> (you)</span>}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
