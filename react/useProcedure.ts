import { useEffect, useLayoutEffect, useRef } from "react";
import type { ClientProcedure, SchemaOf } from "../client/createClient.ts";
import type { Schema } from "../core/schema.ts";
import type { ClientName, SchemaOrServer } from "./types.ts";
import { useChatter } from "./useChatter.ts";

export type UseProcedure<T extends SchemaOrServer> = <K extends ClientName<T>>(
  name: K,
  handler: ClientProcedure<SchemaOf<T>["client"][K]>,
) => void;

// Layout effects don't run on a server render; the handler is only called after mount anyway.
const useIsomorphicLayoutEffect = typeof document === "undefined" ? useEffect : useLayoutEffect;

/**
 * Implements a client procedure while the component is mounted. The server's calls
 * always reach the latest `handler` (it is not re-registered when it changes).
 * When several mounted components implement the same procedure, the one that
 * registered last answers; when it unmounts the previous one answers again. After
 * the last one unmounts, the server's calls get `NOT_FOUND`.
 */
export const useProcedure: UseProcedure<Schema> = function useProcedure(name, handler) {
  const client = useChatter();
  const latest = useRef(handler);
  useIsomorphicLayoutEffect(() => {
    latest.current = handler;
  });
  // A fresh wrapper per registration: StrictMode's mount → unmount → mount removes exactly the first one.
  useEffect(() => client.implement(name, (input, context) => latest.current(input, context)), [client, name]);
};
