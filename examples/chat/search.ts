import type { Message } from "./schema.ts";

/** Text as a search compares it: case and accents aside, so "cafe" finds "Café". */
export function foldText(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase("en");
}

/**
 * The messages (newest first, as `messages` yields them) whose text contains `query`,
 * yielded as they are found: at most `limit`, and none after `signal` aborts. It reads
 * `messages` only as far as it needs.
 */
export async function* searchMessages(
  messages: AsyncIterable<Message>,
  query: string,
  { limit, signal }: { limit: number; signal?: AbortSignal },
): AsyncGenerator<Message, void> {
  const needle = foldText(query);
  let found = 0;
  if (!needle || limit < 1) return;
  for await (const message of messages) {
    if (signal?.aborted) return;
    if (!foldText(message.message).includes(needle)) continue;
    yield message;
    if (++found >= limit) return;
  }
}
