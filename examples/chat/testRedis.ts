// For a test file that needs a real redis-server: one on a free port of 127.0.0.1, started
// before its tests and stopped after. Without redis-server the tests skip, loudly; under CI
// they run and fail.
import { afterAll, beforeAll } from "bun:test";
import { redisServerBinary, startRedisServer, type RedisServer } from "./redisServer.ts";

export function testRedisServer(what: string): { readonly skip: boolean; url(): string } {
  const ci = process.env.CI === "true" || process.env.CI === "1";
  const skip = !redisServerBinary && !ci;
  if (skip) console.warn(`\n⚠ SKIPPING ${what}: redis-server is not installed (apt-get install redis-server)\n`);
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (skip) return;
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    redis = await startRedisServer(port);
  });
  afterAll(() => redis?.stop());
  return { skip, url: () => redis!.url };
}
