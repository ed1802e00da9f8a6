// A server implementation of the test schema that records what it saw.
import { ChatterError } from "../errors.ts";
import type { ServerProcedures } from "../createServer.ts";
import { schema } from "./schemas.ts";

export type State = { name: string };

export function testApp() {
  const seen = { aborted: [] as unknown[], started: 0, answers: [] as unknown[] };
  const procedures = {
    echo: (input) => input,
    add: ({ a, b }) => a + b,
    ping: () => "pong",
    slow: slow(seen),
    fail: async ({ kind }) => {
      if (kind === "chatter") throw new ChatterError("NOT_FOUND", "No such room");
      if (kind === "plain") throw new Error("secret database password in this message");
      return Promise.reject(new TypeError("also secret"));
    },
    badOutput: () => ({ ok: false as unknown as true }),
    strip: () => ({ public: "yes", secret: "no" }),
    hang: () => new Promise<never>(() => {}),
    join: ({ topic }, client) => client.subscribe(topic),
    leave: ({ topic }, client) => client.unsubscribe(topic),
    shout: ({ topic, text }, client) => client.publish(topic, "heard", { text }),
    ask: async ({ question }, client) => {
      const answer = await client.call("confirm", { question }, { timeout: 2_000 });
      seen.answers.push(answer);
      return answer;
    },
    whoami: (_input, client) => ({ id: client.id, name: client.get("name") }),
    vali: ({ n }) => n * 2,
    repeat: ({ text, times }) => text.repeat(times),
  } satisfies ServerProcedures<typeof schema, State>;
  return { schema, procedures, seen, state: { name: "anonymous" } as State };
}

/** A `slow` procedure: answers `ms` after `ms` ms, or early when the call is aborted (recording why in `seen`). */
export function slow(seen: { started: number; aborted: unknown[] }) {
  return async ({ ms }: { ms: number }, _client: unknown, { signal }: { signal: AbortSignal }) => {
    seen.started++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        seen.aborted.push(signal.reason);
        resolve();
      });
    });
    return ms;
  };
}
