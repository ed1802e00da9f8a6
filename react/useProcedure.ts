import { useEffect } from "react";
import type { ClientProcedure, SchemaOf, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import type { ClientName } from "../query/index.ts";
import { useChatterContext } from "./context.ts";
import { useLatest } from "./useLatest.ts";

export type UseProcedure<T extends SchemaOrServer> = <K extends ClientName<T>>(
  name: K,
  handler: ClientProcedure<SchemaOf<T>["client"][K]>,
) => void;

/**
 * Implements a client procedure while the component is mounted. The server's calls
 * always reach the latest `handler` (it is not re-registered when it changes).
 * When several mounted components implement the same procedure, the one that
 * registered last answers; when it unmounts the previous one answers again. After
 * the last one unmounts, the server's calls get `NOT_FOUND`. A procedure the provider
 * declares in `updates` runs its update first, then the handler, which answers.
 */
export const useProcedure: UseProcedure<Schema> = function useProcedure(name, handler) {
  const chatter = useChatterContext();
  const latest = useLatest(handler);
  // A fresh wrapper per registration: StrictMode's mount → unmount → mount removes exactly the first one.
  useEffect(() => chatter.implement(name, (input, context) => latest.current(input as never, context)), [chatter, name]);
};
