#ifndef CSQLITETUNING_H
#define CSQLITETUNING_H

/// Turns off SQLite's memory statistics for the whole process. With them on (the library's default), every
/// allocation SQLite makes takes a process-wide mutex to keep the counters; the store writer allocates for every row.
/// Must run before SQLite is first used (sqlite3_config is refused after sqlite3_initialize).
/// Returns SQLite's result code: 0 (SQLITE_OK) when applied, 21 (SQLITE_MISUSE) when SQLite was already initialized.
/// (sqlite3_config is variadic, which Swift cannot call; hence this C function.)
int ocpp_sqlite_disable_memory_statistics(void);

/// Whether SQLite keeps memory statistics (1) or not (0), as sqlite3_status reports it: -1 when unknown.
int ocpp_sqlite_memory_statistics_enabled(void);

#endif
