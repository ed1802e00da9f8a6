// One Chatter server behind several Bun listeners (two ports, IPv4 + IPv6, plain + TLS):
// a publish reaches every subscriber, whichever listener its socket came through.
import { expect, test } from "bun:test";
import { z } from "zod";
import { createSchema } from "../../core/schema.ts";
import { createServer } from "../../server/index.ts";
import { connect, defer, listen, until } from "./fixtures/harness.ts";

const schema = createSchema({
  server: { join: { topic: z.string() }, say: { topic: z.string(), text: z.string() } },
  client: { heard: { text: z.string() } },
});

test("server.publish and client.publish reach subscribers on every listener", async () => {
  const chatter = createServer({
    schema,
    procedures: {
      join: ({ topic }, client) => client.subscribe(topic),
      say: ({ topic, text }, client) => client.publish(topic, "heard", { text }),
    },
  });
  const one = listen(chatter);
  const two = listen(chatter);
  defer(() => one.stop(true));
  defer(() => two.stop(true));
  const heard: Record<string, string[]> = { a: [], b: [], c: [] };
  const client = (name: string, port: number | undefined) =>
    connect({ url: `ws://127.0.0.1:${port}`, schema, procedures: { heard: ({ text }) => void heard[name]!.push(text) } });
  const a = client("a", one.port);
  const b = client("b", two.port);
  const c = client("c", two.port);
  for (const socket of [a, b, c]) await socket.call("join", { topic: "room" });

  for (let i = 0; i < 10; i++) chatter.publish("room", "heard", { text: `server ${i}` });
  await a.call("say", { topic: "room", text: "from a" }); // a is on listener one: b and c are on two
  await b.call("say", { topic: "room", text: "from b" }); // b's own listener and the other one
  // A marker after what is counted: once it has arrived, everything before it has too.
  chatter.publish("room", "heard", { text: "end" });
  await until(() => heard.a!.at(-1) === "end" && heard.b!.at(-1) === "end" && heard.c!.at(-1) === "end", 3_000, "the end marker everywhere");

  const servers = Array.from({ length: 10 }, (_, i) => `server ${i}`);
  expect(heard.a).toEqual([...servers, "from b", "end"]);
  expect(heard.b).toEqual([...servers, "from a", "end"]);
  expect(heard.c).toEqual([...servers, "from a", "from b", "end"]);
});
