// Numbers JSON cannot carry. `JSON.stringify` turns NaN, Infinity and -Infinity into `null`
// without a word; Chatter's sender refuses them instead: a call's input or a publish with one
// is `BAD_INPUT` (nothing is sent), a result with one is `INTERNAL` for the caller and a report
// on the side that produced it. What JSON does carry exactly is untouched: every finite
// double round-trips (integers past 2^53 included, as the double they already are); -0
// arrives as 0 (`-0 === 0`; refusing it would make `Math.round(-0.2)` an error).
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { createClient } from "../../client/createClient.ts";
import type { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/createServer.ts";
import { cleanup, defer, raw, until } from "./helpers.ts";

cleanup();

const schema = createSchema({
  server: {
    echo: { input: z.unknown() },
    nan: {},
    /** Calls the client's `question` with a value JSON cannot carry; answers the error code. */
    ask: { input: z.enum(["nan", "inf"]) },
    /** Calls the client's `nanAnswer` (which returns NaN); answers the error code. */
    askAnswer: {},
    shoutNaN: {},
    sayNaN: {},
  },
  client: {
    question: { input: z.unknown(), output: z.unknown() },
    nanAnswer: {},
    news: { input: z.unknown() },
  },
});

function setup() {
  const serverReports: unknown[] = [];
  const clientReports: unknown[] = [];
  let echoes = 0;
  const code = (promise: Promise<unknown>) => promise.then((v) => `resolved ${JSON.stringify(v)}`, (e: ChatterError) => e.code);
  const server = createServer({
    schema,
    procedures: {
      echo: (input) => (echoes++, input),
      nan: () => NaN,
      ask: (which, client) => code(client.call("question", which === "nan" ? NaN : { deep: [Infinity] })),
      askAnswer: (_, client) => code(client.call("nanAnswer")),
      shoutNaN() {
        server.publish("t", "news", { n: NaN });
      },
      sayNaN: (_, client) => client.publish("t", "news", -Infinity),
    },
    onError: (error) => void serverReports.push(error),
  });
  const bun = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req, srv) => (server.upgrade(req, srv) ? undefined : new Response("no")), websocket: server.handler });
  defer(() => bun.stop(true));
  const url = `ws://127.0.0.1:${bun.port}`;
  const client = createClient({
    url,
    schema,
    reconnect: false,
    heartbeat: false,
    procedures: { question: (v) => v, nanAnswer: () => NaN, news: () => {} },
    onError: (error) => void clientReports.push(error),
  });
  defer(() => client.close());
  return { server, client, url, serverReports, clientReports, echoes: () => echoes };
}

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: ChatterError) => ({ code: error.code, path: error.issues?.[0]?.path }),
  );

describe("a value JSON would silently change", () => {
  test("a call input with NaN or ±Infinity anywhere is BAD_INPUT with its path, and is never sent", async () => {
    const { client, echoes } = setup();
    const inputs: [unknown, unknown[]][] = [
      [NaN, []],
      [Infinity, []],
      [-Infinity, []],
      [{ x: [1, NaN] }, ["x", 1]],
      [{ a: null, b: { c: Infinity } }, ["b", "c"]],
      [[1, 2, { n: -Infinity }], [2, "n"]],
    ];
    const results = [];
    for (const [input] of inputs) results.push(await outcome(client.call("echo", input)));
    console.log("NaN/Infinity inputs:", JSON.stringify(results));
    expect(results.map((r) => (r as { code?: string }).code)).toEqual(Array(inputs.length).fill("BAD_INPUT"));
    expect(results.map((r) => (r as { path?: unknown }).path ?? [])).toEqual(inputs.map(([, path]) => path));
    expect(echoes()).toBe(0);
  });

  test("a result with NaN or Infinity is INTERNAL for the caller and reported where it was produced", async () => {
    const { client, url, serverReports } = setup();
    const viaClient = await outcome(client.call("nan"));
    // A hostile peer's 1e400 parses as Infinity; echoing it back must not become null.
    const sock = await raw(url);
    sock.send('[0,1,"echo",1e400]');
    const answer = await sock.answer(1);
    console.log(`NaN result: ${JSON.stringify(viaClient)}; 1e400 echoed: ${JSON.stringify(answer)}; server reports ${serverReports.length}: ${serverReports.map(String).join(" | ")}`);
    expect(viaClient).toEqual({ code: "INTERNAL", path: undefined });
    expect(answer.slice(0, 3)).toEqual([3, 1, "INTERNAL"]);
    await until(() => serverReports.length >= 2, 1_000, "the reports").catch(() => {});
    expect(serverReports.length).toBe(2);
  });

  test("server → client: a call input with NaN is BAD_INPUT on the server; a client answer of NaN is INTERNAL there and reported on the client", async () => {
    const { client, clientReports } = setup();
    const asked = [await client.call("ask", "nan"), await client.call("ask", "inf"), await client.call("askAnswer")];
    console.log(`server→client: inputs ${JSON.stringify(asked.slice(0, 2))}, NaN answer ${JSON.stringify(asked[2])}; client reports ${clientReports.length}`);
    expect(asked).toEqual(["BAD_INPUT", "BAD_INPUT", "INTERNAL"]);
    expect(clientReports.length).toBe(1);
  });

  test("a publish with NaN or -Infinity is BAD_INPUT (thrown by server.publish and client.publish)", async () => {
    const { client } = setup();
    const results = [await outcome(client.call("shoutNaN")), await outcome(client.call("sayNaN"))];
    console.log("NaN publishes:", JSON.stringify(results));
    expect(results.map((r) => (r as { code?: string }).code)).toEqual(["BAD_INPUT", "BAD_INPUT"]);
  });
});

describe("what JSON does carry is untouched", () => {
  test("large and tiny doubles, integers past 2^53, null, the text 'null', and -0 (as 0)", async () => {
    const { client } = setup();
    const values = [2 ** 53 + 2, -(2 ** 60), Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2, null, [null, "null"], { a: null, b: "NaN" }];
    for (const value of values) expect(await client.call("echo", value)).toEqual(value);
    const zero = await client.call("echo", -0);
    expect(Object.is(zero, 0)).toBe(true); // documented: -0 arrives as 0
  });
});
