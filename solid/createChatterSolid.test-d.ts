// Type tests: checked by `tsc --noEmit` (npm test). Each block is "should infer X from Y".
import { createQuery, QueryClient, skipToken, type CreateMutationResult, type CreateQueryResult } from "@tanstack/solid-query";
import { expectTypeOf } from "expect-type";
import { createComponent, createSignal, type Accessor } from "solid-js";
import { z } from "zod";
import { ChatterError, createClient, createSchema, createServer } from "../index.ts";
import type { ChatterClient, ClientStatus } from "../index.ts";
import { createChatterSolid } from "./index.ts";

const Message = z.object({ id: z.string(), text: z.string(), at: z.string().transform((s) => new Date(s)) });
// What arrives is the JSON of the server's parsed output: the transformed `Date` crosses as its string.
type Message = { id: string; text: string; at: string };

const schema = createSchema({
  server: {
    history: { input: z.object({ roomId: z.string() }), output: z.array(Message) },
    send: { input: z.object({ roomId: z.string(), text: z.string() }), output: Message },
    count: { input: z.number().default(1), output: z.number() },
    ping: {},
    whoami: {},
    search: { input: z.object({ roomId: z.string(), query: z.string() }), stream: Message },
  },
  client: {
    receive: { roomId: z.string(), text: z.string() },
    confirm: { input: z.object({ question: z.string() }), output: z.boolean() },
  },
});

const { ChatterProvider, useChatter, createCall, createCallMutation, createProcedure, createConnectionStatus, callOptions, callKey } =
  createChatterSolid<typeof schema>();
const client = createClient({ url: "ws://localhost", schema, WebSocket });

// should infer a call's data from the procedure's output, and its error as ChatterError
export function callData() {
  const [roomId] = createSignal("1");
  const history = createCall("history", () => ({ roomId: roomId() }));
  expectTypeOf(history).toEqualTypeOf<CreateQueryResult<Message[], ChatterError>>();
  expectTypeOf(history.data).toEqualTypeOf<Message[] | undefined>();
  expectTypeOf(history.error).toEqualTypeOf<ChatterError | null>();
}

// should infer the data from `select`, and take solid-query's options and the call's timeout
export function callSelect() {
  const count = createCall("history", () => ({ roomId: "1" }), () => ({ select: (messages) => messages.length, staleTime: 1_000, timeout: 500 }));
  expectTypeOf(count.data).toEqualTypeOf<number | undefined>();
  // @ts-expect-error not a query option
  createCall("history", () => ({ roomId: "1" }), () => ({ stale: 1 }));
}

// should check the procedure's name and input, and take the input as an accessor only
export function callInput() {
  // @ts-expect-error no such procedure
  createCall("nope", () => ({ roomId: "1" }));
  // @ts-expect-error wrong input
  createCall("history", () => ({ room: "1" }));
  // @ts-expect-error the input is an accessor, not a value
  createCall("history", { roomId: "1" });
  // @ts-expect-error the input is required when the procedure takes one
  createCall("history");
  createCall("history", () => skipToken);
  const [ready] = createSignal(false);
  createCall("history", () => (ready() ? { roomId: "1" } : skipToken));
}

// should let a procedure with no input (or an optional one) leave the input out
export function callNoInput() {
  expectTypeOf(createCall("ping").data).toEqualTypeOf<unknown>();
  expectTypeOf(createCall("count").data).toEqualTypeOf<number | undefined>();
  createCall("count", () => 3);
  createCall("count", () => undefined);
  // @ts-expect-error a number is expected
  createCall("count", () => "3");
}

// should type a mutation's variables from the input and its data from the output
export function mutation() {
  const send = createCallMutation("send", () => ({ onSuccess: (message) => expectTypeOf(message).toEqualTypeOf<Message>() }));
  expectTypeOf(send).toEqualTypeOf<CreateMutationResult<Message, ChatterError, { roomId: string; text: string }, unknown>>();
  send.mutate({ roomId: "1", text: "hi" });
  // @ts-expect-error the input is checked
  send.mutate({ roomId: "1" });
  // @ts-expect-error no such procedure
  createCallMutation("nope");
  createCallMutation("ping").mutate();
  createCallMutation("count").mutate();
  // @ts-expect-error an input is needed
  send.mutate();
}

// should type a client procedure's input and its return from the client side of the schema
export function procedure() {
  createProcedure("confirm", ({ question }, { signal }) => {
    expectTypeOf(question).toEqualTypeOf<string>();
    expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
    return true;
  });
  createProcedure("confirm", async () => false);
  createProcedure("receive", (input) => expectTypeOf(input).toEqualTypeOf<{ roomId: string; text: string }>());
  // @ts-expect-error confirm returns a boolean
  createProcedure("confirm", () => "yes");
  // @ts-expect-error a server procedure is not a client one
  createProcedure("history", () => []);
  expectTypeOf(createProcedure("confirm", () => true)).toEqualTypeOf<void>();
}

// should give the status as an accessor and the client typed by the schema
export function status() {
  expectTypeOf(createConnectionStatus()).toEqualTypeOf<Accessor<ClientStatus>>();
  expectTypeOf(useChatter()).toEqualTypeOf<ChatterClient<typeof schema>>();
}

// should tag callOptions' and callKey's keys with the result, for createQuery and the cache
export function options() {
  const queryClient = new QueryClient();
  const options = callOptions(client, "history", { roomId: "1" });
  expectTypeOf(createQuery(() => options).data).toEqualTypeOf<Message[] | undefined>();
  const first = createQuery(() => callOptions(client, "history", { roomId: "1" }, { select: (messages) => messages[0] }));
  expectTypeOf(first.data).toEqualTypeOf<Message | undefined>();
  expectTypeOf(queryClient.getQueryData(options.queryKey)).toEqualTypeOf<Message[] | undefined>();
  expectTypeOf(queryClient.getQueryData(callKey("history", { roomId: "1" }))).toEqualTypeOf<Message[] | undefined>();
  queryClient.setQueryData(callKey("history", { roomId: "1" }), (old) => [...(old ?? [])]);
  // @ts-expect-error the cache holds messages
  queryClient.setQueryData(callKey("history", { roomId: "1" }), [1]);
  // @ts-expect-error wrong input
  callKey("history", { room: "1" });
  // @ts-expect-error wrong input
  callOptions(client, "history", { room: "1" });
  expectTypeOf(callOptions(client, "history", skipToken).queryFn).toExtend<typeof skipToken | ((...args: any[]) => unknown)>();
  void queryClient.prefetchQuery(callOptions(client, "history", { roomId: "1" }));
}

// should take only a client of the same schema in the provider
export function provider() {
  createComponent(ChatterProvider, { client });
  const other = createClient({ url: "ws://localhost", schema: createSchema({ server: { other: {} } }) });
  // @ts-expect-error a client of another schema
  createComponent(ChatterProvider, { client: other });
}

// should infer an undeclared output from the server's implementation (createChatterSolid<typeof server>)
export function fromServer() {
  const server = createServer({
    schema,
    procedures: {
      history: () => [],
      send: ({ text }) => ({ id: "1", text, at: new Date().toISOString() }),
      count: (n) => n,
      ping: () => "pong" as const,
      whoami: () => ({ id: 7 }),
      async *search() {},
    },
  });
  const typed = createChatterSolid<typeof server>();
  expectTypeOf(typed.createCall("ping").data).toEqualTypeOf<"pong" | undefined>();
  expectTypeOf(typed.createCall("whoami").data).toEqualTypeOf<{ id: number } | undefined>();
  expectTypeOf(typed.createCallMutation("ping").data).toEqualTypeOf<"pong" | undefined>();
}

// should infer a stream's data as its items so far, and take the stream's and the query's options
export function streamData() {
  const [query, setQuery] = createSignal("");
  const found = createCall("search", () => (query() ? { roomId: "1", query: query() } : skipToken));
  expectTypeOf(found).toEqualTypeOf<CreateQueryResult<Message[], ChatterError>>();
  expectTypeOf(found.data).toEqualTypeOf<Message[] | undefined>();
  setQuery("hi");
  createCall("search", () => ({ roomId: "1", query: "x" }), () => ({ timeout: 500, window: 8, refetchMode: "replace" as const, staleTime: 0 }));
  expectTypeOf(createCall("search", () => ({ roomId: "1", query: "x" }), () => ({ select: (items) => items.length })).data).toEqualTypeOf<number | undefined>();
  // A plain procedure's createCall is as it was.
  expectTypeOf(createCall("history", () => ({ roomId: "1" })).data).toEqualTypeOf<Message[] | undefined>();
  // @ts-expect-error wrong stream input
  createCall("search", () => ({ roomId: "1" }));
  // @ts-expect-error the input is an accessor
  createCall("search", { roomId: "1", query: "x" });
  // @ts-expect-error stream options are not a call's
  createCall("history", () => ({ roomId: "1" }), () => ({ window: 8 }));
}

// should infer a fold's data from reducer and initialValue, and check the reducer's item
export function streamFold() {
  const count = createCall("search", () => ({ roomId: "1", query: "x" }), () => ({ reducer: (n: number) => n + 1, initialValue: 0 }));
  expectTypeOf(count.data).toEqualTypeOf<number | undefined>();
  const ids = createCall("search", () => ({ roomId: "1", query: "x" }), () => ({ reducer: (acc: string[], m: Message) => [...acc, m.id], initialValue: [] as string[] }));
  expectTypeOf(ids.data).toEqualTypeOf<string[] | undefined>();
  // @ts-expect-error the reducer's item is a Message
  createCall("search", () => ({ roomId: "1", query: "x" }), () => ({ reducer: (n: number, item: number) => n + item, initialValue: 0 }));
  // @ts-expect-error a reducer needs its initialValue
  createCall("search", () => ({ roomId: "1", query: "x" }), () => ({ reducer: (n: number) => n + 1 }));
}

// should give callOptions of a stream a key and result typed with its items or its fold
export async function streamOptions() {
  const queryClient = new QueryClient();
  const options = callOptions(client, "search", { roomId: "1", query: "x" });
  expectTypeOf(await queryClient.fetchQuery(options)).toEqualTypeOf<Message[]>();
  void queryClient.prefetchQuery(options);
  expectTypeOf(queryClient.getQueryData(callKey("search", { roomId: "1", query: "x" }))).toEqualTypeOf<Message[] | undefined>();
  const count = callOptions(client, "search", { roomId: "1", query: "x" }, { reducer: (n: number) => n + 1, initialValue: 0 });
  expectTypeOf(await queryClient.fetchQuery(count)).toEqualTypeOf<number>();
  expectTypeOf(createQuery(() => callOptions(client, "search", { roomId: "1", query: "x" })).data).toEqualTypeOf<Message[] | undefined>();
  // @ts-expect-error the reducer's item is a Message
  callOptions(client, "search", { roomId: "1", query: "x" }, { reducer: (n: number, item: string) => n + item.length, initialValue: 0 });
}
