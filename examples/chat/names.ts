// Names and rooms as people see them: "alice", "Alice " and "alice\u200b" are one name.

// Controls (C0, C1, DEL) and format characters (zero-width, bidi overrides, soft hyphen)
// change nothing visible or hide text: a name keeps none of them. Nor a lone surrogate: never
// typed (a string cut in half), it shows as U+FFFD, and Bun, Redis and SQLite store it as one,
// so "a\ud800" and "a\udc00" would be two names (or two rooms) that are one to everyone else.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** `name` as shown: NFKC (full-width and ligatures folded), invisible characters dropped, spaces collapsed. */
export function normaliseName(name: string): string {
  return name.normalize("NFKC").replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
}

/** What two names are compared by: two names with one key are one person in a room. */
export function nameKey(name: string): string {
  return normaliseName(name).toLowerCase();
}
