import { expect, test } from "bun:test";
import { ChatterError } from "./errors.ts";
import { ChatterError as FromClient } from "../client/index.ts";
import { ChatterError as FromServer } from "../server/index.ts";

test("ChatterError.from keeps a ChatterError and hides anything else as INTERNAL", () => {
  const own = new ChatterError("TIMEOUT", "slow");
  expect(ChatterError.from(own)).toBe(own);
  const wrapped = ChatterError.from(new Error("secret"));
  expect([wrapped.code, wrapped.message]).toEqual(["INTERNAL", "Internal error"]);
  expect((wrapped.cause as Error).message).toBe("secret"); // kept for this side's logs only
});

test("an unknown code becomes INTERNAL; every entry point exports the same class", () => {
  expect(new ChatterError("OOPS" as never).code).toBe("INTERNAL");
  expect(new ChatterError("NOT_FOUND").message).toBe("No such procedure");
  expect(FromClient).toBe(ChatterError);
  expect(FromServer).toBe(ChatterError);
});
