// A Chatter client in its own process that makes one call to a (hostile) server answering
// with a huge RESULT, so its memory is the client's alone. `bun fixture-big-client.ts <url>
// [maxPayload]` prints one JSON line: the call's outcome, the reports, and RSS figures.
import { createSchema } from "../../core/schema.ts";
import { createClient } from "../../client/createClient.ts";

const [url, maxPayload] = process.argv.slice(2);
const schema = createSchema({ server: { big: {} }, client: {} });
const reports: string[] = [];
const client = createClient({
  url: url!,
  schema,
  reconnect: false,
  heartbeat: false,
  ...(maxPayload ? { maxPayload: Number(maxPayload) } : {}),
  onError: (error) => void reports.push(`${(error as { code?: string }).code ?? ""} ${String(error).slice(0, 160)}`),
});
const outcome = await client.call("big", undefined, { timeout: 20_000 }).then(
  (value) => ({ ok: true, length: typeof value === "string" ? value.length : -1 }),
  (error) => ({ ok: false, code: (error as { code?: string }).code }),
);
const rssAtSettle = process.memoryUsage().rss;
const status = client.status;
client.close();
Bun.gc(true);
console.log(JSON.stringify({ outcome, status, reports, rssAtSettle, rssAfterGc: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 }));
process.exit(0);
