import { expect, test } from "bun:test";
import { terminalText } from "./terminalText.ts";

test("escape sequences, bells and bidi overrides print as visible codes; line breaks as continuations", () => {
  expect(terminalText("a\x1b[31mred\x07")).toBe("a␛[31mred␇");
  expect(terminalText("x\x9by\x7f")).toBe("x<U+009B>y␡");
  expect(terminalText("evil\u202etxt.exe")).toBe("evil<U+202E>txt.exe");
  expect(terminalText("one\r\ntwo\rthree\nfour")).toBe("one\n    │ two\n    │ three\n    │ four");
  expect(terminalText("plain text, émoji 👩‍💻")).toBe("plain text, émoji 👩‍💻");
});
