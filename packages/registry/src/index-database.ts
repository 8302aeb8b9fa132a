import Database from 'better-sqlite3';

/**
 * Opens `index.sqlite`: the node's index (manifest-index.ts, derived data) and its transparency log
 * (node-log.ts, not derived) share one database, so that one transaction indexes a manifest and
 * appends its leaf.
 */
export function openIndexDatabase(file: string, options: { fsync: boolean }): Database.Database {
  const db = new Database(file);
  try {
    // One process owns a data directory (lockDataDir), so SQLite may hold its lock for the connection's
    // life: with the default NORMAL locking, every read transaction takes and drops a shared lock, two
    // fcntl calls per lookup (strace), about a fifth of a GET /v1/check under load. Set before WAL, so
    // the WAL index lives in the heap instead of a shared-memory file.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across a crash of the process (kill -9): committed WAL frames are in the OS's
    // page cache. FULL also survives power loss, at one fsync per commit.
    db.pragma(`synchronous = ${options.fsync ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = OFF');
    // 64 MiB of page cache, enough for the interior pages and much of the leaves of a million-work
    // index: a 10,000-id lookup then reads fewer pages through the OS (about 5% of a POST /v1/check
    // batch against 16 MiB). The registry benchmark's RSS bar (≤ 400 MB) includes it.
    db.pragma('cache_size = -65536');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
