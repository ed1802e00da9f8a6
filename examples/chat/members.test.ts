import { expect, test } from "bun:test";
import { holders, keyHash, memberNames } from "./members.ts";

const entry = (id: string, name: string, key?: string) => ({ id, meta: key === undefined ? { name } : { name, key: keyHash(key) } });

test("a room lists each name once, sorted, whatever connections hold it", () => {
  expect(memberNames([entry("1", "grace"), entry("2", "Ada"), entry("3", "ada", "k"), entry("4", "bob")])).toEqual(["Ada", "bob", "grace"]);
  expect(memberNames([])).toEqual([]);
});

test("a name held by someone else is a rival; held with our key, it is ours to take; our own connection is neither", () => {
  const room = [entry("1", "ada", "tab-1"), entry("2", "ada"), entry("3", "bob", "tab-2"), entry("me", "grace")];
  expect(holders(room, "me", "ADA ", keyHash("tab-1"))).toEqual({ rival: room[1], ours: ["1"] });
  expect(holders(room, "me", "bob", keyHash("tab-2"))).toEqual({ rival: undefined, ours: ["3"] });
  expect(holders(room, "me", "bob", undefined)).toEqual({ rival: room[2], ours: [] });
  expect(holders(room, "me", "bob", keyHash("guess"))).toEqual({ rival: room[2], ours: [] });
  expect(holders(room, "me", "grace", undefined)).toEqual({ rival: undefined, ours: [] });
  expect(keyHash("tab-1")).not.toContain("tab-1");
});
