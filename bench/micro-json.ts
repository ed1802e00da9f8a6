// What it costs to refuse the numbers JSON cannot carry (NaN, ±Infinity become `null`) when
// a frame is encoded, per value shape: plain `JSON.stringify`, a replacer on every call, a
// walk before stringify, and the check Chatter uses — stringify, then look again only when
// the text holds a `null` (which every NaN/Infinity turns into).
//
//   bun bench/micro-json.ts [--rounds 5] [--n 200000]
export {};

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = option("rounds", 5);
const n = option("n", 200_000);

const replacer = (_key: string, value: unknown) => {
  if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("not finite");
  return value;
};
function walk(value: unknown, depth = 0): boolean {
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || value === null || depth > 64) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!walk(item, depth + 1)) return false;
    return true;
  }
  for (const key in value) if (Object.hasOwn(value, key) && !walk((value as Record<string, unknown>)[key], depth + 1)) return false;
  return true;
}

const shapes: Record<string, unknown> = {
  "{a,b} (the bench payload)": { a: 1, b: "hello" },
  "chat message": { roomId: "lobby", username: "ada", message: "hello there, how are you?", at: 1_700_000_000_000 },
  "100 numbers": Array.from({ length: 100 }, (_, i) => i * 1.5),
  "50 objects": Array.from({ length: 50 }, (_, i) => ({ id: i, name: `user-${i}`, score: i / 3, tags: ["a", "b"] })),
  "with a null (slow path)": { a: 1, b: null, c: "x" },
};

const variants: Record<string, (v: unknown) => string> = {
  "stringify": (v) => JSON.stringify(v),
  "stringify + replacer": (v) => JSON.stringify(v, replacer),
  "walk + stringify": (v) => (walk(v) ? JSON.stringify(v) : ""),
  "stringify + includes(null)": (v) => {
    const text = JSON.stringify(v);
    if (text.includes("null")) JSON.stringify(v, replacer); // the culprit hunt, only when a null is there
    return text;
  },
  "includes(null), then walk": (v) => {
    const text = JSON.stringify(v);
    if (text.includes("null") && !walk(v)) return "";
    return text;
  },
};

let sink = 0;
const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${"shape".padEnd(28)}${Object.keys(variants).map((k) => k.padStart(28)).join("")}`);
for (const [shape, value] of Object.entries(shapes)) {
  const cells: string[] = [];
  for (const fn of Object.values(variants)) {
    for (let i = 0; i < 20_000; i++) sink += fn(value).length; // warm up
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      for (let i = 0; i < n; i++) sink += fn(value).length;
      times.push(((performance.now() - t) * 1e6) / n);
    }
    cells.push(`${median(times).toFixed(0)} ns`.padStart(28));
  }
  console.log(`${shape.padEnd(28)}${cells.join("")}`);
}
if (sink === 42) console.log(sink);
