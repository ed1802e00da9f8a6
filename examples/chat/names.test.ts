import { expect, test } from "bun:test";
import { nameKey, normaliseName } from "./names.ts";

test("a name keeps what shows: invisible characters go, spaces collapse, full-width letters fold", () => {
  expect(normaliseName("  ada\u200b  lovelace\u00ad ")).toBe("ada lovelace");
  expect(normaliseName("ａｄａ")).toBe("ada");
  expect(normaliseName("a\u202eb\x1b[31m")).toBe("ab[31m");
  expect(normaliseName("\u200b\u200d")).toBe("");
  expect(normaliseName("ada\ud800")).toBe("ada"); // a lone surrogate; a pair stays
  expect(normaliseName("ada 🦆")).toBe("ada 🦆");
});

test("names that look alike have one key", () => {
  expect(nameKey("Alice")).toBe(nameKey("alice\u200b"));
  expect(nameKey("ALICE ")).toBe("alice");
  expect(nameKey("alice")).not.toBe(nameKey("alice2"));
});
