/* test_farm_fetch: rt/farm.h's seal_farm_fetch_dir over 2 MPI ranks (run by
 * tests/mpi/test_mpi_fetch.sh; alone, one process, it skips). Rank 0 writes
 * files of 0 and 1 bytes, one chunk less one, one chunk, one chunk and one, and
 * three chunks and 7 (SEAL_TEST_FETCH_CHUNK bytes each, patterned bytes), plus a
 * subdirectory; rank 1 fetches the directory and must find every file's bytes,
 * no subdirectory, and for a directory rank 0 lacks an error naming it. With
 * SEAL_FETCH_BENCH_MB=n rank 1 also times a fetch of an n MiB file (the
 * messages' size as set, by default 256 MiB). Rank 0
 * serves from seal_farm_stop, which answers fetches while it waits. */
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "rt/farm.h"
#include "rt/rank.h"
#include "util/err.h"
#include "util/fsutil.h"

enum { TAG_READY = 99 };

static unsigned char byte_at(size_t i, int k) { return (unsigned char)((i * 31u + (unsigned)k * 7u) & 0xff); }

static void write_pattern(const char *dir, const char *name, size_t n, int k) {
    unsigned char *b = seal_malloc(n + 1);
    for (size_t i = 0; i < n; i++) b[i] = byte_at(i, k);
    if (seal_write_file_in(dir, name, b, n)) seal_die("%s", seal_errmsg());
    free(b);
}

static int same_pattern(const char *dir, const char *name, size_t n, int k) {
    char *path = seal_path_join(dir, name);
    size_t len = 0;
    char *b = seal_read_file(path, &len);
    int ok = b && len == n;
    for (size_t i = 0; ok && i < n; i++) ok = (unsigned char)b[i] == byte_at(i, k);
    free(b);
    free(path);
    return ok;
}

static size_t chunk(void) {
    const char *v = getenv("SEAL_TEST_FETCH_CHUNK");
    return v ? (size_t)atol(v) : 1000; /* unset: the files are 1000-based, each in one message of up to 256 MiB */
}

static const char *names[] = {"empty", "one", "c-1", "c", "c+1", "three"};

static size_t size_of(int k) {
    size_t c = chunk(), sizes[] = {0, 1, c - 1, c, c + 1, 3 * c + 7};
    return sizes[k];
}

static void rank0(const char *root) {
    char *src = seal_path_join(root, "src"), *sub = seal_path_join(src, "sub");
    if (seal_mkdir_p(sub)) seal_die("%s", seal_errmsg());
    for (int k = 0; k < 6; k++) write_pattern(src, names[k], size_of(k), k);
    write_pattern(sub, "inner", 10, 0);
    const char *mb = getenv("SEAL_FETCH_BENCH_MB");
    if (mb) write_pattern(root, "bench", (size_t)atol(mb) << 20, 9);
    seal_rank_send(1, TAG_READY, "", 0);
    seal_farm_stop(); /* answers rank 1's fetches until it leaves */
    free(src);
    free(sub);
}

static void rank1(const char *root) {
    char *buf = NULL, *src = seal_path_join(root, "src"), *dst = seal_path_join(root, "dst");
    size_t len;
    CHECK(seal_rank_recv(0, TAG_READY, -1, &buf, &len, NULL, NULL) == 1);
    free(buf);
    seal_mkdir_p(dst);
    CHECK_MSG(seal_farm_fetch_dir(src, dst) == 0, "%s", seal_errmsg());
    for (int k = 0; k < 6; k++) CHECK_MSG(same_pattern(dst, names[k], size_of(k), k), "%s", names[k]);
    char *sub = seal_path_join(dst, "sub");
    CHECK(!seal_is_dir(sub) && !seal_is_file(sub));
    char *missing = seal_path_join(root, "no-such-dir");
    CHECK_ERR(seal_farm_fetch_dir(missing, dst), "no-such-dir");
    CHECK_ERR(seal_farm_fetch_dir(missing, dst), "(on rank 0)");
    CHECK_MSG(seal_farm_fetch_dir(src, dst) == 0, "a fetch after a failed one: %s", seal_errmsg());
    const char *mb = getenv("SEAL_FETCH_BENCH_MB");
    if (mb) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        char *b = seal_path_join(dst, "b");
        seal_mkdir_p(b);
        CHECK_MSG(seal_farm_fetch_dir(root, b) == 0, "%s", seal_errmsg()); /* root holds bench */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        printf("fetch of %s MiB: %.2f s (%.0f MiB/s)\n", mb, s, (double)atol(mb) / s);
        CHECK(same_pattern(b, "bench", (size_t)atol(mb) << 20, 9));
        free(b);
    }
    free(missing);
    free(sub);
    free(src);
    free(dst);
    seal_farm_stop(); /* leave */
}

int main(int argc, char **argv) {
    if (seal_rank_init(&argc, &argv)) seal_die("%s", seal_errmsg());
    if (seal_rank_size() != 2 || argc < 2) {
        seal_rank_finalize();
        TEST_SKIP("run as 2 MPI ranks with a directory (tests/mpi/test_mpi_fetch.sh)");
    }
    if (seal_rank() == 0) rank0(argv[1]);
    else rank1(argv[1]);
    seal_rank_finalize();
    return seal_rank() == 0 ? 0 : check_report("test_farm_fetch");
}
