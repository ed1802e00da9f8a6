// A client that starts a long call and waits to be killed (see connection.test.ts).
import { createClient } from "../createClient.ts";
import { schema } from "./schemas.ts";

const client = createClient({ url: process.argv[2]!, schema });
client.call("slow", { ms: 60_000 }).catch(() => {});
setTimeout(() => process.exit(1), 30_000);
