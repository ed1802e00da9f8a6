import { callQueryKey } from "../query/index.ts";
import type { Schema } from "../core/schema.ts";
import type { CallInput, CallKey as CallKeyOf, SchemaOrServer, ServerName } from "./types.ts";

export type CallKey<T extends SchemaOrServer> = <K extends ServerName<T>>(name: K, input: CallInput<T, K>) => CallKeyOf<T, K>;

/**
 * The query key of a call, `["chatter", name, input]`, typed with the call's result:
 * `queryClient.setQueryData(callKey("history", { roomId }), (old) => …)` from anywhere.
 */
export const callKey: CallKey<Schema> = (name, input) => callQueryKey(name, input) as never;
