// The one item every stream system carries, and Chatter's schema for it (validated on the server).
import { z } from "zod";
import { createSchema } from "../../index.ts";

export const item = (i: number) => ({ i, text: "token" });
export const Item = z.object({ i: z.number(), text: z.string() });
export const Count = z.object({ n: z.number().int().min(1).max(100_000_000) });
export const schema = createSchema({ server: { items: { input: Count, stream: Item } } });
