#include "util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"

char *seal_read_file(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { seal_err("%s: cannot open: %s", path, strerror(errno)); return NULL; }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        seal_err("%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) { seal_err("%s: is a directory, expected a file", path); close(fd); return NULL; }
    /* st_size is a hint only (pipes and /proc files report 0): grow as needed. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    char *buf = seal_malloc(cap);
    for (;;) {
        if (n + 1 >= cap) buf = seal_realloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            seal_err("%s: read error: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

char *seal_path_join(const char *dir, const char *name) {
    size_t dn = strlen(dir), nn = strlen(name);
    if (dn == 0) return seal_strdup(name);
    int slash = dir[dn - 1] != '/';
    char *p = seal_malloc(dn + (size_t)slash + nn + 1);
    memcpy(p, dir, dn);
    if (slash) p[dn] = '/';
    memcpy(p + dn + slash, name, nn + 1);
    return p;
}

int seal_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int seal_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int seal_mkdir_p(const char *path) {
    if (!*path) return seal_err("mkdir: empty path");
    char *p = seal_strdup(path);
    /* Create each prefix ending before a '/', then the whole path. */
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            seal_err("%s: cannot create directory: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        *s = c;
        if (!c) break;
    }
    free(p);
    if (!seal_is_dir(path)) return seal_err("%s: exists and is not a directory", path);
    return 0;
}

/* The directory holding path ("." for a bare name), malloc'd. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return seal_strdup(".");
    if (slash == path) return seal_strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = seal_malloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

/* "dir/.seal-tmp-PID-XXXXXX", the mkstemp/mkdtemp pattern of every temp file or
 * directory of ours (seal_clean_stale_tmp knows them by it). Malloc'd. */
static char *tmp_pattern(const char *dir) {
    char name[64];
    snprintf(name, sizeof name, ".seal-tmp-%ld-XXXXXX", (long)getpid());
    return seal_path_join(dir, name);
}

/* Make a rename in dir durable. Failure is not worth reporting: the data are
 * complete and some file systems refuse fsync on a directory. */
static void fsync_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
}

int seal_atomic_begin(seal_atomic_file *a, const char *path) {
    char *dir = dir_of(path);
    a->tmp_path = tmp_pattern(dir);
    seal_clean_stale_tmp(dir);
    free(dir);
    a->path = seal_strdup(path);
    a->fd = mkostemp(a->tmp_path, O_CLOEXEC);
    if (a->fd < 0) {
        seal_err("%s: cannot create temp file %s: %s", path, a->tmp_path, strerror(errno));
        free(a->tmp_path);
        free(a->path);
        a->tmp_path = a->path = NULL;
        return -1;
    }
    /* mkstemp makes 0600; a written model should get the usual umask mode. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(a->fd, 0666 & ~mask);
    return 0;
}

int seal_atomic_write(seal_atomic_file *a, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(a->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return seal_err("%s: write error: %s", a->tmp_path, strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void seal_atomic_abort(seal_atomic_file *a) {
    if (a->fd >= 0) close(a->fd);
    if (a->tmp_path) unlink(a->tmp_path);
    free(a->tmp_path);
    free(a->path);
    a->fd = -1;
    a->tmp_path = a->path = NULL;
}

int seal_atomic_commit(seal_atomic_file *a) {
    if (fsync(a->fd) != 0) {
        seal_err("%s: fsync failed: %s", a->tmp_path, strerror(errno));
        seal_atomic_abort(a);
        return -1;
    }
    int rc = close(a->fd);
    a->fd = -1;
    if (rc != 0) {
        seal_err("%s: close failed: %s", a->tmp_path, strerror(errno));
        seal_atomic_abort(a);
        return -1;
    }
    if (rename(a->tmp_path, a->path) != 0) {
        seal_err("%s: cannot rename %s onto it: %s", a->path, a->tmp_path, strerror(errno));
        seal_atomic_abort(a);
        return -1;
    }
    char *dir = dir_of(a->path);
    fsync_dir(dir);
    free(dir);
    free(a->tmp_path);
    free(a->path);
    a->tmp_path = a->path = NULL;
    return 0;
}

int seal_write_file_atomic(const char *path, const void *data, size_t len) {
    seal_atomic_file a;
    if (seal_atomic_begin(&a, path)) return -1;
    if (seal_atomic_write(&a, data, len)) { seal_atomic_abort(&a); return -1; }
    return seal_atomic_commit(&a);
}


int seal_fclose_checked(FILE *f, const char *path) {
    errno = 0;
    int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int err = errno;
    bad |= fclose(f) != 0;
    if (!bad) return 0;
    return seal_err("%s: write error: %s", path, strerror(err ? err : errno ? errno : EIO));
}

int seal_write_file_in(const char *dir, const char *name, const void *data, size_t len) {
    char *path = seal_path_join(dir, name);
    int rc = seal_write_file_atomic(path, data, len);
    free(path);
    return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

int seal_rm_rf(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) return seal_err("%s: cannot remove: %s", path, strerror(errno));
    return 0;
}

int seal_replace_dir(const char *tmp, const char *dir) {
    size_t n = strlen(dir) + 8;
    char *old = seal_malloc(n);
    snprintf(old, n, "%s.old", dir);
    int rc = 0;
    if (seal_rm_rf(old)) rc = -1;
    else if (seal_is_dir(dir) && rename(dir, old) != 0) rc = seal_err("%s: cannot rename to %s: %s", dir, old, strerror(errno));
    else if (rename(tmp, dir) != 0) {
        rc = seal_err("%s: cannot rename to %s: %s", tmp, dir, strerror(errno));
        if (seal_is_dir(old)) rename(old, dir);
    } else rc = seal_rm_rf(old);
    free(old);
    return rc;
}

void seal_replace_dir_recover(const char *dir) {
    size_t n = strlen(dir) + 8;
    char *old = seal_malloc(n);
    snprintf(old, n, "%s.old", dir);
    if (!seal_is_dir(dir) && seal_is_dir(old)) rename(old, dir);
    free(old);
}

/* realpath of path, or of its deepest existing parent with the rest appended
 * (an output usually does not exist yet). Malloc'd. */
static char *resolve_path(const char *path) {
    char *r = realpath(path, NULL);
    if (r) return r;
    char *dir = dir_of(path);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *rd = strcmp(dir, path) ? resolve_path(dir) : seal_strdup(dir);
    char *out = *base ? seal_path_join(rd, base) : seal_strdup(rd);
    free(dir);
    free(rd);
    return out;
}

/* 1 if b is a or lies below it (both resolved). */
static int path_within(const char *a, const char *b) {
    size_t n = strlen(a);
    return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/' || (n == 1 && a[0] == '/'));
}

static int is_nonempty(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) return st.st_size > 0 || !S_ISREG(st.st_mode);
    DIR *d = opendir(path);
    if (!d) return 1;
    struct dirent *e;
    int any = 0;
    while (!any && (e = readdir(d)))
        any = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return any;
}

int seal_output_check(const char *path, const char *option, int force, const char *const *inputs) {
    if (!path || !*path) return seal_err("%s: empty path", option);
    char *out = resolve_path(path);
    int rc = 0;
    for (int i = 0; inputs && inputs[i] && !rc; i++) {
        char *in = resolve_path(inputs[i]);
        if (path_within(in, out) || path_within(out, in))
            rc = seal_err("%s %s: would write into the input %s; choose another path", option, path, inputs[i]);
        free(in);
    }
    free(out);
    if (!rc && !force && is_nonempty(path))
        rc = seal_err("%s %s: already exists and is not empty; pass --force to replace it", option, path);
    return rc;
}

void seal_clean_stale_tmp(const char *dir) {
    DIR *d = opendir(*dir ? dir : ".");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        long pid;
        int used = 0;
        if (sscanf(e->d_name, ".seal-tmp-%ld-%n", &pid, &used) != 1 || used == 0 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or not ours to judge */
        char *p = seal_path_join(dir, e->d_name);
        seal_rm_rf(p);
        free(p);
    }
    closedir(d);
}

/* OUT without trailing slashes (so that its parent is its parent), malloc'd. */
static char *strip_slashes(const char *out) {
    char *p = seal_strdup(out);
    for (size_t n = strlen(p); n > 1 && p[n - 1] == '/'; n--) p[n - 1] = '\0';
    return p;
}

static const char partial_note[] =
    "This directory is an unfinished seal output (the process writing it was killed or failed).\n"
    "Nothing in it is a finished result. The next seal run writing beside it removes it.\n";

char *seal_outdir_begin(const char *out) {
    if (!out || !*out) { seal_err("output directory: empty path"); return NULL; }
    char *o = strip_slashes(out), *parent = dir_of(o), *tmp = tmp_pattern(parent);
    char *rc = NULL;
    if (seal_mkdir_p(parent) == 0) {
        seal_replace_dir_recover(o); /* a crash between a previous commit's two renames */
        seal_clean_stale_tmp(parent);
        if (!mkdtemp(tmp)) seal_err("%s: cannot create a temp directory in %s: %s", out, parent, strerror(errno));
        else {
            mode_t mask = umask(0); /* mkdtemp makes 0700: give the output the usual mode */
            umask(mask);
            chmod(tmp, 0777 & ~mask);
            char *note = seal_path_join(tmp, "PARTIAL");
            if (seal_write_file_atomic(note, partial_note, sizeof partial_note - 1) == 0) rc = tmp;
            else seal_rm_rf(tmp);
            free(note);
        }
    }
    if (!rc) free(tmp);
    free(o);
    free(parent);
    return rc;
}

int seal_outdir_commit(char *tmp, const char *out) {
    char *note = seal_path_join(tmp, "PARTIAL"), *o = strip_slashes(out);
    int rc = unlink(note) != 0 ? seal_err("%s: cannot remove: %s", note, strerror(errno)) : seal_replace_dir(tmp, o);
    if (rc == 0) { /* make the renames durable */
        char *parent = dir_of(o);
        fsync_dir(parent);
        free(parent);
    } else {
        seal_rm_rf(tmp);
    }
    free(note);
    free(o);
    free(tmp);
    return rc;
}

void seal_outdir_abort(char *tmp) {
    if (!tmp) return;
    seal_rm_rf(tmp);
    free(tmp);
}
