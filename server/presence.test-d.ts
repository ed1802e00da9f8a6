// Type tests for presence: checked by `tsc --noEmit` (npm test). Each block is "should infer X from Y".
import { expectTypeOf } from "expect-type";
import { z } from "zod";
import { createSchema } from "../core/schema.ts";
import { createServer } from "./createServer.ts";
import type { JsonValue, PresenceDiff, PresenceEntry } from "./presence.ts";
import type { Meta, MetaInput } from "./types.ts";

const schema = createSchema({
  server: { join: { roomId: z.string() } },
  presence: z.object({ name: z.string(), since: z.string().default("now").transform((s) => new Date(s)) }),
});

// should infer track's meta from the schema's presence input, and the listed meta from its output as JSON carries it
expectTypeOf<MetaInput<typeof schema>>().toEqualTypeOf<{ name: string; since?: string | undefined }>();
expectTypeOf<Meta<typeof schema>>().toEqualTypeOf<{ name: string; since: string }>();
const server = createServer({
  schema,
  procedures: {
    async join({ roomId }, client) {
      await client.track(roomId, { name: "ada" });
      await client.track(roomId, { name: "ada", since: "2020-01-01" });
      // @ts-expect-error the meta is checked against the presence schema
      await client.track(roomId, { name: 1 });
      // @ts-expect-error a missing field
      await client.track(roomId, {});
      client.untrack(roomId);
    },
  },
  onPresence(topic, diff) {
    expectTypeOf(topic).toEqualTypeOf<string>();
    expectTypeOf(diff).toEqualTypeOf<PresenceDiff<{ name: string; since: string }>>();
    expectTypeOf(diff.joins[0]!.meta.name).toEqualTypeOf<string>();
  },
});

// should infer server.presence's result
expectTypeOf(server.presence("room")).toEqualTypeOf<Promise<PresenceEntry<{ name: string; since: string }>[]>>();

// should type a meta as any JSON value when the schema has no presence
const loose = createSchema({ server: { join: { roomId: z.string() } } });
expectTypeOf<MetaInput<typeof loose>>().toEqualTypeOf<JsonValue>();
const looseServer = createServer({
  schema: loose,
  procedures: {
    join({ roomId }, client) {
      void client.track(roomId, { any: ["json", 1, null] });
      // @ts-expect-error a Date is not JSON
      void client.track(roomId, new Date());
    },
  },
});
expectTypeOf(looseServer.presence("room")).toEqualTypeOf<Promise<PresenceEntry<JsonValue>[]>>();

// @ts-expect-error presence must be a validator
createSchema({ presence: "name" });
