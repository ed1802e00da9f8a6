// Publishes across server instances through Redis pub/sub, with Bun's built-in
// client: `createServer({ adapter: createRedisAdapter({ url }) })`. See docs/scaling.md.
//
// Two connections per instance: one publishes, one subscribes (a subscribed Redis
// connection can do nothing else). A topic's channel is subscribed only while the
// topic has subscribers here. Each message is `<instance id><frame>`: the instance id
// lets an instance skip its own publishes when they come back (its subscribers had
// them from Bun already), and the frame, encoded once by the publishing instance, goes
// to Bun's native publish on the others untouched.
//
// While Redis is unreachable each instance works alone: local publishes are delivered,
// forwards are dropped (counted, reported through `onError`, never replayed), and the
// adapter reconnects with backoff, then resubscribes every topic that has subscribers.
import type { Adapter, AdapterHost, RecoveryStore, RecoveryStoreOptions } from "../server/adapter.ts";
import { ChatterError } from "../core/errors.ts";
import { background, backoff, Liveness, tickOf } from "../core/liveness.ts";
import { RedisPresence } from "./presence.ts";
import { RedisRecoveryStore } from "./sessions.ts";


export interface RedisAdapterOptions {
  /** `redis://` or `rediss://` URL, with credentials if any. @default process.env.REDIS_URL ?? "redis://127.0.0.1:6379" */
  url?: string;
  /** Prepended to every topic to name its Redis channel, so apps can share one Redis. @default "chatter:" */
  prefix?: string;
  /** Milliseconds before the first reconnect attempt; doubles per failure, with jitter. @default 100 */
  reconnectDelay?: number;
  /** Longest wait between reconnect attempts, in milliseconds. @default 5_000 */
  maxReconnectDelay?: number;
  /** Milliseconds between PINGs on each connection; one unanswered for as long closes it. 0 turns it off. @default 5_000 */
  heartbeat?: number;
  /** Milliseconds a connection attempt may take. @default 5_000 */
  connectionTimeout?: number;
  /** Publishes sent to Redis and not yet acknowledged; more are dropped (and counted) while Redis lags. @default 100_000 */
  maxInFlight?: number;
  /** Ms after an instance's last presence refresh (every third of it) before its tracked clients leave: how fast a crashed instance's members go. @default 10_000 */
  presenceTimeout?: number;
}

export type RedisAdapterStatus = "connecting" | "connected" | "reconnecting" | "closed";

export interface RedisAdapterStats {
  /** Publishes Redis acknowledged. */
  forwarded: number;
  /** Publishes from other instances delivered here. */
  received: number;
  /** Publishes not forwarded because Redis was unreachable or lagging (reported through `onError`, counted once a second). */
  dropped: number;
  /** Connections (publishing or subscribing) re-established after a loss. */
  reconnects: number;
}

export interface RedisAdapter extends Adapter {
  /** This instance's id, the tag on every message it sends. */
  readonly id: string;
  /** `connected` when both connections are up and every local topic is subscribed. */
  readonly status: RedisAdapterStatus;
  readonly stats: Readonly<RedisAdapterStats>;
  /** Resolves once `status` is `connected` (publishes before then are dropped), or rejects after `timeout` ms. */
  ready(timeout?: number): Promise<void>;
  /**
   * Runs one Redis command on the publishing connection, for what the adapter keeps in
   * Redis besides publishes (presence, recovery sessions). Rejects `DISCONNECTED` while
   * that connection is down.
   */
  command(name: string, args: string[]): Promise<unknown>;
  /** Calls `listener` each time the publishing connection comes up again after a loss (Redis may have restarted empty). */
  onReconnect(listener: () => void): void;
}

/** The part of Bun's `RedisClient` used here (declared so no Bun type reaches the `.d.ts`). */
interface RedisConnection {
  onconnect: (() => void) | null;
  onclose: ((error: Error) => void) | null;
  connect(): Promise<void>;
  close(): void;
  ping(): Promise<string>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<number>;
  unsubscribe(channels: string[]): Promise<void>;
  send(command: string, args: string[]): Promise<unknown>;
}
type RedisConstructor = new (url: string, options: object) => RedisConnection;

const NONE_HEARD = Promise.resolve(0);

/** A UUID: every instance id has this length, so a message splits without searching. */
const ID_LENGTH = 36;

/** Creates the Redis adapter for one server (`createServer({ adapter })`); it connects when the server attaches it. */
export function createRedisAdapter(options: RedisAdapterOptions = {}): RedisAdapter {
  return new RedisPubSub(options);
}

class RedisPubSub implements RedisAdapter {
  readonly id = crypto.randomUUID();
  readonly stats: RedisAdapterStats = { forwarded: 0, received: 0, dropped: 0, reconnects: 0 };
  private host: AdapterHost | undefined;
  private closed = false;
  /** Topics with subscribers on this instance: what the subscribing connection must hear. */
  private readonly topics = new Set<string>();
  private readonly pub: Link;
  private readonly sub: Link;
  /** The subscribing connection's own channels; replaced with each new connection. */
  private subscribed: { readonly connection: RedisConnection; readonly channels: Set<string>; syncing: boolean; dirty: boolean } | undefined;
  /** Topics whose subscription may differ from `topics` on the subscribing connection. */
  private changed = new Set<string>();
  private synced = false;
  private waiters: (() => void)[] = [];
  /** Subscribes waiting for the subscribing connection to catch up with `topics`. */
  private confirmations: (() => void)[] = [];
  private unreported = 0;
  private lastDropCause: unknown;
  private dropTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly prefix: string;
  private readonly url: string;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly reconnected: (() => void)[] = [];
  /** Presence in Redis (redis/presence.ts). */
  readonly presence: RedisPresence;

  constructor(options: RedisAdapterOptions) {
    this.url = options.url ?? (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.REDIS_URL ?? "redis://127.0.0.1:6379";
    this.prefix = options.prefix ?? "chatter:";
    this.maxInFlight = options.maxInFlight ?? 100_000;
    const presenceTimeout = options.presenceTimeout ?? 10_000;
    // 0 would expire an instance as it refreshes (its peers sweep it every beat), NaN a timer that fires at once.
    if (!(presenceTimeout >= 100)) throw new TypeError(`createRedisAdapter: presenceTimeout must be at least 100 ms (got ${presenceTimeout})`);
    this.presence = new RedisPresence(this, { prefix: this.prefix, timeout: presenceTimeout });
    this.pub = new Link(this.url, options, {
      up: (_, again) => {
        if (again) {
          this.stats.reconnects++;
          for (const listener of this.reconnected) {
            try {
              listener();
            } catch (error) {
              this.host?.report(error);
            }
          }
        }
        this.settled();
      },
      down: (error) => this.fault("publish", error),
    });
    this.sub = new Link(this.url, options, {
      up: (connection, again) => {
        if (again) this.stats.reconnects++;
        this.subscribed = { connection, channels: new Set(), syncing: false, dirty: false };
        this.changed = new Set(this.topics); // a fresh connection: resubscribe everything
        this.sync();
      },
      down: (error) => {
        this.subscribed = undefined;
        this.synced = false;
        this.confirm();
        this.fault("subscribe", error);
      },
    });
  }

  get status(): RedisAdapterStatus {
    if (this.closed) return "closed";
    if (this.pub.connection && this.sub.connection && this.synced) return "connected";
    return this.pub.everUp || this.sub.everUp ? "reconnecting" : "connecting";
  }

  attach(host: AdapterHost): void {
    if (this.host) throw new TypeError("createRedisAdapter: this adapter is already attached to a server; create one adapter per createServer");
    if (this.closed) throw new TypeError("createRedisAdapter: this adapter is closed; create a new one");
    this.host = host;
    this.pub.start();
    this.sub.start();
  }

  publish(topic: string, frame: string): void {
    this.forward(topic, frame);
  }

  /**
   * A control message: forwarded like a publish (and bounded by `maxInFlight` like one),
   * resolved to the instances that heard it — this one too when it listens on the channel.
   * Redis's own count, not a guess from local state: a SUBSCRIBE or UNSUBSCRIBE still on its
   * way would make a guess one off.
   */
  send(topic: string, message: string): Promise<number> {
    return this.forward(topic, message) ?? NONE_HEARD;
  }

  /** PUBLISHes `message` with this instance's id in front; undefined when it was dropped (counted and reported). */
  private forward(topic: string, message: string): Promise<number> | undefined {
    if (this.closed) return undefined;
    const connection = this.pub.connection;
    if (!connection) return void this.drop(new Error("not connected"));
    if (this.inFlight >= this.maxInFlight) return void this.drop(new Error(`${this.maxInFlight} publishes already waiting for Redis`));
    this.inFlight++;
    try {
      return connection.publish(this.prefix + topic, this.id + message).then(this.sent, this.failed);
    } catch (error) {
      return void this.failed(error);
    }
  }

  private readonly sent = (heard: number): number => {
    this.inFlight--;
    this.stats.forwarded++;
    return heard;
  };
  private readonly failed = (error: unknown): number => {
    this.inFlight--;
    this.drop(error);
    return 0;
  };

  /** Resolves once Redis confirmed the channel, or at once while the subscribing connection is down (it resubscribes on reconnect). */
  subscribe(topic: string): Promise<void> | undefined {
    this.topics.add(topic);
    this.changed.add(topic);
    if (!this.subscribed) return undefined;
    const confirmed = new Promise<void>((resolve) => this.confirmations.push(resolve));
    this.sync();
    return confirmed;
  }

  unsubscribe(topic: string): void {
    this.topics.delete(topic);
    this.changed.add(topic);
    this.sync();
  }

  command(name: string, args: string[]): Promise<unknown> {
    const connection = this.pub.connection;
    if (!connection || this.closed) return Promise.reject(new ChatterError("DISCONNECTED", `Redis adapter: not connected to ${redact(this.url)}`));
    try {
      return connection.send(name, args);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  onReconnect(listener: () => void): void {
    this.reconnected.push(listener);
  }

  /** Sessions and the log of recoverable frames in Redis (redis/sessions.ts), for `recovery` across instances. */
  recoveryStore(options: RecoveryStoreOptions): RecoveryStore {
    const link = { command: (name: string, args: string[]) => this.command(name, args), onReconnect: (listener: () => void) => this.onReconnect(listener), report: (error: unknown) => this.host?.report(error) };
    return new RedisRecoveryStore(link, this.prefix, options);
  }

  ready(timeout = 10_000): Promise<void> {
    if (this.status === "connected") return Promise.resolve();
    if (this.closed) return Promise.reject(new ChatterError("DISCONNECTED", "The Redis adapter is closed"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new ChatterError("TIMEOUT", `The Redis adapter did not connect to ${redact(this.url)} within ${timeout} ms`));
      }, timeout);
      const done = () => (clearTimeout(timer), resolve());
      this.waiters.push(done);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.topics.clear();
    this.changed.clear();
    this.subscribed = undefined;
    this.confirm();
    this.pub.stop();
    this.sub.stop();
    if (this.dropTimer) this.flushDrops();
  }

  /** Delivers a message from Redis unless this instance sent it. */
  private readonly listener = (message: string, channel: string): void => {
    if (message.length <= ID_LENGTH || !channel.startsWith(this.prefix)) return;
    // This instance's own frames came back: its subscribers had them from Bun. Its own control
    // messages ("{") are delivered like the others', so that they count as heard (see `send`).
    if (message.startsWith(this.id) && message.charCodeAt(ID_LENGTH) !== 123) return;
    this.stats.received++;
    try {
      this.host?.deliver(channel.slice(this.prefix.length), message.slice(ID_LENGTH));
    } catch (error) {
      this.host?.report(error);
    }
  };

  /**
   * Brings the subscribing connection's channels in line with `topics`, one command at a
   * time: Bun's client throws on an UNSUBSCRIBE racing its SUBSCRIBE, and calls a
   * listener once per SUBSCRIBE of the same channel, so each channel is subscribed once.
   */
  private sync(): void {
    const state = this.subscribed;
    if (!state) return;
    if (state.syncing) return void (state.dirty = true);
    state.syncing = true;
    const run = async () => {
      do {
        state.dirty = false;
        const batch = this.changed;
        this.changed = new Set();
        const add: string[] = [];
        const remove: string[] = [];
        for (const topic of batch) {
          const channel = this.prefix + topic;
          if (this.topics.has(topic) !== state.channels.has(channel)) (this.topics.has(topic) ? add : remove).push(channel);
        }
        if (add.length) {
          for (const channel of add) state.channels.add(channel);
          await state.connection.subscribe(add, this.listener);
        }
        if (remove.length && this.subscribed === state) {
          for (const channel of remove) state.channels.delete(channel);
          await state.connection.unsubscribe(remove);
        }
      } while (state.dirty && this.subscribed === state);
    };
    run().then(
      () => {
        state.syncing = false;
        if (this.subscribed !== state) return;
        if (state.dirty) return this.sync();
        this.synced = true;
        this.confirm();
        this.settled();
      },
      (error) => {
        state.syncing = false;
        if (this.subscribed === state) this.sub.lost(state.connection, error);
      },
    );
  }

  /** Never leaves a subscribe waiting: called when in sync, when the connection is lost, and on close. */
  private confirm(): void {
    const confirmations = this.confirmations;
    this.confirmations = [];
    for (const resolve of confirmations) resolve();
  }

  private settled(): void {
    if (this.status !== "connected") return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const done of waiters) done();
  }

  private fault(which: string, error: unknown): void {
    this.host?.report(
      new ChatterError(
        "DISCONNECTED",
        `Redis adapter: the ${which} connection to ${redact(this.url)} is down (${message(error)}); local delivery continues, ${which === "publish" ? "publishes to other instances are dropped" : "publishes from other instances are missed"} until it reconnects`,
        { cause: error },
      ),
    );
  }

  /** Counts a publish that did not reach Redis; reports the count at most once a second. */
  private drop(cause: unknown): void {
    this.stats.dropped++;
    this.unreported++;
    this.lastDropCause = cause;
    if (this.dropTimer) return;
    this.dropTimer = setTimeout(() => this.flushDrops(), 1_000);
    (this.dropTimer as { unref?: () => void }).unref?.();
  }

  private flushDrops(): void {
    clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    if (!this.unreported) return;
    const count = this.unreported;
    this.unreported = 0;
    this.host?.report(
      new ChatterError("DISCONNECTED", `Redis adapter: ${count} publish${count === 1 ? " was" : "es were"} not forwarded to other instances (${message(this.lastDropCause)})`, {
        cause: this.lastDropCause,
      }),
    );
  }
}

/** One Redis connection that reconnects on loss: a fresh client each time, so no state of a dead one lingers. */
class Link {
  /** The connected client, if any. */
  connection: RedisConnection | undefined;
  everUp = false;
  private candidate: RedisConnection | undefined;
  private attempt = 0;
  private down = false;
  private stopped = false;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly url: string,
    private readonly options: RedisAdapterOptions,
    private readonly events: { up(connection: RedisConnection, again: boolean): void; down(error: unknown): void },
  ) {}

  /** Starts connecting; throws (at `createServer`) when there is no Bun or the URL is unusable. */
  start(): void {
    const Client = (globalThis as { Bun?: { RedisClient?: RedisConstructor } }).Bun?.RedisClient;
    if (!Client) throw new TypeError("createRedisAdapter needs Bun's built-in Redis client (Bun ≥ 1.2); run the server with bun");
    const connection = new Client(this.url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: this.options.connectionTimeout ?? 5_000,
    });
    this.candidate = connection;
    connection.onclose = (error) => this.lost(connection, error);
    connection.connect().then(
      () => this.opened(connection),
      (error) => this.lost(connection, error),
    );
  }

  private opened(connection: RedisConnection): void {
    if (this.candidate !== connection || this.stopped) return;
    const again = this.everUp;
    this.connection = connection;
    this.everUp = true;
    this.down = false;
    this.attempt = 0;
    this.startHeartbeat(connection);
    this.events.up(connection, again);
  }

  /** The connection failed or closed: forget it, report the outage once, try again later. */
  lost(connection: RedisConnection, error: unknown): void {
    if (this.candidate !== connection) return;
    this.candidate = undefined;
    this.connection = undefined;
    this.stopHeartbeat();
    connection.onclose = null;
    try {
      connection.close();
    } catch {}
    if (this.stopped) return;
    if (!this.down) {
      this.down = true;
      this.events.down(error);
    }
    const delay = backoff(this.attempt++, this.options.reconnectDelay ?? 100, this.options.maxReconnectDelay ?? 5_000);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      const placeholder = {} as RedisConnection;
      try {
        this.start();
      } catch (error) {
        this.candidate = placeholder; // a timer must not throw: count it as one more failed attempt
        this.lost(placeholder, error);
      }
    }, delay);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    this.stopHeartbeat();
    const connection = this.candidate;
    this.candidate = undefined;
    this.connection = undefined;
    if (connection) {
      connection.onclose = null;
      try {
        connection.close();
      } catch {}
    }
  }

  /** PING a connection silent for `heartbeat` ms; one still silent as long again is dead, though the socket has not noticed. */
  private startHeartbeat(connection: RedisConnection): void {
    const every = this.options.heartbeat ?? 5_000;
    if (!every) return;
    const liveness = new Liveness(every, every);
    this.heartbeat = background(
      setInterval(() => {
        const verdict = liveness.check(Date.now());
        if (verdict === "dead") return this.lost(connection, new Error(`no PING answer in ${every} ms`));
        if (verdict !== "ping") return;
        try {
          connection.ping().then(
            () => (liveness.heard = true),
            (error) => this.lost(connection, error),
          );
        } catch (error) {
          this.lost(connection, error);
        }
      }, tickOf(every, every)),
    );
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the Redis URL";
  }
}
