export function MemberList({ members, me }: { members: string[]; me: string }) {
  return (
    <section className="members" aria-label="Members">
      <h2>
        In this room <span className="count">{members.length}</span>
      </h2>
      <ul>
        {members.map((name) => (
          <li key={name} data-member={name}>
            <span className="avatar" aria-hidden="true" style={{ background: colour(name) }}>
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

/** A stable colour per name. */
function colour(name: string): string {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return `hsl(${(hash >>> 0) % 360} 55% 45%)`;
}
