// Names and rooms as people see them: "alice", "Alice " and "alice\u200b" are one name.

// Controls (C0, C1, DEL) and format characters (zero-width, bidi overrides, soft hyphen)
// change nothing visible or hide text: a name keeps none of them.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** `name` as shown: NFKC (full-width and ligatures folded), invisible characters dropped, spaces collapsed. */
export function normaliseName(name: string): string {
  return name.normalize("NFKC").replace(INVISIBLE, "").replace(/\s+/g, " ").trim();
}

/** What two names are compared by: two names with one key are one person in a room. */
export function nameKey(name: string): string {
  return normaliseName(name).toLowerCase();
}
