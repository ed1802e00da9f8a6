// Topics, checked once at the edge. Bun and Redis key a topic by its UTF-8 bytes, where every
// lone surrogate becomes U+FFFD: "\ud800", "\udc00" and "\ufffd" would be one topic to them
// and three to Chatter's own bookkeeping (the adapter's subscriber counts), so one client
// leaving "\ud800" could unsubscribe an instance from a "\ufffd" another client still reads.
// Such a topic is refused rather than normalised: normalising would merge topics that look
// different (a room named from user input could land in another's), and a lone surrogate is
// never text a person typed — it is a string cut in the middle of a pair, or a hostile one.
// Bun itself throws on "" (and would end the process outside a procedure).
import { ChatterError } from "../core/errors.ts";
import { CLIENT_TOPIC_PREFIX } from "./adapter.ts";

/** Whether Bun, Redis and Chatter agree on what `topic` names: a non-empty, well-formed string. */
export function isTopic(topic: unknown): topic is string {
  return typeof topic === "string" && topic.length > 0 && (topic as string & { isWellFormed(): boolean }).isWellFormed();
}

/** `topic` as is, or `BAD_INPUT` (thrown at once, so a procedure's caller gets it). */
export function topicOf(topic: unknown): string {
  if (isTopic(topic)) return topic;
  const shown = typeof topic === "string" ? JSON.stringify(topic.length > 80 ? `${topic.slice(0, 80)}…` : topic) : typeof topic;
  throw new ChatterError(
    "BAD_INPUT",
    `A topic must be a non-empty string with no lone surrogates (got ${shown}); use topic.toWellFormed() to replace them with U+FFFD`,
  );
}

/**
 * `topicOf` for a subscribe or unsubscribe: a client's own topic (`clientTopic(id)`) is refused,
 * so an app that lets clients name their topics cannot let one read another's direct messages.
 */
export function subscribableTopic(topic: unknown): string {
  const checked = topicOf(topic);
  if (checked.startsWith(CLIENT_TOPIC_PREFIX)) throw new ChatterError("BAD_INPUT", `Topics starting "${CLIENT_TOPIC_PREFIX}" are each client's own; subscribe to another name`);
  return checked;
}
