// One server per test file, one client per test, and whatever a test rendered, cleaned up after it.
import { afterAll, afterEach, beforeAll } from "bun:test";
import { cleanup } from "@testing-library/react";
import { connect, startAdapterServer, type AdapterClient, type AdapterServer } from "../../test/fixtures/adapterServer.ts";

/** Call at the top of a test file (a module's hooks bind to the first file that imports it). */
export function serverPerFile() {
  let server: AdapterServer | undefined;
  const clients: AdapterClient[] = [];
  beforeAll(() => {
    server = startAdapterServer();
  });
  afterAll(() => server?.stop());
  afterEach(() => {
    cleanup();
    for (const client of clients.splice(0)) client.close();
  });
  const started = (): AdapterServer => {
    if (!server) throw new Error("the test server starts in beforeAll");
    return server;
  };
  return {
    get server() {
      return started();
    },
    /** A client of the file's server, closed after the test. */
    connect() {
      const client = connect(started().url);
      clients.push(client);
      return client;
    },
  };
}
