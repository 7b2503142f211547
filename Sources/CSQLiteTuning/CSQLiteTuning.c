#include "CSQLiteTuning.h"
#include <sqlite3.h>

int ocpp_sqlite_configure_process(void) {
    int memstatus = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int threading = sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    return memstatus != SQLITE_OK ? memstatus : threading;
}

int ocpp_sqlite_memory_statistics_enabled(void) {
    // With statistics off, SQLite reports zero bytes in use however much it holds.
    sqlite3_int64 current = 0, highwater = 0;
    if (sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highwater, 0) != SQLITE_OK) return -1;
    return current > 0 ? 1 : 0;
}

int ocpp_sqlite_connections_have_mutex(void) {
    sqlite3 *db = 0;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, 0) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    int has = sqlite3_db_mutex(db) != 0;
    sqlite3_close(db);
    return has;
}
