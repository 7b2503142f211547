#ifndef CSQLITETUNING_H
#define CSQLITETUNING_H

/// Process-wide SQLite settings for the server, applied before SQLite is first used (sqlite3_config is refused
/// after sqlite3_initialize). Both remove a mutex from the store writer's path, row by row:
/// - memory statistics off: with them on (the library's default) every allocation SQLite makes takes a
///   process-wide mutex to keep the counters;
/// - multi-thread mode: connections carry no mutex of their own, so binds and steps take none. GRDB already
///   serializes each connection's use, and documents multi-thread mode as the one it supports.
/// Returns 0 (SQLITE_OK) when both were applied, else SQLite's result code (21, SQLITE_MISUSE: SQLite was already
/// initialized). (sqlite3_config is variadic, which Swift cannot call; hence this C function.)
int ocpp_sqlite_configure_process(void);

/// Whether SQLite keeps memory statistics: 1 or 0, -1 when unknown. Meaningful only while a connection is open
/// (with statistics on and nothing allocated it also reads 0).
int ocpp_sqlite_memory_statistics_enabled(void);

/// Whether a new connection gets a mutex of its own (serialized mode): 1 or 0, -1 when unknown.
int ocpp_sqlite_connections_have_mutex(void);

/// glibc's malloc: at most `arenas` arenas (mallopt M_ARENA_MAX; by default 8 per core). Each thread that allocates
/// may get an arena of its own, and memory freed in one is not reused by another. Returns 0, or -1 when refused.
int ocpp_malloc_limit_arenas(int arenas);

#endif
