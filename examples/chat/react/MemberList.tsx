import { avatarColour } from "../ui.ts";
export function MemberList({ members, me }: { members: string[]; me: string }) {
  return (
    <section className="members" aria-label="Members">
      <h2>
        In this room <span className="count">{members.length}</span>
      </h2>
      <ul>
        {members.map((name) => (
          <li key={name} data-member={name}>
            <span className="avatar" aria-hidden="true" style={{ background: avatarColour(name) }}>
              {name.slice(0, 1).toUpperCase()}
            </span>
            {name}
            {name === me && <span className="muted"> (you)</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
