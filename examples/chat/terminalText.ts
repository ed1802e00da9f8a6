// Text from other people, made safe to print on a terminal: no escape sequence (colours,
// cursor moves, OSC titles or links) and no line break can forge a line of its own.

// Controls (ESC, CR, BEL, …) and bidi overrides, which reorder what follows them.
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** `text` with each unsafe character shown as a visible code (`\x1b` as `␛`), line breaks as indented continuations. */
export function terminalText(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(UNSAFE, visible))
    .join("\n    │ ");
}

function visible(char: string): string {
  const code = char.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␀…␟, the Control Pictures block
  if (code === 0x7f) return "␡";
  return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
}
