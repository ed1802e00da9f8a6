// One server per test file, one client per test, and whatever a test rendered, cleaned up after it.
import { afterAll, afterEach, beforeAll } from "bun:test";
import { cleanup } from "@testing-library/react";
import { connect, startTestServer, type TestServer } from "./server.ts";

/** Call at the top of a test file (a module's hooks bind to the first file that imports it). */
export function serverPerFile() {
  let server: TestServer | undefined;
  let client: ReturnType<typeof connect> | undefined;
  beforeAll(() => {
    server = startTestServer();
  });
  afterAll(() => server?.stop());
  afterEach(() => {
    cleanup();
    client?.close();
  });
  const started = (): TestServer => {
    if (!server) throw new Error("the test server starts in beforeAll");
    return server;
  };
  return {
    get server() {
      return started();
    },
    /** A client of the file's server, closed after the test. */
    connect() {
      client = connect(started().url);
      return client;
    },
  };
}
