/** A Redis reply of fields and values — a flat array (`[f1, v1, f2, v2…]`, as a script returns) or a map — as pairs. */
export function pairs(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), String(reply[i + 1])]);
    return out;
  }
  return reply && typeof reply === "object" ? Object.entries(reply as Record<string, string>) : [];
}
