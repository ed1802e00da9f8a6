import { expect, test } from "bun:test";
import type { Message } from "./schema.ts";
import { foldText, searchMessages } from "./search.ts";

const message = (id: number, text: string): Message => ({ id: String(id), roomId: "r", username: "ada", message: text, sentAt: id });

/** Messages newest first, counting how many were read. */
function source(texts: string[], read = { count: 0 }) {
  return {
    read,
    async *[Symbol.asyncIterator]() {
      for (const [i, text] of texts.entries()) {
        read.count++;
        yield message(i, text);
      }
    },
  };
}

async function all(stream: AsyncIterable<Message>): Promise<string[]> {
  const out: string[] = [];
  for await (const m of stream) out.push(m.message);
  return out;
}

test("a search folds case and accents", () => {
  expect(foldText("Café ÅNGSTRÖM")).toBe("cafe angstrom");
});

test("a search yields matches in the order it reads them, and reads no further than its limit needs", async () => {
  const messages = source(["a hit", "miss", "hit two", "hit three", "hit four"]);
  expect(await all(searchMessages(messages, "HIT", { limit: 2 }))).toEqual(["a hit", "hit two"]);
  expect(messages.read.count).toBe(3);
});

test("a search stops once its signal aborts", async () => {
  const controller = new AbortController();
  const messages = source(["hit 1", "hit 2", "hit 3"]);
  const found: string[] = [];
  for await (const m of searchMessages(messages, "hit", { limit: 10, signal: controller.signal })) {
    found.push(m.message);
    controller.abort();
  }
  expect(found).toEqual(["hit 1"]);
  expect(messages.read.count).toBe(2);
});
