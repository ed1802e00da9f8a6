import { Database } from "bun:sqlite";
import { HISTORY_LENGTH } from "./history.ts";
import { LIMITS } from "./limits.ts";
import type { Message } from "./schema.ts";
import type { ChatStore } from "./store.ts";

interface Row {
  id: number;
  room_id: string;
  username: string;
  message: string;
  sent_at: number;
}

/** Rows read at once by `messages`. */
const PAGE = 25;

const toMessage = (row: Row): Message => ({ id: String(row.id), roomId: row.room_id, username: row.username, message: row.message, sentAt: row.sent_at });

/**
 * The chat's history in SQLite (built into Bun): a file that outlives restarts, or ":memory:".
 * Bounded twice: `perRoom` messages a room, `total` across rooms (the oldest go first),
 * so a flood of new rooms cannot fill the disk.
 */
export function createSqliteStore(path: string, { perRoom = HISTORY_LENGTH, total = LIMITS.storedMessages }: { perRoom?: number; total?: number } = {}): ChatStore {
  const db = new Database(path, { create: true, strict: true });
  db.run("PRAGMA journal_mode = WAL");
  // AUTOINCREMENT: ids never go back, even after the newest rows are deleted, so a client's
  // "newest id seen" stays meaningful across restarts.
  db.run(`CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, room_id TEXT NOT NULL, username TEXT NOT NULL, message TEXT NOT NULL, sent_at INTEGER NOT NULL)`);
  db.run("CREATE INDEX IF NOT EXISTS messages_room ON messages (room_id, id)");

  const insert = db.query<Row, [string, string, string, number]>(
    "INSERT INTO messages (room_id, username, message, sent_at) VALUES (?, ?, ?, ?) RETURNING *",
  );
  const trimRoom = db.query(
    "DELETE FROM messages WHERE room_id = ?1 AND id <= (SELECT id FROM messages WHERE room_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
  );
  const trimAll = db.query("DELETE FROM messages WHERE id <= (SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET ?1)");
  const last = db.query<Row, [string, number]>("SELECT * FROM (SELECT * FROM messages WHERE room_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id");

  const before = db.query<Row, [string, number, number]>("SELECT * FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?");

  const add = db.transaction((roomId: string, username: string, message: string) => {
    const row = insert.get(roomId, username, message, Date.now())!;
    trimRoom.run(roomId, perRoom);
    trimAll.run(total);
    return toMessage(row);
  });

  return {
    add: async ({ roomId, username, message }) => add(roomId, username, message),
    history: async (roomId) => last.all(roomId, perRoom).map(toMessage),
    async *messages(roomId) {
      for (let page = before.all(roomId, Number.MAX_SAFE_INTEGER, PAGE); page.length; page = before.all(roomId, page.at(-1)!.id, PAGE)) {
        for (const row of page) yield toMessage(row);
        if (page.length < PAGE) return;
      }
    },
    close: () => db.close(),
  };
}
