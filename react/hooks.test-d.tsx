// Type tests, checked by `tsc --noEmit -p tsconfig.json` (run by `npm test`).
import { QueryClient, skipToken, useQueries, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { expectTypeOf } from "expect-type";
import type { ChatterError, ClientStatus } from "@manyducks.co/chatter";
import { callOptions as looseCallOptions, createChatterReact } from "@manyducks.co/chatter/react";
import { connect, schema, type AdapterChatter } from "../test/fixtures/adapterServer.ts";

const { useCall, useSuspenseCall, useCallMutation, useProcedure, useConnectionStatus, useChatter, callOptions, callKey, ChatterProvider } =
  createChatterReact<AdapterChatter>();
const client = connect("ws://127.0.0.1:1");
const queryClient = new QueryClient();

export function ShouldInferDataAndErrorFromTheSchema() {
  const greeting = useCall("greet", { name: "ada" });
  expectTypeOf(greeting.data).toEqualTypeOf<string | undefined>();
  expectTypeOf(greeting.error).toEqualTypeOf<ChatterError | null>();

  // An undeclared output is typed from the server's implementation (createChatterReact<typeof server>).
  expectTypeOf(useCall("ping", undefined).data).toEqualTypeOf<"pong" | undefined>();

  // @ts-expect-error a wrong procedure name
  useCall("nope", { name: "ada" });
  // @ts-expect-error a wrong input
  useCall("greet", { name: 1 });
  // @ts-expect-error a missing input
  useCall("greet", {});
  // @ts-expect-error an extra input property
  useCall("greet", { name: "ada", extra: true });
  return null;
}

export function ShouldInferDataFromSelectAndAcceptSkipToken(props: { name?: string }) {
  const length = useCall("greet", { name: "ada" }, { select: (text) => text.length, staleTime: 1_000, timeout: 500 });
  expectTypeOf(length.data).toEqualTypeOf<number | undefined>();
  const skipped = useCall("greet", props.name ? { name: props.name } : skipToken, { enabled: true });
  expectTypeOf(skipped.data).toEqualTypeOf<string | undefined>();
  // @ts-expect-error the query key and function are the hook's
  useCall("greet", { name: "ada" }, { queryKey: ["x"] });
  return null;
}

export function ShouldInferDefinedDataForSuspense() {
  const greeting = useSuspenseCall("greet", { name: "ada" });
  expectTypeOf(greeting.data).toEqualTypeOf<string>();
  expectTypeOf(useSuspenseCall("count", { key: "k" }, { select: (n) => String(n) }).data).toEqualTypeOf<string>();
  // @ts-expect-error suspense takes no skipToken
  useSuspenseCall("greet", skipToken);
  return null;
}

export function ShouldInferMutationVariablesAndResult() {
  const post = useCallMutation("post", {
    onSuccess: (result, input) => {
      expectTypeOf(result).toEqualTypeOf<{ id: number; text: string }>();
      expectTypeOf(input).toEqualTypeOf<{ text: string }>();
    },
  });
  post.mutate({ text: "hi" });
  expectTypeOf(post.data).toEqualTypeOf<{ id: number; text: string } | undefined>();
  expectTypeOf(post.error).toEqualTypeOf<ChatterError | null>();
  // @ts-expect-error a wrong input
  post.mutate({ body: "hi" });
  // @ts-expect-error an input is required
  post.mutate();
  useCallMutation("ping").mutate(); // no input: no argument
  // @ts-expect-error a wrong procedure name
  useCallMutation("nope");
  return null;
}

export function ShouldTypeProcedureHandlersFromTheClientSide() {
  useProcedure("notify", (input, { signal }) => {
    expectTypeOf(input).toEqualTypeOf<{ text: string }>();
    expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
    return "ok";
  });
  useProcedure("tick", async ({ n }) => {
    expectTypeOf(n).toEqualTypeOf<number>();
  });
  // @ts-expect-error the output is declared as a string
  useProcedure("notify", () => 42);
  // @ts-expect-error a server procedure is not a client procedure
  useProcedure("greet", () => "x");
  return null;
}

export function ShouldTypeTheClientAndStatus() {
  expectTypeOf(useConnectionStatus()).toEqualTypeOf<ClientStatus>();
  expectTypeOf(useChatter().call("greet", { name: "x" })).toEqualTypeOf<Promise<string>>();
  return <ChatterProvider client={client}>{null}</ChatterProvider>;
}

export async function shouldTypeCallOptionsAndKeysForTheQueryClient() {
  const options = callOptions(client, "greet", { name: "ada" });
  expectTypeOf(await queryClient.fetchQuery(options)).toEqualTypeOf<string>();
  await queryClient.prefetchQuery(options);
  expectTypeOf(queryClient.getQueryData(options.queryKey)).toEqualTypeOf<string | undefined>();
  expectTypeOf(queryClient.getQueryData(callKey("count", { key: "k" }))).toEqualTypeOf<number | undefined>();
  queryClient.setQueryData(callKey("count", { key: "k" }), (old) => {
    expectTypeOf(old).toEqualTypeOf<number | undefined>();
    return (old ?? 0) + 1;
  });
  // @ts-expect-error the cache of "count" holds numbers
  queryClient.setQueryData(callKey("count", { key: "k" }), "one");
  // @ts-expect-error a wrong input
  callKey("count", { key: 1 });
  await queryClient.invalidateQueries({ queryKey: callKey("greet", { name: "ada" }) });

  // The standalone helper infers everything from the client it is given.
  expectTypeOf(queryClient.getQueryData(looseCallOptions(client, "greet", { name: "x" }).queryKey)).toEqualTypeOf<string | undefined>();
  // @ts-expect-error a wrong procedure name
  looseCallOptions(client, "nope", { name: "x" });
}

export function ShouldWorkWithTanStackHooks() {
  const chatter = useChatter();
  expectTypeOf(useQuery(callOptions(chatter, "greet", { name: "x" })).data).toEqualTypeOf<string | undefined>();
  expectTypeOf(useSuspenseQuery(callOptions(chatter, "count", { key: "k" })).data).toEqualTypeOf<number>();
  const [a, b] = useQueries({ queries: [callOptions(chatter, "greet", { name: "x" }), callOptions(chatter, "count", { key: "k" })] });
  expectTypeOf(a.data).toEqualTypeOf<string | undefined>();
  expectTypeOf(b.data).toEqualTypeOf<number | undefined>();
  return null;
}

export const typedBySchemaToo = createChatterReact<typeof schema>();
expectTypeOf(typedBySchemaToo.useCall("ping", undefined).data).toEqualTypeOf<unknown>();
// @ts-expect-error without the server's type, an undeclared output is unknown
expectTypeOf(typedBySchemaToo.useCall("ping", undefined).data).toEqualTypeOf<"pong" | undefined>();

export function ShouldInferAStreamsItemsAsItsData(props: { to?: number }) {
  const numbers = useCall("numbers", { key: "k", to: 3 });
  expectTypeOf(numbers.data).toEqualTypeOf<{ n: number }[] | undefined>();
  expectTypeOf(numbers.error).toEqualTypeOf<ChatterError | null>();
  // The stream's own options (per-item timeout, window, refetchMode) and the query's.
  useCall("numbers", { key: "k" }, { timeout: 500, window: 8, refetchMode: "append", staleTime: Infinity });
  const skipped = useCall("numbers", props.to ? { key: "k", to: props.to } : skipToken);
  expectTypeOf(skipped.data).toEqualTypeOf<{ n: number }[] | undefined>();
  expectTypeOf(useCall("numbers", { key: "k" }, { select: (items) => items.length }).data).toEqualTypeOf<number | undefined>();
  // A plain procedure's useCall is as it was.
  expectTypeOf(useCall("greet", { name: "ada" }).data).toEqualTypeOf<string | undefined>();
  // @ts-expect-error a wrong stream input
  useCall("numbers", { key: 1 });
  // @ts-expect-error refetchMode is one of append, reset, replace
  useCall("numbers", { key: "k" }, { refetchMode: "merge" });
  // @ts-expect-error stream options are not a call's
  useCall("greet", { name: "ada" }, { window: 8 });
  return null;
}

export function ShouldInferAFoldFromReducerAndInitialValue() {
  const sum = useCall("numbers", { key: "k" }, { reducer: (total, { n }) => total + n, initialValue: 0 });
  expectTypeOf(sum.data).toEqualTypeOf<number | undefined>();
  const seen = useCall("numbers", { key: "k" }, { reducer: (acc: Set<number>, item) => acc.add(item.n), initialValue: new Set<number>() });
  expectTypeOf(seen.data).toEqualTypeOf<Set<number> | undefined>();
  const last = useCall("numbers", { key: "k" }, { reducer: (_: string, { n }) => String(n), initialValue: "", select: (s) => s.length });
  expectTypeOf(last.data).toEqualTypeOf<number | undefined>();
  // @ts-expect-error the reducer's item is the stream's item, { n: number }
  useCall("numbers", { key: "k" }, { reducer: (total: number, item: string) => total + item.length, initialValue: 0 });
  // @ts-expect-error the reducer returns what initialValue is
  useCall("numbers", { key: "k" }, { reducer: (total: number) => String(total), initialValue: 0 });
  // @ts-expect-error a reducer needs its initialValue
  useCall("numbers", { key: "k" }, { reducer: (total: number, { n }: { n: number }) => total + n });
  return null;
}

export async function shouldTypeStreamCallOptionsForTheQueryClient() {
  const options = callOptions(client, "numbers", { key: "k", to: 2 });
  expectTypeOf(await queryClient.fetchQuery(options)).toEqualTypeOf<{ n: number }[]>();
  await queryClient.prefetchQuery(options);
  expectTypeOf(queryClient.getQueryData(options.queryKey)).toEqualTypeOf<{ n: number }[] | undefined>();
  expectTypeOf(queryClient.getQueryData(callKey("numbers", { key: "k" }))).toEqualTypeOf<{ n: number }[] | undefined>();
  const sum = callOptions(client, "numbers", { key: "k" }, { reducer: (total, { n }) => total + n, initialValue: 0 });
  expectTypeOf(await queryClient.fetchQuery(sum)).toEqualTypeOf<number>();
  expectTypeOf(queryClient.getQueryData(sum.queryKey)).toEqualTypeOf<number | undefined>();
  expectTypeOf(await queryClient.fetchQuery(looseCallOptions(client, "numbers", { key: "k" }))).toEqualTypeOf<{ n: number }[]>();
  // @ts-expect-error the reducer's item is the stream's item
  callOptions(client, "numbers", { key: "k" }, { reducer: (total: number, item: number) => total + item, initialValue: 0 });
  expectTypeOf(useQuery(callOptions(client, "numbers", { key: "k" })).data).toEqualTypeOf<{ n: number }[] | undefined>();
}

export function ShouldTypeTheCacheOfAStreamAsItsItems() {
  const cache = createChatterReact<AdapterChatter>().useCache();
  expectTypeOf(cache.get("numbers", { key: "k" })).toEqualTypeOf<{ n: number }[] | undefined>();
  cache.update("numbers", { key: "k" }, (items) => items && [...items, { n: 4 }]);
  expectTypeOf(cache.get("greet", { name: "ada" })).toEqualTypeOf<string | undefined>();
  // @ts-expect-error a stream's cache entry is its items, not one item
  cache.set("numbers", { key: "k" }, { n: 1 });
  return null;
}
