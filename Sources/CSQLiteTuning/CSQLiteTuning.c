#include "CSQLiteTuning.h"
#include <sqlite3.h>

int ocpp_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int ocpp_sqlite_memory_statistics_enabled(void) {
    // With statistics off, SQLite reports zero bytes in use however much it holds.
    sqlite3_int64 current = 0, highwater = 0;
    if (sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highwater, 0) != SQLITE_OK) return -1;
    return current > 0 ? 1 : 0;
}
