// Streams both ways over a real Bun server: items, flow control, ending, errors, limits.
import { describe, expect, expectTypeOf, test } from "bun:test";
import { z } from "zod";
import { ChatterError } from "../../core/errors.ts";
import { createSchema } from "../../core/schema.ts";
import { connect, raw, serve, until } from "./fixtures/harness.ts";

const schema = createSchema({
  server: {
    count: { input: z.object({ to: z.number() }), stream: z.object({ n: z.number() }) },
    endless: { stream: z.number() },
    paced: { stream: z.number() },
    failing: { input: z.object({ kind: z.string() }), stream: z.number() },
    dates: { stream: z.string().transform((s) => s.slice(0, 4)) },
    plain: { output: z.number() },
    pull: { input: z.object({ items: z.number() }), output: z.array(z.number()) },
  },
  client: { progress: { input: z.object({ file: z.string() }), stream: z.number().int() } },
});

/** Opened by the `paced` test once its first item has arrived. */
let gate = Promise.withResolvers<void>();

function app(seen = { produced: 0, finallyRan: 0, aborted: 0 }) {
  const server = serve({
    schema,
    procedures: {
      async *count({ to }) {
        for (let n = 1; n <= to; n++) yield { n };
      },
      async *endless(_, __, { signal }) {
        signal.addEventListener("abort", () => seen.aborted++);
        try {
          for (let i = 0; ; i++) {
            seen.produced++;
            yield i;
          }
        } finally {
          seen.finallyRan++;
        }
      },
      async *failing({ kind }) {
        yield 1;
        if (kind === "chatter") throw new ChatterError("NOT_FOUND", "No such room");
        if (kind === "bad") yield "not a number" as never;
        throw new Error("secret");
      },
      async *paced() {
        yield 1;
        await gate.promise;
        yield 2;
      },
      async *dates() {
        yield "2026-12-02";
      },
      plain: () => 1,
      async pull({ items }, client) {
        const out: number[] = [];
        for await (const pct of client.stream("progress", { file: "a.txt" })) {
          expectTypeOf(pct).toEqualTypeOf<number>();
          out.push(pct);
          if (out.length === items) break;
        }
        return out;
      },
    },
  });
  return { ...server, seen };
}

describe("streams", () => {
  test("the client iterates a server stream; items are parsed by the server and typed as what arrives", async () => {
    const { url } = app();
    const client = connect({ url, schema });
    const items: { n: number }[] = [];
    for await (const item of client.stream("count", { to: 100 })) {
      expectTypeOf(item).toEqualTypeOf<{ n: number }>();
      items.push(item);
    }
    expect(items.map((i) => i.n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const years: string[] = [];
    for await (const year of client.stream("dates")) years.push(year);
    expect(years).toEqual(["2026"]);
  });

  test("the server iterates a client stream (break stops the client's generator)", async () => {
    const { url } = app();
    let finallyRan = false;
    const client = connect({
      url,
      schema,
      procedures: {
        async *progress() {
          try {
            for (let pct = 0; ; pct += 10) yield pct;
          } finally {
            finallyRan = true;
          }
        },
      },
    });
    expect(await client.call("pull", { items: 5 })).toEqual([0, 10, 20, 30, 40]);
    await until(() => finallyRan, 2_000, "the client generator's finally");
  });

  test("flow control: a consumer that stops reading pauses the producer at its window", async () => {
    const { url, seen } = app();
    const client = connect({ url, schema });
    const stream = client.stream("endless", undefined, { window: 8 });
    expect((await stream.next()).value).toBe(0);
    await Bun.sleep(100); // the producer could yield millions in this time
    expect(seen.produced).toBeLessThanOrEqual(8 + 2); // the window, plus the one it is about to hold
    for (let i = 1; i <= 50; i++) expect((await stream.next()).value).toBe(i);
    await Bun.sleep(50);
    expect(seen.produced).toBeLessThanOrEqual(51 + 8 + 2);
    await stream.return!();
    await until(() => seen.finallyRan === 1 && seen.aborted === 1, 2_000, "the producer's finally and signal");
  });

  test("flow control: the consumer grants credit back once it has read a quarter of its window", async () => {
    const { url, seen } = app();
    const client = connect({ url, schema });
    const stream = client.stream("endless", undefined, { window: 8 });
    await until(() => seen.produced >= 8, 2_000, "the window to fill");
    for (let i = 0; i < 2; i++) await stream.next();
    await until(() => seen.produced >= 10, 2_000, "the producer to go on after a grant of 2");
    await stream.return!();
  });

  test("items a producer yields without waiting leave in batches, in order; one that waits sends what it has", async () => {
    const { url } = app();
    const socket = await raw(url);
    socket.ws.send('[11,1,64,"count",{"to":64}]');
    const items = () => socket.frames.flatMap((text) => (JSON.parse(text)[0] === 12 ? [JSON.parse(text)] : JSON.parse(text)));
    await until(() => items().length === 64, 2_000, "the window's 64 items");
    expect(items().map((frame) => frame[2].n)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
    expect(socket.frames.length).toBeLessThan(64);
    // A generator waiting on something else: its item is not held for the next one.
    gate = Promise.withResolvers<void>();
    const stream = connect({ url, schema }).stream("paced");
    expect((await stream.next()).value).toBe(1);
    gate.resolve();
    expect((await stream.next()).value).toBe(2);
    expect((await stream.next()).done).toBe(true);
  });

  test("break aborts the producer's signal and runs its finally; an aborted signal ends the loop with CANCELLED", async () => {
    const { url, seen } = app();
    const client = connect({ url, schema });
    for await (const i of client.stream("endless")) if (i === 3) break;
    await until(() => seen.finallyRan === 1 && seen.aborted === 1, 2_000, "break");
    const controller = new AbortController();
    const error = await (async () => {
      for await (const i of client.stream("endless", undefined, { signal: controller.signal })) if (i === 2) controller.abort();
    })().catch((e) => e);
    expect(error).toBeInstanceOf(ChatterError);
    expect(error.code).toBe("CANCELLED");
    await until(() => seen.finallyRan === 2 && seen.aborted === 2, 2_000, "abort");
  });

  test("a producer's ChatterError reaches the consumer as is, a bad item is BAD_OUTPUT, any other throw INTERNAL (reported on the server)", async () => {
    const { url, errors } = app();
    const client = connect({ url, schema });
    const collect = async (kind: string) => {
      const items: number[] = [];
      try {
        for await (const n of client.stream("failing", { kind })) items.push(n);
      } catch (error) {
        return { items, error: error as ChatterError };
      }
      return { items, error: undefined };
    };
    const chatter = await collect("chatter");
    expect(chatter.items).toEqual([1]);
    expect([chatter.error?.code, chatter.error?.message]).toEqual(["NOT_FOUND", "No such room"]);
    expect((await collect("bad")).error?.code).toBe("BAD_OUTPUT");
    const plain = await collect("plain");
    expect([plain.error?.code, plain.error?.message]).toEqual(["INTERNAL", "Internal error"]);
    expect(errors.some((e) => e instanceof Error && e.message === "secret")).toBe(true);
  });

  test("{ timeout } bounds the wait for each next item", async () => {
    const { url } = app();
    const client = connect({ url, schema, procedures: { progress: async function* () {} } });
    const slow = serve({
      schema,
      procedures: {
        count: async function* () {
          yield { n: 1 };
          await Bun.sleep(500);
          yield { n: 2 };
        },
        endless: async function* () {},
        paced: async function* () {},
        failing: async function* () {},
        dates: async function* () {},
        plain: () => 1,
        pull: () => [],
      },
    });
    const other = connect({ url: slow.url, schema });
    const items: number[] = [];
    const error = await (async () => {
      for await (const { n } of other.stream("count", { to: 2 }, { timeout: 100 })) items.push(n);
    })().catch((e) => e);
    expect(items).toEqual([1]);
    expect(error.code).toBe("TIMEOUT");
    expect(client.status).not.toBe("closed");
  });

  test("a drop ends the consumer's loop with DISCONNECTED and the producer's generator", async () => {
    const { url, seen, bun } = app();
    const client = connect({ url, schema, reconnect: false });
    const stream = client.stream("endless");
    expect((await stream.next()).value).toBe(0);
    bun.stop(true);
    const error = await (async () => {
      for await (const _ of stream);
    })().catch((e) => e);
    expect(error.code).toBe("DISCONNECTED");
    await until(() => seen.finallyRan === 1, 2_000, "the producer's finally");
  });

  test("call on a stream and stream on a plain procedure: compile errors and clear run-time errors", async () => {
    const { url } = app();
    const client = connect({ url, schema });
    const typeOnly = () => {
      // @ts-expect-error a stream is not called
      void client.call("count", { to: 1 });
    };
    expect(typeof typeOnly).toBe("function"); // checked by tsc
    const called = await (client.call as (name: string, input: unknown) => Promise<unknown>)("count", { to: 1 }).catch((e: ChatterError) => e);
    expect([(called as ChatterError).code, (called as ChatterError).message]).toEqual(["NOT_FOUND", '"count" is a stream: iterate stream("count", input) instead of calling it']);
    // @ts-expect-error a plain procedure is not iterated
    expect(() => client.stream("plain")).toThrow('"plain" is not a stream: call("plain", input) instead');
    expect(() => createSchema({ server: { x: { stream: z.number(), output: z.number() } } })).toThrow('server procedure "x": a stream has no "output"');
  });
});

describe("streams under attack", () => {
  test("credit that tries to grant 2^53 items, an ITEM for an unknown stream, opening streams never read: bounded", async () => {
    const { url, seen, chatter } = app();
    const socket = await raw(url);
    socket.ws.send('[11,1,1,"endless"]');
    await until(() => socket.frames.length === 1, 2_000, "one item");
    socket.ws.send(`[14,1,${Number.MAX_SAFE_INTEGER}]`);
    await Bun.sleep(100);
    // The producer holds at most 1,024 credit, whatever was granted: it stops there.
    expect(seen.produced).toBeLessThanOrEqual(1 + 1_024 + 1);
    socket.ws.send("[12,999,1]"); // an item for a stream nobody opened: a client never sends ITEM to a stream it doesn't consume
    socket.ws.send("[4,1]");
    await until(() => seen.finallyRan === 1, 2_000, "the cancel");
    // A client that opens many streams and never reads: each holds one slot and one window, no more.
    const hoarder = connect({ url, schema });
    const opened = Array.from({ length: 200 }, () => hoarder.stream("endless", undefined, { window: 4 }));
    await Bun.sleep(200);
    expect(seen.produced).toBeLessThanOrEqual(1_026 + 200 * 5);
    for (const stream of opened) await stream.return!();
    await until(() => seen.finallyRan === 201, 3_000, "every producer finished");
    expect(chatter.clients.size).toBe(2);
  });

  test("10,000 streams from one client: past maxCallsInFlight they are OVERLOADED, not 10,000 generators", async () => {
    const { url, seen } = app();
    const client = connect({ url, schema, maxPendingCalls: 20_000 });
    const streams = Array.from({ length: 10_000 }, () => client.stream("endless", undefined, { window: 1 }));
    const firsts = await Promise.all(streams.map((s) => s.next().then(() => "ok", (e: ChatterError) => e.code)));
    expect(firsts.filter((r) => r === "ok")).toHaveLength(1_000);
    expect(firsts.filter((r) => r === "OVERLOADED")).toHaveLength(9_000);
    for (const stream of streams) await stream.return!();
    await until(() => seen.finallyRan === 1_000, 5_000, "every producer finished");
  });

  test("open streams and calls share maxPendingCalls: past it, either is OVERLOADED; a too-large input is TOO_LARGE before anything opens", async () => {
    const { url } = app();
    const client = connect({ url, schema, maxPendingCalls: 2, maxPayload: 1_000 });
    const a = client.stream("endless", undefined, { window: 1 });
    const b = client.stream("endless", undefined, { window: 1 });
    expect((await a.next()).value).toBe(0);
    expect(((await client.call("plain").catch((e) => e)) as ChatterError).code).toBe("OVERLOADED");
    expect(() => client.stream("endless")).toThrow(/Too many calls in flight \(2\)/);
    await a.return!();
    await b.return!();
    expect(await client.call("plain")).toBe(1);
    const error = (() => {
      try {
        client.stream("count", { to: "x".repeat(2_000) as never });
      } catch (e) {
        return e as ChatterError;
      }
    })();
    expect(error?.code).toBe("TOO_LARGE");
  });
});
