#include "CSQLiteTuning.h"
#include <malloc.h>

int ocpp_malloc_limit_arenas(int arenas) {
    return mallopt(M_ARENA_MAX, arenas) == 1 ? 0 : -1;
}
