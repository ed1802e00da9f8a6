import { createChatterReact } from "@manyducks.co/chatter/react";
import type { AdapterChatter } from "../../test/fixtures/adapterServer.ts";

/** The hooks typed by the test server, as an app gets them. */
export const hooks = createChatterReact<AdapterChatter>();
