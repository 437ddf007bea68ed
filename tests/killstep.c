/* killstep: an LD_PRELOAD shim for tests/history.sh that kills the process with SIGKILL at the
 * Nth sqlite3_step call (PB_KILL_AT_STEP=N), so an ingest can be killed in the middle of its
 * transaction at a chosen point, deterministically, without a hook in pinbench itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct sqlite3_stmt sqlite3_stmt;
int sqlite3_step(sqlite3_stmt *s);

int sqlite3_step(sqlite3_stmt *s)
{
    static int (*real)(sqlite3_stmt *);
    static long calls, at = -1;
    if (!real)
        real = (int (*)(sqlite3_stmt *))dlsym(RTLD_NEXT, "sqlite3_step");
    if (at < 0) {
        const char *e = getenv("PB_KILL_AT_STEP");
        at = e ? atol(e) : 0;
    }
    if (at > 0 && ++calls == at)
        kill(getpid(), SIGKILL);
    return real(s);
}
