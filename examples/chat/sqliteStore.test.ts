import { expect, test } from "bun:test";
import { createSqliteStore } from "./sqliteStore.ts";

test("the store keeps a room's last messages, oldest first, and a total across rooms (the oldest go first)", async () => {
  const store = createSqliteStore(":memory:", { perRoom: 3, total: 5 });
  for (let i = 1; i <= 4; i++) await store.add({ roomId: "a", username: "ada", message: `a${i}` });
  expect((await store.history("a")).map((m) => m.message)).toEqual(["a2", "a3", "a4"]);
  // Two more rooms: five messages in all at most, so room a loses its oldest.
  for (const roomId of ["b", "c"]) for (let i = 1; i <= 2; i++) await store.add({ roomId, username: "bob", message: `${roomId}${i}` });
  expect((await store.history("a")).map((m) => m.message)).toEqual(["a4"]);
  expect((await store.history("c")).map((m) => m.message)).toEqual(["c1", "c2"]);
  expect(await store.history("nowhere")).toEqual([]);
  store.close();
});

test("ids grow and messages are stored as given (the schema has cleaned them)", async () => {
  const store = createSqliteStore(":memory:");
  const first = await store.add({ roomId: "r", username: "ada", message: "two\nlines ✓" });
  const second = await store.add({ roomId: "r", username: "ada", message: "next" });
  expect(Number(second.id)).toBeGreaterThan(Number(first.id));
  expect(first).toMatchObject({ roomId: "r", username: "ada", message: "two\nlines ✓" });
  expect(Math.abs(first.sentAt - Date.now())).toBeLessThan(5_000);
  store.close();
});

test("a room's messages read newest first, a page at a time, to the first", async () => {
  const store = createSqliteStore(":memory:");
  for (let i = 1; i <= 60; i++) await store.add({ roomId: i % 2 ? "odd" : "even", username: "ada", message: `m${i}` });
  const read: string[] = [];
  for await (const message of store.messages("odd")) read.push(message.message);
  expect(read).toEqual(Array.from({ length: 30 }, (_, i) => `m${59 - 2 * i}`));
  for await (const _ of store.messages("nowhere")) throw new Error("no messages there");
  store.close();
});
