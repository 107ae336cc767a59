/* A slower disk for bench/charge.py: every fsync and fdatasync of the process waits FSYNC_LENT_US
 * microseconds (default 2000) before the real one, as on a network disk or an SSD without
 * power-loss protection. Loaded with LD_PRELOAD into the server and the etalons example alike; never
 * used outside the benchmark.
 *
 *   gcc -shared -fPIC -O2 -o fsync-lent.so bench/fsync-lent.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static long attente_us(void) {
    static long us = -1;
    if (us < 0) {
        const char *texte = getenv("FSYNC_LENT_US");
        us = texte ? atol(texte) : 2000;
        if (us < 0) us = 0;
    }
    return us;
}

static void attendre(void) {
    long us = attente_us();
    struct timespec t = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&t, &t) != 0) {
    }
}

int fdatasync(int fd) {
    static int (*vrai)(int) = 0;
    if (!vrai) vrai = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    attendre();
    return vrai(fd);
}

int fsync(int fd) {
    static int (*vrai)(int) = 0;
    if (!vrai) vrai = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    attendre();
    return vrai(fd);
}
