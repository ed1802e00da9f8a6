import { describe, expect, test } from "bun:test";
import { ChatterError } from "../../core/errors.ts";
import { connect, rejection, serve, until } from "./fixtures/harness.ts";
import { testApp } from "./fixtures/app.ts";

describe("client → server calls", () => {
  test("resolves with the procedure's validated result", async () => {
    const app = testApp();
    const { url } = serve(app);
    const client = connect({ url, schema: app.schema });
    expect(await client.call("echo", { a: 1, b: "hello" })).toEqual({ a: 1, b: "hello" });
    expect(await client.call("add", { a: 2, b: 3 })).toBe(5);
    expect(await client.call("ping")).toBe("pong");
  });

  test("a declared output strips what it does not declare", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    expect(await client.call("strip")).toEqual({ public: "yes" });
  });

  test("wrong input is BAD_INPUT with the validator's issues, and the procedure never runs", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const error = await rejection(client.call("slow", { ms: "soon" as unknown as number }));
    expect(error).toBeInstanceOf(ChatterError);
    expect(error.code).toBe("BAD_INPUT");
    expect(error.issues[0].path).toEqual(["ms"]);
    expect(typeof error.issues[0].message).toBe("string");
    expect(app.seen.started).toBe(0);
  });

  test("the shorthand shape validates each field", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const error = await rejection(client.call("add", { a: 1 } as { a: number; b: number }));
    expect(error.code).toBe("BAD_INPUT");
    expect(error.issues[0].path).toEqual(["b"]);
  });

  test("a Valibot schema works the same through Standard Schema", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    expect(await client.call("vali", { n: 21 })).toBe(42);
    expect((await rejection(client.call("vali", { n: 0 }))).code).toBe("BAD_INPUT");
  });

  test("a wrong output is BAD_OUTPUT for the caller and reported on the server", async () => {
    const app = testApp();
    const server = serve(app);
    const client = connect({ url: server.url, schema: app.schema });
    const error = await rejection(client.call("badOutput"));
    expect(error.code).toBe("BAD_OUTPUT");
    expect(server.errors).toHaveLength(1);
  });

  test("a thrown ChatterError arrives as is", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const error = await rejection(client.call("fail", { kind: "chatter" }));
    expect(error).toBeInstanceOf(ChatterError);
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toBe("No such room");
  });

  test("any other throw is INTERNAL with no message or stack from the thrower, reported on the server", async () => {
    const app = testApp();
    const server = serve(app);
    const client = connect({ url: server.url, schema: app.schema });
    for (const kind of ["plain", "reject"] as const) {
      const error = await rejection(client.call("fail", { kind }));
      expect(error.code).toBe("INTERNAL");
      expect(error.message).toBe("Internal error");
      expect(String(error.stack)).not.toContain("secret");
      expect(JSON.stringify(error)).not.toContain("secret");
    }
    expect(server.errors.map((e) => (e as Error).message)).toEqual(["secret database password in this message", "also secret"]);
  });

  test("unknown names, prototype names included, are NOT_FOUND", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const call = client.call as (name: string, input?: unknown) => Promise<unknown>;
    for (const name of ["nope", "__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      const error = await rejection(call(name, {}));
      expect(error.code).toBe("NOT_FOUND");
    }
    expect(await client.call("ping")).toBe("pong");
  });

  test("a call times out with TIMEOUT naming the procedure, and the server's signal aborts", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const error = await rejection(client.call("slow", { ms: 5_000 }, { timeout: 50 }));
    expect(error.code).toBe("TIMEOUT");
    expect(error.message).toContain('"slow"');
    await until(() => app.seen.aborted.length === 1, 2_000, "the abort on the server");
  });

  test("the client's default timeout applies", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema, timeout: 30 });
    expect((await rejection(client.call("hang"))).code).toBe("TIMEOUT");
  });

  test("aborting a call rejects CANCELLED and aborts the procedure's signal", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const controller = new AbortController();
    const promise = client.call("slow", { ms: 5_000 }, { signal: controller.signal });
    await client.call("ping"); // the slow call is running by now
    controller.abort();
    expect((await rejection(promise)).code).toBe("CANCELLED");
    await until(() => app.seen.aborted.length === 1, 2_000, "the abort on the server");
    expect((app.seen.aborted[0] as ChatterError).code).toBe("CANCELLED");
  });

  test("an already aborted signal rejects at once without sending", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const error = await rejection(client.call("slow", { ms: 10 }, { signal: AbortSignal.abort() }));
    expect(error.code).toBe("CANCELLED");
    await client.call("ping");
    expect(app.seen.started).toBe(0);
  });

  test("10,000 calls in flight from one client are all answered, none mixed up", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => client.call("add", { a: i, b: 1 })));
    expect(results.every((value, i) => value === i + 1)).toBe(true);
  });

  test("calls over the in-flight cap are refused with OVERLOADED, the rest succeed", async () => {
    const app = testApp();
    const client = connect({ url: serve({ ...app, maxCallsInFlight: 10 }).url, schema: app.schema });
    const settled = await Promise.allSettled(Array.from({ length: 15 }, () => client.call("slow", { ms: 20 })));
    const codes = settled.map((s) => (s.status === "fulfilled" ? "ok" : (s.reason as ChatterError).code));
    expect(codes.filter((c) => c === "ok")).toHaveLength(10);
    expect(codes.filter((c) => c === "OVERLOADED")).toHaveLength(5);
    expect(await client.call("ping")).toBe("pong");
  });

  test("an input larger than the limit is TOO_LARGE before it is sent", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema, maxPayload: 1_000 });
    const error = await rejection(client.call("echo", { a: 1, b: "x".repeat(2_000) }));
    expect(error.code).toBe("TOO_LARGE");
    expect(await client.call("ping")).toBe("pong");
  });

  test("an input that is not JSON is BAD_INPUT on the caller's side", async () => {
    const app = testApp();
    const client = connect({ url: serve(app).url, schema: app.schema });
    const circular: Record<string, unknown> = { a: 1 };
    circular.b = circular;
    expect((await rejection(client.call("echo", circular as never))).code).toBe("BAD_INPUT");
  });
});
