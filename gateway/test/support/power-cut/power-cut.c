/*
 * power-cut.so: an LD_PRELOAD shim that models what a power cut leaves on disk.
 *
 * A process killed with SIGKILL loses nothing the kernel already has: its page cache survives.
 * A power cut of the host loses every write that no fsync()/fdatasync() made durable. This shim
 * keeps, for every file whose path starts with $POWERCUT_FILE (the database, its -wal, -shm and
 * -journal), a shadow copy in the directory $POWERCUT_SHADOW that holds exactly what the last
 * sync of that file made durable:
 *   - write(), pwrite(), pwrite64() and ftruncate() on such a file are done as usual and also
 *     recorded, in order, as pending;
 *   - fsync() or fdatasync() on it applies that file's pending records to its shadow copy
 *     (a sync flushes the file's dirty pages, whichever descriptor wrote them, POSIX.1-2017
 *     fsync());
 *   - unlink() removes the shadow copy and the pending records.
 * After the process is killed, the test replaces the files by their shadow copies (a file never
 * synced has none and disappears): the disk as a pessimistic power cut leaves it, every
 * unsynced write lost. Directory syncs are not modelled (SQLite syncs the directory of a new
 * journal; here a file that was synced once keeps its name).
 *
 * The descriptor's path is read from /proc/self/fd at each call, so no open() or close() needs
 * to be followed. Without $POWERCUT_FILE and $POWERCUT_SHADOW the shim only passes calls on.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define PATH_MAX_LEN 512

enum kind { OP_WRITE, OP_TRUNCATE };

struct op {
  struct op *next;
  char path[PATH_MAX_LEN];
  enum kind kind;
  off_t off; /* OP_WRITE: where; OP_TRUNCATE: the new length */
  size_t len;
  unsigned char data[];
};

static const char *prefix;
static size_t prefix_len;
static const char *shadow_dir;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct op *head, **tailp = &head;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_unlink)(const char *);

__attribute__((constructor)) static void init(void) {
  real_write = dlsym(RTLD_NEXT, "write");
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
  real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
  real_unlink = dlsym(RTLD_NEXT, "unlink");
  prefix = getenv("POWERCUT_FILE");
  shadow_dir = getenv("POWERCUT_SHADOW");
  if (!prefix || !shadow_dir || !*prefix || !*shadow_dir) prefix = NULL;
  else prefix_len = strlen(prefix);
}

static int tracked_path(const char *p) {
  return prefix && strncmp(p, prefix, prefix_len) == 0 && strlen(p) < PATH_MAX_LEN;
}

/* The path of fd into out if it is a tracked file. */
static int tracked_fd(int fd, char *out) {
  if (!prefix) return 0;
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, PATH_MAX_LEN - 1);
  if (n <= 0) return 0;
  out[n] = 0;
  return tracked_path(out);
}

#define SHADOW_LEN (2 * PATH_MAX_LEN)

static void shadow_of(const char *path, char *out) {
  const char *base = strrchr(path, '/');
  int n = snprintf(out, SHADOW_LEN, "%s/%s", shadow_dir, base ? base + 1 : path);
  if (n < 0 || n >= SHADOW_LEN) abort(); /* a truncated name would shadow the wrong file */
}

static void record(const char *path, enum kind kind, off_t off, const void *data, size_t len) {
  struct op *o = malloc(sizeof *o + len);
  if (!o) abort(); /* a silently lost record would make the model lie */
  o->next = NULL;
  strcpy(o->path, path);
  o->kind = kind;
  o->off = off;
  o->len = len;
  if (len) memcpy(o->data, data, len);
  pthread_mutex_lock(&mu);
  *tailp = o;
  tailp = &o->next;
  pthread_mutex_unlock(&mu);
}

/* A sync of path: its pending records, oldest first, applied to its shadow copy. */
static void apply(const char *path) {
  char sp[SHADOW_LEN];
  shadow_of(path, sp);
  pthread_mutex_lock(&mu);
  int sfd = open(sp, O_RDWR | O_CREAT, 0644);
  if (sfd < 0) abort();
  struct op **pp = &head;
  while (*pp) {
    struct op *o = *pp;
    if (strcmp(o->path, path) != 0) {
      pp = &o->next;
      continue;
    }
    if (o->kind == OP_WRITE) {
      if (real_pwrite(sfd, o->data, o->len, o->off) != (ssize_t)o->len) abort();
    } else if (real_ftruncate(sfd, o->off) != 0) abort();
    *pp = o->next;
    if (tailp == &o->next) tailp = pp;
    free(o);
  }
  close(sfd);
  pthread_mutex_unlock(&mu);
}

ssize_t write(int fd, const void *buf, size_t n) {
  char path[PATH_MAX_LEN];
  if (!tracked_fd(fd, path)) return real_write(fd, buf, n);
  off_t off = lseek(fd, 0, SEEK_CUR);
  ssize_t r = real_write(fd, buf, n);
  if (r > 0 && off >= 0) record(path, OP_WRITE, off, buf, (size_t)r);
  return r;
}

static ssize_t do_pwrite(ssize_t (*f)(int, const void *, size_t, off_t), int fd, const void *buf, size_t n, off_t off) {
  char path[PATH_MAX_LEN];
  int t = tracked_fd(fd, path);
  ssize_t r = f(fd, buf, n, off);
  if (t && r > 0) record(path, OP_WRITE, off, buf, (size_t)r);
  return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) { return do_pwrite(real_pwrite, fd, buf, n, off); }
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return do_pwrite(real_pwrite64, fd, buf, n, off); }

static int do_truncate(int (*f)(int, off_t), int fd, off_t len) {
  char path[PATH_MAX_LEN];
  int t = tracked_fd(fd, path);
  int r = f(fd, len);
  if (t && r == 0) record(path, OP_TRUNCATE, len, NULL, 0);
  return r;
}

int ftruncate(int fd, off_t len) { return do_truncate(real_ftruncate, fd, len); }
int ftruncate64(int fd, off_t len) { return do_truncate(real_ftruncate64, fd, len); }

static int do_sync(int (*f)(int), int fd) {
  char path[PATH_MAX_LEN];
  int t = tracked_fd(fd, path);
  int r = f(fd);
  /* Only a sync that succeeded makes anything durable. */
  if (t && r == 0) apply(path);
  return r;
}

int fsync(int fd) { return do_sync(real_fsync, fd); }
int fdatasync(int fd) { return do_sync(real_fdatasync, fd); }

int unlink(const char *p) {
  int r = real_unlink(p);
  if (r == 0 && tracked_path(p)) {
    char sp[SHADOW_LEN];
    shadow_of(p, sp);
    pthread_mutex_lock(&mu);
    struct op **pp = &head;
    while (*pp) {
      struct op *o = *pp;
      if (strcmp(o->path, p) == 0) {
        *pp = o->next;
        if (tailp == &o->next) tailp = pp;
        free(o);
      } else pp = &o->next;
    }
    pthread_mutex_unlock(&mu);
    int e = errno;
    real_unlink(sp);
    errno = e;
  }
  return r;
}
