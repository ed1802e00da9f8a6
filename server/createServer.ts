// The server: one Chatter server for any number of Bun listeners. It owns what the
// connections share (procedures, publish, the adapter) and the lifecycle around them
// (heartbeat, shutdown); each socket's own work is its Connection's.
import { ChatterError } from "../core/errors.ts";
import { encodeFrame, invalid, json, short } from "../core/frames.ts";
import { own, type Handler } from "../core/peer.ts";
import { CLOSE_GOING_AWAY, CLOSE_RESTART, INVALIDATE, NOTIFY, SET_DATA } from "../core/protocol.ts";
import { Reports } from "../core/reports.ts";
import type { Procedures, Schema } from "../core/schema.ts";
import type { CallOptions } from "../core/types.ts";
import { validate } from "../core/validate.ts";
import { clientTopic, Interest } from "./adapter.ts";
import { Cluster } from "./cluster.ts";
import { Connection, type ServerCore } from "./connection.ts";
import { connectionId, ID_LENGTH } from "./id.ts";
import { Presence } from "./presence.ts";
import { Recovery } from "./recovery.ts";
import { SharedRecovery } from "./sharedRecovery.ts";
import { createHandler, originCheck } from "./handler.ts";
import { topicOf } from "./topic.ts";
import type { BunServer, ChatterServer, ServerClient, ServerOptions, ServerProcedures, State } from "./types.ts";

/** Creates a Chatter server: pass `handler` to `Bun.serve({ websocket })` and call `upgrade` in `fetch`. */
export function createServer<TSchema extends Schema, TProcedures extends ServerProcedures<TSchema, TState>, TState extends State = State>(
  options: ServerOptions<TSchema, TProcedures, TState>,
): ChatterServer<TSchema, TProcedures, TState> {
  const { schema } = options;
  const maxPayload = options.maxPayload ?? 1_048_576;
  const onError = options.onError ?? defaultReport;
  /** Every open socket, admitted or not (`clients` holds the admitted ones). */
  const connections = new Set<Connection>();
  const clients = new Map<string, Connection>();
  /**
   * Every Bun server that upgraded a socket: a publish goes to each, since Bun's publish
   * reaches only its own listener's sockets (two ports, IPv4 + IPv6, plain + TLS).
   */
  const listeners = new Set<BunServer>();
  // The connections with a batch waiting; one may appear twice (flushed early, then batching again).
  let held: Connection[] = [];
  let draining: { done: Promise<void>; end: () => void } | undefined;

  // Rate-limited per client and kind: a flood of one error is a few reports and a count.
  const reports = new Reports<Connection | undefined>(
    (error, procedure, client) => {
      try {
        onError(error, { procedure, client: client as unknown as ServerClient<TSchema, TState> });
      } catch (hookError) {
        defaultReport(hookError, { procedure: "onError hook" });
      }
    },
    (client) => (client ? `from client ${client.id}` : "on this server"),
  );
  const report = (error: unknown, procedure?: string, client?: Connection) => reports.report(error, procedure, client);

  /** Sends every connection's held batch now: a publish never overtakes the answers written before it. */
  const releaseHeld = () => {
    if (!held.length) return;
    const batch = held;
    held = [];
    for (const client of batch) client.peer.flush();
  };

  const deliver = (topic: string, frame: string) => {
    releaseHeld();
    for (const listener of listeners) listener.publish(topic, frame);
  };

  // With an adapter that keeps sessions (Redis), a client recovers on any instance; else on the one it left.
  const shared = options.recovery ? SharedRecovery.over(options.adapter, options.recovery) : undefined;
  const recovery = options.recovery && !shared ? new Recovery(options.recovery) : undefined;
  /** With `recovery`, a frame for `topic` is numbered and logged once, whoever receives it. */
  const numbered = (topic: string, frame: string, from?: string) => (shared ? shared.record(topic, frame, from) : recovery ? recovery.record(topic, frame, from) : frame);

  const config = {
    local: schema.server,
    remote: schema.client,
    timeout: options.timeout ?? 30_000,
    maxPayload,
    maxIncoming: options.maxCallsInFlight ?? 1_000,
    maxOutgoing: options.maxPendingCalls ?? 1_000,
    isServer: true,
  };
  const interest = options.adapter && new Interest(options.adapter, (error) => report(error));
  const cluster = new Cluster({ config, clients, interest, report });
  const presence = new Presence(schema.presence, options.adapter?.presence, options.onPresence as never, (error) => report(error, "presence"));

  const core: ServerCore = {
    config,
    handlers: collectHandlers(schema.server, options.procedures as Record<string, unknown>),
    defaults: options.state,
    authenticate: options.authenticate,
    interest,
    recovery,
    shared,
    cluster,
    presence,
    report,
    notify(name, input, send) {
      const def = own(schema.client, name);
      if (!def) throw new ChatterError("NOT_FOUND", `No client procedure "${short(name)}" to publish`);
      validate(
        def.input,
        input,
        (result) => {
          if (result.issues) throw invalid("BAD_INPUT", name, result.issues);
          // The caller's input goes as given: the clients parse it (transforms run there).
          const what = `The publish of "${short(name)}"`;
          send(encodeFrame(() => (input === undefined ? `[${NOTIFY},${JSON.stringify(name)}]` : `[${NOTIFY},${JSON.stringify(name)},${json(input)}]`), what, "BAD_INPUT", maxPayload));
        },
        (error) => report(error, name),
      );
    },
    cacheUpdate(name, input, data, hasInput, send) {
      const def = own(schema.server, name);
      if (!def) throw new ChatterError("NOT_FOUND", `No server procedure "${short(name)}" to update in the clients' caches`);
      const encode = (frame: unknown[]) => send(encodeFrame(() => json(frame), `The cache update of "${short(name)}"`, "BAD_INPUT", maxPayload));
      // `invalidate(name, undefined)` is the call without input (keyed by null), not every input.
      if (!data) return encode(hasInput ? [INVALIDATE, name, input ?? null] : [INVALIDATE, name]);
      // The input is the cache key as a call passes it: checked (a wrong one would land under a
      // key no call uses) but sent as given. The data is parsed like the procedure's own
      // result: what the cache holds is what a call would resolve to.
      const fail = (error: unknown) => report(error, name);
      validate(
        def.input,
        input,
        (checked) => {
          if (checked.issues) throw invalid("BAD_INPUT", name, checked.issues);
          validate(
            def.output,
            data.value,
            (result) => {
              if (result.issues) throw invalid("BAD_OUTPUT", name, result.issues);
              encode([SET_DATA, name, input ?? null, result.value ?? null]);
            },
            fail,
          );
        },
        fail,
      );
    },
    admitted(client) {
      clients.set(client.id, client);
      if (core.interest) client.join(clientTopic(client.id)); // reachable from any instance by id
      hook(options.onConnect, client);
    },
    direct(client, frame) {
      // A dropped client's own frames go to its topic: across instances it may be back elsewhere.
      if (shared && client.phase === "closed") return core.broadcast(clientTopic(client.id), frame);
      client.peer.write(numbered(clientTopic(client.id), frame));
    },
    takeOver(token) {
      const live = clients.get(token.slice(0, ID_LENGTH));
      if (live?.session?.token !== token) return;
      clients.delete(live.id); // before the new socket takes the id
      live.drop();
      presence.drop(live); // before the new socket takes its metas back
      hook(options.onDisconnect, live, { code: CLOSE_GOING_AWAY, reason: "the session moved to a new connection" });
    },
    hold(client) {
      if (!held.length) queueMicrotask(releaseHeld);
      held.push(client);
    },
    broadcast(topic, frame, from) {
      const out = numbered(topic, frame, from?.id);
      if (!from) deliver(topic, out);
      else {
        releaseHeld();
        from.ws.publish(topic, out);
        // Sockets of the other listeners: `ws.publish` reaches only its own server's.
        if (listeners.size > 1) for (const listener of listeners) if (listener !== from.server) listener.publish(topic, out);
      }
      core.interest?.publish(topic, shared ? out : frame); // numbered by its origin across instances; else each instance numbers what it delivers
    },
  };
  shared?.attach(core);
  options.adapter?.attach({
    // "{" starts another instance's control message (server.call, callAll), "[" a frame.
    deliver: (topic, frame) => (frame.charCodeAt(0) === 123 ? cluster.receive(frame) : deliver(topic, shared?.received(topic, frame) ?? numbered(topic, frame))),
    report: (error) => report(error),
  });
  cluster.listen();

  const hook = (fn: ((...args: any[]) => unknown) | undefined, client: Connection, ...args: unknown[]) => {
    if (!fn) return;
    try {
      const out = fn(client, ...args);
      if (out instanceof Promise) out.catch((error) => report(error, undefined, client));
    } catch (error) {
      report(error, undefined, client);
    }
  };

  const handler = createHandler(options, connections, {
    opened(client) {
      if (draining) client.close(CLOSE_RESTART, "server shutting down");
    },
    closed(client, code, reason) {
      // A session taken over by a new socket left `clients` to that socket already.
      const wasClient = clients.get(client.id) === client && clients.delete(client.id);
      core.interest?.drop(client);
      presence.drop(client);
      reports.end(client); // what its flood held back, counted
      if (wasClient) hook(options.onDisconnect, client, { code, reason });
      if (draining && !connections.size) draining.end();
    },
    report,
  });

  const originAllowed = originCheck(options.origins, report);

  const startDraining = (): { done: Promise<void>; end: () => void } => {
    let end!: () => void;
    let ended = false;
    const done = new Promise<void>((resolve) => {
      end = () => {
        // Once: Bun runs the close handler inside `ws.close()`, so `close()` may get here twice.
        if (ended) return;
        ended = true;
        const finish = () => {
          cluster.close();
          core.interest?.close();
          resolve();
        };
        // The sessions' last writes, and presence's (at most a second), reach Redis before the adapter closes.
        const last = [shared?.close(), presence.close()].filter(Boolean);
        if (last.length) void Promise.all(last).then(finish);
        else finish();
      };
    });
    return { done, end };
  };

  return {
    schema,
    handler,
    clients: clients as unknown as ReadonlyMap<string, ServerClient<TSchema, TState>>,
    upgrade(request, server, upgradeOptions) {
      if (draining || !originAllowed(request.headers.get("origin"))) return false;
      listeners.add(server);
      const client = new Connection(core, connectionId(), upgradeOptions?.state as State | undefined);
      client.server = server;
      return server.upgrade(request, { data: client, headers: upgradeOptions?.headers });
    },
    publish(topic: string, name: string, input?: unknown) {
      topicOf(topic);
      core.notify(name, input, (frame) => core.broadcast(topic, frame));
    },
    invalidate(topic: string, name: string, ...input: unknown[]) {
      topicOf(topic);
      core.cacheUpdate(name, input[0], undefined, input.length > 0, (frame) => core.broadcast(topic, frame));
    },
    setData(topic: string, name: string, input: unknown, data: unknown) {
      topicOf(topic);
      core.cacheUpdate(name, input, { value: data }, true, (frame) => core.broadcast(topic, frame));
    },
    call(id: string, name: string, input?: unknown, callOptions?: CallOptions) {
      return cluster.call(id, name, input, callOptions);
    },
    presence(topic: string) {
      return presence.list(topic);
    },
    callAll(topic: string, name: string, input?: unknown, callOptions?: CallOptions) {
      return cluster.callAll(topic, name, input, callOptions);
    },
    shutdown({ timeout = 10_000, reason = "server shutting down" } = {}) {
      if (draining) return draining.done;
      const drain = (draining = startDraining());
      if (!connections.size) drain.end();
      else {
        // Each connection closes once it is idle (see `Connection.idle`); the rest at the deadline.
        const deadline = setTimeout(() => {
          for (const client of connections) client.close(CLOSE_RESTART, reason);
        }, timeout);
        drain.done.then(() => clearTimeout(deadline));
        for (const client of [...connections]) client.goAway(reason);
      }
      return drain.done;
    },
    close(reason = "server shutting down") {
      draining ??= startDraining(); // refuse new upgrades from now on
      for (const client of connections) client.close(CLOSE_GOING_AWAY, reason);
      if (!connections.size) draining.end();
    },
  } as ChatterServer<TSchema, TProcedures, TState>;
}

/** The handlers by name; every server procedure of the schema must have one, and nothing else may. */
function collectHandlers(procedures: Procedures, implementations: Record<string, unknown>): Map<string, Handler> {
  const handlers = new Map<string, Handler>();
  for (const name of Object.keys(procedures)) {
    const fn = Object.hasOwn(implementations, name) ? implementations[name] : undefined;
    if (typeof fn !== "function") throw new TypeError(`createServer: server procedure "${name}" has no implementation in "procedures"`);
    handlers.set(name, fn as Handler);
  }
  for (const name of Object.keys(implementations)) {
    if (!Object.hasOwn(procedures, name)) throw new TypeError(`createServer: "${name}" is in "procedures" but not in the schema's server procedures`);
  }
  return handlers;
}

function defaultReport(error: unknown, info: { procedure?: string }): void {
  const where = info.procedure ? ` in "${info.procedure}"` : "";
  if (error instanceof ChatterError && error.code === "PROTOCOL") console.warn(`[chatter] ${error.message}`);
  else console.error(`[chatter] error${where}:`, error);
}
