// The chat's limits: the schema and the server enforce them, the web apps and the terminal
// client say them before the server has to.
export const LIMITS = {
  /** Characters of a name, after `normaliseName`. */
  name: 24,
  /** Characters of a room's name. */
  room: 40,
  /** Characters of one message. */
  message: 2_000,
  /** Rooms one connection may be in at once. */
  roomsPerConnection: 10,
  /** Messages one connection may send in a burst, then `sendsPerSecond`. */
  sendBurst: 10,
  sendsPerSecond: 2,
  /** Characters of a search of a room's history. */
  searchQuery: 100,
  /** Matches one search streams at most (newest first). */
  searchResults: 50,
  /** Searches one connection may start in a burst, then `searchesPerSecond`. */
  searchBurst: 10,
  searchesPerSecond: 1,
  /** Messages kept across all rooms; past it the oldest go, whatever their room. */
  storedMessages: 10_000,
} as const;
