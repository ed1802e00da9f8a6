// The wire format: one JSON array per text frame, its first element the kind.
// See docs/protocol.md. Ids are positive integers chosen by the caller; each
// direction has its own id space. New kinds are additive: an end that does not
// know a kind treats it as a protocol error, so both ends ship together.

/** `[CALL, id, name, input?]`: run `name` and answer with RESULT or ERROR. */
export const CALL = 0;
/** `[NOTIFY, name, input?]`: run `name`, no answer (publishes travel this way). */
export const NOTIFY = 1;
/** `[RESULT, id, output?]`: the call `id` succeeded. */
export const RESULT = 2;
/** `[ERROR, id, code, message, issues?]`: the call `id` failed; id 0 is about the connection. */
export const ERROR = 3;
/** `[CANCEL, id]`: the caller gave up on call `id`; its `signal` aborts. */
export const CANCEL = 4;
/** `[PING]`: answer with PONG; the client's heartbeat. */
export const PING = 5;
/** `[PONG]` */
export const PONG = 6;
/**
 * `[HELLO, params, session?, seq?]`: the client's first frame on every socket: its `params`
 * (null without) and the session to recover, if any (its token and the last SEQ it received:
 * a number, or across instances `{ origin: n }`, the last of each origin).
 * The client waits for the answer only when it sent params or a session. The server answers
 * `[HELLO]` once they pass, or, with recovery on, `[HELLO, token, recovered, seq]`: the
 * session's new token, whether the old session was recovered, and where its SEQs start.
 */
export const HELLO = 7;
/**
 * `[GOAWAY]`: the server is shutting down. Send no new calls on this connection (hold them
 * for the next one) and answer `[GOAWAY]`; it closes with 1012 once that answer has come and
 * the calls in flight are answered (or at the shutdown's deadline).
 */
export const GOAWAY = 8;

/** `[INVALIDATE, name, input?]` (server → client): what the client cached for `name(input)` is stale; no input: every input of `name`. */
export const INVALIDATE = 9;
/** `[SET_DATA, name, input, data]` (server → client): `name(input)` now resolves to `data` (`input` null when it takes none). */
export const SET_DATA = 10;

/** `[STREAM, id, credit, name, input?]`: open the stream `name`; the producer may send `credit` items before more is granted. */
export const STREAM = 11;
/** `[ITEM, id, value]`: the next item of stream `id`. */
export const ITEM = 12;
/** `[END, id]`: stream `id` is over (a failed stream ends with ERROR instead). */
export const END = 13;
/** `[CREDIT, id, n]`: the consumer of stream `id` read `n` more items: the producer may send `n` more. */
export const CREDIT = 14;

/**
 * `[SEQ, n, frame, origin?]` (server → client, with recovery on): `frame` (a NOTIFY, INVALIDATE
 * or SET_DATA) is number `n` of the session's recoverable frames; a recovering client names
 * the last `n` it received, and the server replays what came after. Across instances `origin`
 * names the instance that numbered it; each origin's `n` only grows, so a client drops one it had.
 */
export const SEQ = 15;
/** Origins a client keeps, and names in its HELLO, at most: past it the least recently heard is forgotten. */
export const MAX_ORIGINS = 64;

export const PING_FRAME = `[${PING}]`;
export const PONG_FRAME = `[${PONG}]`;
/** The server's answer to HELLO: the params passed. */
export const HELLO_FRAME = `[${HELLO}]`;
export const GOAWAY_FRAME = `[${GOAWAY}]`;

/** Close codes Chatter uses (4000–4999 are the application's range). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_GOING_AWAY = 1001;
/** Graceful shutdown (`server.shutdown()`): reconnect, to another instance if there is one. */
export const CLOSE_RESTART = 1012;
/** The server failed (e.g. `authenticate` threw): the client retries later. */
export const CLOSE_INTERNAL = 1011;
export const CLOSE_PROTOCOL = 4400;
/** Refused by `authenticate`: the client does not retry. */
export const CLOSE_UNAUTHORIZED = 4401;
/** A heartbeat found the socket silent, or the params came too late (the peer retries). */
export const CLOSE_TIMEOUT = 4408;
/** The peer sent frames faster than they could be handled, past a bound (4 × `maxPayload`): "try again later". */
export const CLOSE_OVERLOADED = 1013;

export function isValidId(id: unknown): id is number {
  return typeof id === "number" && Number.isSafeInteger(id) && id > 0;
}
