import { onCleanup } from "solid-js";
import type { ClientProcedure, SchemaOf, SchemaOrServer } from "../client/types.ts";
import type { Schema } from "../core/schema.ts";
import type { ClientName } from "../query/index.ts";
import { useChatterContext } from "./context.ts";

export type CreateProcedure<T extends SchemaOrServer> = <K extends ClientName<T>>(name: K, handler: ClientProcedure<SchemaOf<T>["client"][K]>) => void;

/**
 * Implements a client procedure for the owner's lifetime: registered now, removed
 * by `onCleanup`. A Solid component runs once, so `handler` is the latest one; read
 * signals and props inside it and each call sees their current values. When several
 * owners implement the same procedure, the one that registered last answers; when it
 * is cleaned up the previous one answers again. After the last one is gone, the
 * server's calls get `NOT_FOUND`. A procedure the provider declares in `updates` runs
 * its update first, then the handler, which answers.
 */
export const createProcedure: CreateProcedure<Schema> = function createProcedure(name, handler) {
  const chatter = useChatterContext();
  onCleanup(chatter.implement(name, (input, context) => handler(input as never, context)));
};
