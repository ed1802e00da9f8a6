import { expect, test } from "bun:test";
import { appendMessage, HISTORY_LENGTH } from "./history.ts";
import type { Message } from "./schema.ts";

const message = (id: number, sentAt = id): Message => ({ id: String(id), roomId: "r", username: "ada", message: `m${id}`, sentAt });

test("a room's cached history takes each message once, in time order, capped like the server's", () => {
  let history = appendMessage(undefined, message(1));
  history = appendMessage(history, message(3));
  history = appendMessage(history, message(2)); // late
  expect(appendMessage(history, message(3))).toBe(history); // a duplicate changes nothing
  expect(history.map((m) => m.id)).toEqual(["1", "2", "3"]);
  for (let i = 4; i <= HISTORY_LENGTH + 10; i++) history = appendMessage(history, message(i));
  expect(history).toHaveLength(HISTORY_LENGTH);
  expect(history[0]!.id).toBe("11");
});
