// Type tests: checked by `tsc --noEmit` (npm test). Each block is "should infer X from Y".
import { expectTypeOf } from "expect-type";
import { z } from "zod";
import * as v from "valibot";
import { ChatterError, createClient, createSchema, createServer } from "../index.ts";
import type { ChatterErrorCode, Jsonify, ServerClient } from "../index.ts";
import type { CallMap, CallOptions, KnownName, SchemaLike, Sendable, ServerCallMap } from "./types.ts";

const Message = z.object({ roomId: z.string(), text: z.string(), at: z.string().transform((s) => new Date(s)) });

const schema = createSchema({
  server: {
    join: { input: z.object({ roomId: z.string(), username: z.string() }) },
    history: { input: z.object({ roomId: z.string() }), output: z.array(Message) },
    count: { input: z.number().default(1), output: z.number() },
    ping: {},
    implicit: { roomId: z.string() },
    vali: { input: v.object({ n: v.number() }), output: v.string() },
  },
  client: {
    receive: { roomId: z.string(), text: z.string() },
    confirm: { input: z.object({ question: z.string() }), output: z.boolean() },
    tick: {},
  },
});

// should infer the server procedures' inputs (after parsing) and require every procedure
const server = createServer({
  schema,
  state: { username: "" },
  procedures: {
    join(input, client) {
      expectTypeOf(input).toEqualTypeOf<{ roomId: string; username: string }>();
      expectTypeOf(client).toEqualTypeOf<ServerClient<typeof schema, { username: string }>>();
      expectTypeOf(client.get("username")).toEqualTypeOf<string>();
      client.set("username", input.username);
      // @ts-expect-error the state is typed
      client.set("username", 1);
      // @ts-expect-error unknown state key
      client.get("nope");
      client.subscribe(input.roomId);
      client.publish(input.roomId, "receive", { roomId: input.roomId, text: "hi" });
      // @ts-expect-error publish takes client procedure names only
      client.publish(input.roomId, "join", { roomId: "1", username: "x" });
      // @ts-expect-error publish checks the input
      client.publish(input.roomId, "receive", { roomId: 1 });
      return { joined: true };
    },
    history: async (input, _client, { signal }) => {
      expectTypeOf(input).toEqualTypeOf<{ roomId: string }>();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
      return [{ roomId: input.roomId, text: "hi", at: new Date().toISOString() }];
    },
    count: (n) => {
      expectTypeOf(n).toEqualTypeOf<number>();
      return n + 1;
    },
    ping: (input) => {
      expectTypeOf(input).toEqualTypeOf<undefined>();
      return "pong" as const;
    },
    implicit: ({ roomId }) => roomId.length,
    vali: ({ n }) => String(n),
  },
});

// @ts-expect-error a missing procedure is a type error
createServer({ schema, procedures: { join() {}, history: async () => [], count: () => 1, ping() {}, implicit() {} } });

createServer({
  schema,
  procedures: {
    join() {},
    // @ts-expect-error an output of the wrong type is a type error
    history: async () => [{ nope: true }],
    count: () => 1,
    ping() {},
    implicit() {},
    vali: () => "",
  },
});

// should infer the server's publish from the client procedures
server.publish("room", "receive", { roomId: "1", text: "hi" });
server.publish("room", "tick");
// @ts-expect-error unknown client procedure
server.publish("room", "nope", {});

// should infer call inputs (z.input) and outputs (the JSON of z.output: a Date arrives as a string) from the schema
const client = createClient({ url: "ws://localhost:5000", schema });
expectTypeOf(client.call("history", { roomId: "1" })).toEqualTypeOf<Promise<{ roomId: string; text: string; at: string }[]>>();
expectTypeOf(client.call("count")).toEqualTypeOf<Promise<number>>(); // the input has a default: optional
expectTypeOf(client.call("join", { roomId: "1", username: "ada" })).toEqualTypeOf<Promise<unknown>>();
expectTypeOf(client.call("vali", { n: 1 })).toEqualTypeOf<Promise<string>>();
expectTypeOf(client.call("implicit", { roomId: "1" })).toEqualTypeOf<Promise<unknown>>();
client.call("ping");
client.call("history", { roomId: "1" }, { timeout: 1_000, signal: AbortSignal.timeout(10) });
// @ts-expect-error unknown procedure
client.call("nope");
// @ts-expect-error wrong input
client.call("history", { roomId: 1 });
// @ts-expect-error missing input
client.call("history");
// @ts-expect-error client procedures are not callable from the client
client.call("receive", { roomId: "1", text: "x" });

// should infer undeclared outputs from the server's implementation when given `typeof server`
const typed = createClient<typeof server>({ url: "ws://localhost:5000", schema });
expectTypeOf(typed.call("join", { roomId: "1", username: "ada" })).toEqualTypeOf<Promise<{ joined: boolean }>>();
expectTypeOf(typed.call("ping")).toEqualTypeOf<Promise<"pong">>();
expectTypeOf(typed.call("implicit", { roomId: "1" })).toEqualTypeOf<Promise<number>>();
expectTypeOf(typed.call("history", { roomId: "1" })).toEqualTypeOf<Promise<{ roomId: string; text: string; at: string }[]>>();

// should infer client procedures' inputs and outputs
createClient({
  url: "ws://localhost:5000",
  schema,
  procedures: {
    receive(input, { signal }) {
      expectTypeOf(input).toEqualTypeOf<{ roomId: string; text: string }>();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
    },
  },
  onOpen: (socket) => void socket.call("join", { roomId: "1", username: "ada" }),
});
const off = client.implement("confirm", async ({ question }) => question.length > 0);
expectTypeOf(off).toEqualTypeOf<() => void>();
// @ts-expect-error the output must be a boolean
client.implement("confirm", () => "yes");
// @ts-expect-error unknown client procedure
client.implement("nope", () => {});

// should type the server's calls to the client
createServer({
  schema,
  procedures: {
    async join(_input, c) {
      expectTypeOf(await c.call("confirm", { question: "ok?" })).toEqualTypeOf<boolean>();
      // @ts-expect-error server procedures are not callable on the client
      c.call("history", { roomId: "1" });
    },
    history: async () => [],
    count: () => 1,
    ping() {},
    implicit() {},
    vali: () => "",
  },
});

// should expose status, errors and codes
expectTypeOf(client.status).toEqualTypeOf<"connecting" | "open" | "reconnecting" | "closed">();
expectTypeOf(client.onStatus).parameter(0).toEqualTypeOf<(status: "connecting" | "open" | "reconnecting" | "closed") => void>();
expectTypeOf(new ChatterError("TIMEOUT").code).toEqualTypeOf<ChatterErrorCode>();
// @ts-expect-error unknown error code
new ChatterError("OOPS");

// should refuse, at compile time, an input JSON cannot carry (it would arrive changed)
const wire = createSchema({
  server: { at: { input: z.object({ when: z.date() }) }, iso: { input: z.object({ when: z.iso.datetime() }) }, big: { input: z.bigint() } },
});
const wired = createClient({ url: "ws://localhost:5000", schema: wire });
// @ts-expect-error a Date becomes a string on the way: use z.iso.datetime() (or a string transformed where it is used)
wired.call("at", { when: new Date() });
// @ts-expect-error JSON has no bigint
wired.call("big", 1n);
wired.call("iso", { when: new Date().toISOString() });

// should type results as what JSON carries
type Carried = Jsonify<{ at: Date; n: number | undefined; f: () => void; list: (string | undefined)[]; map: Map<string, number>; nested: { at: Date } }>;
expectTypeOf<Carried>().toEqualTypeOf<{ at: string; n?: number; list: (string | null)[]; map: {}; nested: { at: string } }>();

// should read each procedure's types from one map per schema side (CallMap, ServerCallMap), and check names apart (KnownName)
type ServerMap = ServerCallMap<typeof schema>;
expectTypeOf<ServerMap["history"]["input"]>().toEqualTypeOf<{ roomId: string }>();
expectTypeOf<ServerMap["history"]["args"]>().toEqualTypeOf<[input: { roomId: string }, options?: CallOptions]>();
expectTypeOf<ServerMap["history"]["result"]>().toEqualTypeOf<{ roomId: string; text: string; at: string }[]>();
expectTypeOf<ServerCallMap<typeof server>["ping"]["result"]>().toEqualTypeOf<"pong">();
expectTypeOf<ServerMap["nope"]["result"]>().toEqualTypeOf<unknown>(); // an unknown name: the index signature's entry
type ClientMap = CallMap<(typeof schema)["client"]>;
expectTypeOf<ClientMap["confirm"]["result"]>().toEqualTypeOf<boolean>();
expectTypeOf<ClientMap["receive"]["publish"]>().toEqualTypeOf<[input: { roomId: string; text: string }]>();
expectTypeOf<ClientMap["tick"]["publish"]>().toEqualTypeOf<[input?: undefined]>();
expectTypeOf<KnownName<"history", "history" | "count">>().toEqualTypeOf<"history">();
expectTypeOf<KnownName<"nope", "history" | "count">>().toEqualTypeOf<"history" | "count">();
expectTypeOf(z.string()).toMatchTypeOf<SchemaLike>();
// @ts-expect-error a string is not a validator
createSchema({ server: { bad: { input: "x" } } });
// should keep Sendable's meaning for unions: one member JSON cannot carry refuses the whole input
expectTypeOf<Sendable<{ a: string } | undefined>>().toEqualTypeOf<{ a: string } | undefined>();
expectTypeOf<Sendable<Date | string>>().not.toEqualTypeOf<Date | string>();
