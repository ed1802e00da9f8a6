// Hostile input: every frame here comes through a raw socket to a Chatter server running
// in its own process, and every test ends by proving that process alive, a trusted
// client's calls answered, and the pending maps, connections and prototypes untouched.
import { beforeAll, describe, expect, test } from "bun:test";
import type { Stats } from "./app.ts";
import { assertHealthy, cleanup, closeCode, connect, maskedFrame, mb, raw, spawn, stats, tcp, until } from "./helpers.ts";

cleanup();

let url = "";
let port = 0;
let alive: () => boolean = () => false;
let baseline: Stats;

beforeAll(async () => {
  const server = await spawn("fixture-server.ts", [], { ready: /READY (\d+)/, scope: "file" });
  port = Number(server.match[1]);
  url = `ws://127.0.0.1:${port}`;
  alive = server.alive;
  const trusted = connect(url);
  baseline = await stats(trusted);
  trusted.close();
});

/** Sends `frame` on a fresh raw socket and expects the server to close it with `code`. */
async function expectClosed(frame: string | Uint8Array, code: number) {
  const sock = await raw(url);
  sock.send(frame);
  const closed = await Promise.race([sock.closed, Bun.sleep(3_000).then(() => undefined)]);
  expect(closed?.code).toBe(code);
  return sock;
}

async function healthy() {
  const trusted = connect(url);
  await assertHealthy(trusted, { alive });
  trusted.close();
}

describe("hostile frames close the socket, never the process", () => {
  test.each([
    ["not JSON", "hello"],
    ["truncated JSON", '[0,1,"add"'],
    ["a number", "42"],
    ["a string", '"add"'],
    ["true", "true"],
    ["null", "null"],
    ["an object", '{"0":0,"1":1,"2":"add"}'],
    ["an empty array", "[]"],
    ["an empty frame", ""],
    ["an unknown kind", "[99]"],
    ["a kind that is not a number", '["0",1,"add"]'],
    ["a lone surrogate", '["\\ud800"]'],
  ])("%s: PROTOCOL error frame, then 4400", async (_, frame) => {
    const sock = await expectClosed(frame, 4400);
    expect(sock.frames[0]?.slice(0, 3)).toEqual([3, 0, "PROTOCOL"]);
    await healthy();
  });

  test("a binary frame: 4400", async () => {
    await expectClosed(new Uint8Array([0x5b, 0x35, 0x5d]), 4400);
    await healthy();
  });

  test("invalid UTF-8 in a text frame: Bun closes with 1007 before Chatter sees it", async () => {
    const sock = await tcp(port);
    expect(sock.status).toBe(101);
    sock.socket.write(maskedFrame(1, new Uint8Array([0x5b, 0xff, 0xfe, 0x80, 0x5d])));
    await until(() => sock.ended || closeCode(sock.received()) !== undefined, 3_000, "the close");
    expect(closeCode(sock.received())).toBe(1007);
    await healthy();
  });

  test("a frame over the 1 MiB limit: 1009", async () => {
    await expectClosed(`[1,"news","${"x".repeat(1_048_576)}"]`, 1009);
    await healthy();
  });

  test.each([
    ["no id", '[0]'],
    ["no name", "[0,1]"],
    ["a string id", '[0,"1","add",{"a":1,"b":2}]'],
    ["a fractional id", '[0,1.5,"add",{"a":1,"b":2}]'],
    ["a zero id", '[0,0,"add",{"a":1,"b":2}]'],
    ["a negative id", '[0,-7,"add",{"a":1,"b":2}]'],
    ["an absurd id", '[0,1e300,"add",{"a":1,"b":2}]'],
    ["an id past 2^53", '[0,9007199254740993,"add",{"a":1,"b":2}]'],
    ["an object id", '[0,{"valueOf":1},"add",{"a":1,"b":2}]'],
    ["a numeric name", "[0,1,42]"],
    ["a null name", "[0,1,null]"],
    ["an array name", '[0,1,["add"]]'],
    ["an object name", '[0,1,{"toString":"add"}]'],
    ["a NOTIFY (clients may not send one)", '[1,"add",{"a":1,"b":2}]'],
    ["a NOTIFY with a prototype name", '[1,"__proto__",{}]'],
    ["a CANCEL with no id", "[4]"],
  ])("a call with %s: 4400", async (_, frame) => {
    await expectClosed(frame, 4400);
    await healthy();
  });

  test("a duplicate id in flight: the socket is closed, the first call ran once and was aborted once", async () => {
    const trusted = connect(url);
    const before = (await stats(trusted)).counts["slow:dup"] ?? 0;
    const sock = await raw(url);
    sock.send('[0,1,"slow",{"ms":300,"tag":"dup"}]');
    sock.send('[0,1,"slow",{"ms":300,"tag":"dup"}]');
    expect((await sock.closed).code).toBe(4400);
    expect(sock.frames).toEqual([[3, 0, "PROTOCOL", "call id 1 is already in flight"]]);
    await Bun.sleep(350); // past the handler's own end: no second answer, no second run
    expect((await stats(trusted)).counts["slow:dup"]).toBe(before + 1);
    await assertHealthy(trusted, { alive });
  });
});

describe("names and inputs", () => {
  const prototypeNames = ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "isPrototypeOf", "prototype", "__lookupGetter__"];

  test("procedure names that are prototype names are NOT_FOUND", async () => {
    const sock = await raw(url);
    prototypeNames.forEach((name, i) => sock.send(JSON.stringify([0, i + 1, name, {}])));
    sock.send("[5]");
    await until(() => sock.frames.some((f) => f[0] === 6), 3_000, "the pong");
    const answers = sock.frames.filter((f) => f[0] === 3);
    expect(answers.map((f) => f[2])).toEqual(prototypeNames.map(() => "NOT_FOUND"));
    expect(sock.close).toBeUndefined();
    sock.ws.close();
    await healthy();
  });

  test("a 1 MB procedure name under the limit: NOT_FOUND with a short message", async () => {
    const sock = await raw(url);
    const name = "n".repeat(1_048_576 - 40);
    sock.send(JSON.stringify([0, 1, name]));
    const answer = await sock.answer(1);
    expect(answer[2]).toBe("NOT_FOUND");
    expect(String(answer[3]).length).toBeLessThan(200);
    sock.ws.close();
    await healthy();
  });

  test("input with __proto__ and constructor.prototype keys pollutes nothing", async () => {
    const sock = await raw(url);
    const evil = '{"__proto__":{"polluted":1,"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"name":"x","a":1,"b":2}';
    sock.send(`[0,1,"keys",${evil}]`);
    sock.send(`[0,2,"shape",${evil}]`);
    sock.send(`[0,3,"add",${evil}]`);
    sock.send(`[0,4,"echo",${evil}]`);
    const [keys, shape, add, echo] = await Promise.all([1, 2, 3, 4].map((id) => sock.answer(id)));
    expect((keys![2] as any).polluted).toBe(false);
    expect(shape).toEqual([2, 2, { keys: ["name"], polluted: false }]);
    expect(add).toEqual([2, 3, 3]);
    expect(echo![0]).toBe(2);
    sock.ws.close();
    const trusted = connect(url);
    const after = await assertHealthy(trusted, { alive });
    expect(after.polluted).toBe(false);
  });

  test("1e400 (Infinity after parsing) is refused or answered, never a crash", async () => {
    const sock = await raw(url);
    sock.send('[0,1,"add",{"a":1e400,"b":1}]');
    sock.send('[0,2,"echo",1e400]');
    const [add, echo] = [await sock.answer(1), await sock.answer(2)];
    expect(add.slice(0, 3)).toEqual([3, 1, "BAD_INPUT"]);
    expect(echo.slice(0, 3)).toEqual([3, 2, "INTERNAL"]); // JSON has no Infinity: refused, never a silent null (numbers.test.ts)
    sock.ws.close();
    await healthy();
  });

  test("100,000-deep nesting under the size limit: answered or refused, the process lives", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const sock = await raw(url);
    sock.send(`[0,1,"echo",${deep}]`);
    sock.send(`[0,2,"keys",{"a":${deep}}]`);
    sock.send(`[0,3,"add",${deep}]`);
    await until(() => sock.frames.length >= 3 || !!sock.close, 10_000, "answers or a close");
    if (!sock.close) {
      for (const frame of sock.frames) expect([2, 3]).toContain(frame[0] as number);
      expect(sock.frames.find((f) => f[1] === 3)?.[2]).toBe("BAD_INPUT");
    } else {
      expect(sock.close.code).toBe(4400);
    }
    sock.ws.close();
    await healthy();
  });
});

describe("procedures that return what JSON cannot carry", () => {
  test.each(["circular", "bigint", "deep"])("a %s result is INTERNAL, with no message leak", async (kind) => {
    const trusted = connect(url);
    const before = (await stats(trusted)).errors;
    const sock = await raw(url);
    sock.send(JSON.stringify([0, 1, "bad", kind]));
    expect(await sock.answer(1, 10_000)).toEqual([3, 1, "INTERNAL", "Internal error"]);
    sock.ws.close();
    expect((await stats(trusted)).errors).toBeGreaterThan(before); // reported on the server
    await assertHealthy(trusted, { alive });
  });

  test("a handler that throws or rejects: INTERNAL, the message stays on the server", async () => {
    const sock = await raw(url);
    sock.send('[0,1,"throws"]');
    sock.send('[0,2,"rejects"]');
    expect(await sock.answer(1)).toEqual([3, 1, "INTERNAL", "Internal error"]);
    expect(await sock.answer(2)).toEqual([3, 2, "INTERNAL", "Internal error"]);
    expect(sock.texts.join()).not.toContain("secret");
    sock.ws.close();
    await healthy();
  });
});

describe("answers nobody asked for", () => {
  test("a result or error for an id never sent is dropped; the socket stays open", async () => {
    const sock = await raw(url);
    sock.send('[2,999,"forged"]');
    sock.send('[3,998,"INTERNAL","forged"]');
    sock.send('[3,0,"NOT_A_CODE",{"x":1}]');
    sock.send('[2,-1]');
    sock.send('[0,1,"add",{"a":1,"b":2}]');
    expect(await sock.answer(1)).toEqual([2, 1, 3]);
    expect(sock.close).toBeUndefined();
    sock.ws.close();
    await healthy();
  });

  test("a late result after the server's call timed out is dropped: the call settled once, as TIMEOUT", async () => {
    const sock = await raw(url);
    sock.send('[0,1,"ask",{"timeout":100,"value":"q"}]');
    await until(() => sock.frames.some((f) => f[0] === 0 && f[2] === "question"), 3_000, "the server's call");
    const call = sock.frames.find((f) => f[0] === 0)!;
    expect(await sock.answer(1)).toEqual([2, 1, { ok: false, code: "TIMEOUT" }]);
    expect(sock.frames).toContainEqual([4, call[1]]); // told to stop
    sock.send(JSON.stringify([2, call[1], "late"]));
    sock.send(JSON.stringify([3, call[1], "INTERNAL", "late too"]));
    sock.send('[0,2,"add",{"a":1,"b":2}]');
    expect(await sock.answer(2)).toEqual([2, 2, 3]);
    expect(sock.frames.filter((f) => f[0] === 2 && f[1] === 1)).toHaveLength(1);
    sock.ws.close();
    await healthy();
  });

  test("the server's call to a socket that leaves is cleared at the close", async () => {
    const trusted = connect(url);
    const sock = await raw(url);
    sock.send('[0,1,"ask",{"timeout":60000}]');
    await until(() => sock.frames.some((f) => f[0] === 0), 3_000, "the server's call");
    expect((await stats(trusted)).pending).toBe(1);
    sock.ws.close();
    await assertHealthy(trusted, { alive }); // pending back to 0 long before the 60 s timeout
  });
});

describe("floods", () => {
  test("10,000 calls in flight from one connection: 1,000 run, 9,000 are refused OVERLOADED at once, every id answered once", async () => {
    const sock = await raw(url);
    for (let id = 1; id <= 10_000; id++) sock.send(`[0,${id},"slow",{"ms":300,"tag":"flood"}]`);
    await until(() => sock.frames.length >= 10_000 || !!sock.close, 15_000, "10,000 answers");
    expect(sock.close).toBeUndefined();
    const ids = new Set(sock.frames.map((f) => f[1]));
    expect(ids.size).toBe(10_000);
    expect(sock.frames.filter((f) => f[0] === 2)).toHaveLength(1_000);
    expect(sock.frames.filter((f) => f[0] === 3 && f[2] === "OVERLOADED")).toHaveLength(9_000);
    sock.ws.close();
    await healthy();
  });

  test("call-and-cancel in a loop (HTTP/2's Rapid Reset): cancelled procedures keep their slots, so at most 1,000 run", async () => {
    const trusted = connect(url);
    const before = (await stats(trusted)).counts["hang:reset"] ?? 0;
    const sock = await raw(url);
    for (let id = 1; id <= 20_000; id++) {
      sock.send(`[0,${id},"hang",{"tag":"reset"}]`);
      sock.send(`[4,${id}]`);
    }
    await until(() => sock.frames.length >= 19_000 || !!sock.close, 15_000, "the refusals");
    expect(sock.close).toBeUndefined();
    expect(sock.frames.filter((f) => f[2] === "OVERLOADED")).toHaveLength(19_000);
    expect((await stats(trusted)).counts["hang:reset"]).toBe(before + 1_000);
    sock.ws.close();
    await assertHealthy(trusted, { alive }); // and the 1,000 slots are freed at the close
  }, 30_000);

  test("NOTIFY from a client (it would run procedures outside the cap) is a violation: 4400, nothing ran", async () => {
    const trusted = connect(url);
    const before = (await stats(trusted)).counts["hang:notify"] ?? 0;
    const sock = await raw(url);
    for (let i = 0; i < 10_000; i++) sock.send('[1,"hang",{"tag":"notify"}]');
    expect((await sock.closed).code).toBe(4400);
    expect(sock.frames[0]).toEqual([3, 0, "PROTOCOL", "NOTIFY is sent by the server only"]);
    expect((await stats(trusted)).counts["hang:notify"] ?? 0).toBe(before);
    await assertHealthy(trusted, { alive });
  });

  test("a burst of 100,000 tiny frames is all answered", async () => {
    const sock = await raw(url);
    for (let id = 1; id <= 50_000; id++) sock.send(`[0,${id},"add",{"a":${id},"b":1}]`);
    for (let i = 0; i < 50_000; i++) sock.send("[5]");
    await until(() => sock.frames.length >= 100_000 || !!sock.close, 30_000, "100,000 answers");
    expect(sock.close).toBeUndefined();
    const results = sock.frames.filter((f) => f[0] === 2);
    expect(results).toHaveLength(50_000);
    expect(results.every((f) => f[2] === (f[1] as number) + 1)).toBe(true);
    expect(sock.frames.filter((f) => f[0] === 6)).toHaveLength(50_000);
    sock.ws.close();
    await healthy();
  }, 40_000);
});

describe("the handshake", () => {
  test("a foreign Origin is refused before the upgrade; an allowed one is upgraded", async () => {
    const foreign = await tcp(port, { Origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    const allowed = await tcp(port, { Origin: "http://good.example" });
    expect(allowed.status).toBe(101);
    allowed.socket.destroy();
    await healthy();
  });
});

test("after all of it, the server's heap is back near where it started", async () => {
  const trusted = connect(url);
  const end = await assertHealthy(trusted, { alive, baseline, heapMargin: 16 * 1_048_576 });
  console.log(`hostile: server heap ${mb(baseline.heapUsed)} → ${mb(end.heapUsed)}, rss ${mb(baseline.rss)} → ${mb(end.rss)}`);
});

