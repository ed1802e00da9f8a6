// Connection ids and the secrets of recovery tokens: random, URL-safe, short.

export const ID_LENGTH = 21;
/** URL-safe, 64 characters: a random byte's low 6 bits pick one. */
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * A new connection id: 21 characters of 6 random bits each (126 bits, as unguessable as a
 * UUID's 122, in 15 fewer characters an idle connection keeps).
 */
export function connectionId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ID_LENGTH));
  const codes: number[] = [];
  for (const byte of bytes) codes.push(ID_ALPHABET.charCodeAt(byte & 63));
  return String.fromCharCode(...codes);
}
