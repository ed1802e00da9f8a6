import type { PresenceEntry } from "@manyducks.co/chatter/server";
import { nameKey } from "./names.ts";

/**
 * A member of a room as presence keeps it (the schema's `presence`): the name, and a hash of
 * the tab's key (the key itself stays with the tab).
 */
export interface Member {
  name: string;
  key?: string;
}

/** What a member's tab key is kept as: no one who reads presence (or Redis) can take a name with it. */
export const keyHash = (key: string) => new Bun.CryptoHasher("sha256").update(key).digest("hex");

/** The room's names, once each (a person's dropped connection that lingers elsewhere is still one name), sorted. */
export function memberNames(entries: readonly PresenceEntry<Member>[]): string[] {
  const byKey = new Map<string, string>();
  for (const { meta } of entries) if (!byKey.has(nameKey(meta.name))) byKey.set(nameKey(meta.name), meta.name);
  return [...byKey.values()].sort();
}

/**
 * Who in `entries` holds `name` against `clientId`: `rival`, someone else (no key, or
 * another one), or `ours`, connections with our key (ours that dropped, which the name moves
 * from).
 */
export function holders(entries: readonly PresenceEntry<Member>[], clientId: string, name: string, key: string | undefined) {
  const wanted = nameKey(name);
  const others = entries.filter((entry) => entry.id !== clientId && nameKey(entry.meta.name) === wanted);
  const ours = (entry: PresenceEntry<Member>) => key !== undefined && entry.meta.key === key;
  return { rival: others.find((entry) => !ours(entry)), ours: others.filter(ours).map((entry) => entry.id) };
}
