/* Test driver: dlopen()s an NSS module and calls _nss_stns_* directly, so the
 * tests see the exact status, errno and buffer behaviour glibc would see.
 *
 *   driver MODULE getpwnam|getpwuid|getgrnam|getgrgid|getspnam KEY BUFSIZE
 *   driver MODULE getpwent|getgrent|getspent BUFSIZE   (grows on ERANGE)
 *   driver MODULE initgroups USER GID
 *   driver MODULE erange getpwnam|getgrnam|... KEY     (1, 16, 64, then 65536)
 *   driver MODULE threads THREADS N USER PWLINE GID GRLINE [USER PWLINE GID GRLINE]...
 *   driver MODULE threads-sizes THREADS N USER PWLINE GID GRLINE [...]
 *   driver MODULE threads-glibc THREADS N USER PWLINE GID GRLINE [...]
 *     (as threads-sizes, but through glibc's getpwnam_r/getgrgid_r with
 *      passwd and group set to "stns": libnss_stns.so.2 must be on LD_LIBRARY_PATH)
 *
 * A found entry prints as a getent line; anything else as "STATUS ERRNO". */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pthread.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 1048576

typedef enum nss_status (*by_key_fn)(const char *, void *, char *, size_t, int *);
typedef enum nss_status (*by_id_fn)(unsigned, void *, char *, size_t, int *);
typedef enum nss_status (*set_fn)(int);
typedef enum nss_status (*next_fn)(void *, char *, size_t, int *);
typedef enum nss_status (*end_fn)(void);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long *, long *, gid_t **, long,
                                         int *);

static void *module;

/* glibc: use only `service_line` for database `db` in this process (what getent -s does). */
extern int __nss_configure_lookup(const char *db, const char *service_line);

/* Resolves one _nss_stns_ symbol or dies. */
static void *sym(const char *name) {
  char full[128];
  snprintf(full, sizeof full, "_nss_stns_%s", name);
  void *f = dlsym(module, full);
  if (!f) {
    fprintf(stderr, "missing %s\n", full);
    exit(3);
  }
  return f;
}

/* NSS status as its name. */
static const char *status_name(enum nss_status s) {
  switch (s) {
    case NSS_STATUS_SUCCESS: return "SUCCESS";
    case NSS_STATUS_NOTFOUND: return "NOTFOUND";
    case NSS_STATUS_UNAVAIL: return "UNAVAIL";
    case NSS_STATUS_TRYAGAIN: return "TRYAGAIN";
    default: return "OTHER";
  }
}

/* errno as its symbolic name, for stable test output. */
static const char *errno_name(int e) {
  static const struct { int e; const char *n; } names[] = {
      {0, "0"},           {ENOENT, "ENOENT"}, {EAGAIN, "EAGAIN"}, {ERANGE, "ERANGE"},
      {EACCES, "EACCES"}, {EINVAL, "EINVAL"}, {ENOMEM, "ENOMEM"}, {-1, NULL}};
  for (int i = 0; names[i].n; i++)
    if (names[i].e == e) return names[i].n;
  return "EOTHER";
}

/* A shadow number as getent prints it: -1 is empty. */
static void num(char *out, size_t size, long v) {
  if (v == -1) out[0] = '\0';
  else snprintf(out, size, "%ld", v);
}

/* Formats one entry of `db` as getent does. */
static void format_entry(const char *db, const void *entry, char *out, size_t size) {
  if (db[0] == 'p') {
    const struct passwd *p = entry;
    snprintf(out, size, "%s:%s:%u:%u:%s:%s:%s", p->pw_name, p->pw_passwd, p->pw_uid,
             p->pw_gid, p->pw_gecos, p->pw_dir, p->pw_shell);
  } else if (db[0] == 'g') {
    const struct group *g = entry;
    int n = snprintf(out, size, "%s:%s:%u:", g->gr_name, g->gr_passwd, g->gr_gid);
    for (char **m = g->gr_mem; *m; m++)
      n += snprintf(out + n, size - (size_t)n, "%s%s", m == g->gr_mem ? "" : ",", *m);
  } else {
    const struct spwd *s = entry;
    char f[6][24], flag[24];
    long v[6] = {s->sp_lstchg, s->sp_min, s->sp_max, s->sp_warn, s->sp_inact, s->sp_expire};
    for (int i = 0; i < 6; i++) num(f[i], sizeof f[i], v[i]);
    if (s->sp_flag == ~0UL) flag[0] = '\0';
    else snprintf(flag, sizeof flag, "%lu", s->sp_flag);
    snprintf(out, size, "%s:%s:%s:%s:%s:%s:%s:%s:%s", s->sp_namp, s->sp_pwdp, f[0], f[1], f[2],
             f[3], f[4], f[5], flag);
  }
}

/* The map name ("pw", "gr", "sp") of a lookup name like "getgrgid". */
static const char *db_of(const char *op) { return op + 3; }

/* One keyed lookup into a buffer of `size` bytes. */
static enum nss_status lookup(const char *op, const char *key, void *entry, char *buf,
                              size_t size, int *err) {
  char name[32];
  snprintf(name, sizeof name, "%s_r", op);
  if (strcmp(op, "getpwuid") == 0 || strcmp(op, "getgrgid") == 0)
    return ((by_id_fn)sym(name))((unsigned)strtoul(key, NULL, 10), entry, buf, size, err);
  return ((by_key_fn)sym(name))(key, entry, buf, size, err);
}

/* glibc's own entry points, so the threaded run also covers its NSS dispatch
 * layer; the return code is mapped back to the module's status and errno. */
static enum nss_status lookup_glibc(const char *op, const char *key, void *entry, char *buf,
                                    size_t size, int *err) {
  void *result = NULL;
  int rc = strcmp(op, "getpwnam") == 0
               ? getpwnam_r(key, entry, buf, size, (struct passwd **)&result)
               : getgrgid_r((gid_t)strtoul(key, NULL, 10), entry, buf, size,
                            (struct group **)&result);
  if (rc == ERANGE) {
    *err = ERANGE;
    return NSS_STATUS_TRYAGAIN;
  }
  if (rc == 0 && result) return NSS_STATUS_SUCCESS;
  *err = rc ? rc : ENOENT;
  return rc ? NSS_STATUS_UNAVAIL : NSS_STATUS_NOTFOUND;
}

/* Which entry points the threaded modes call. */
static enum nss_status (*threaded_lookup)(const char *, const char *, void *, char *, size_t,
                                          int *) = lookup;

/* Prints the entry or "STATUS ERRNO"; exit status 0 only when found. */
static int report(const char *op, enum nss_status s, int err, const void *entry) {
  static char line[LINE_MAX_BYTES];
  if (s != NSS_STATUS_SUCCESS) {
    printf("%s %s\n", status_name(s), errno_name(err));
    return 2;
  }
  format_entry(db_of(op), entry, line, sizeof line);
  printf("%s\n", line);
  return 0;
}

/* `driver MODULE getpwnam KEY BUFSIZE` */
static int run_lookup(const char *op, const char *key, size_t size) {
  union { struct passwd p; struct group g; struct spwd s; } entry;
  char *buf = malloc(size ? size : 1);
  int err = 0;
  errno = EDOM;
  enum nss_status s = lookup(op, key, &entry, buf, size, &err);
  if (s == NSS_STATUS_SUCCESS && errno != EDOM) printf("errno changed on success\n");
  int rc = report(op, s, err, &entry);
  free(buf);
  return rc;
}

/* Tries 1, 16 and 64 bytes (ERANGE and an untouched buffer, or a fit), then 65536. */
static int run_erange(const char *op, const char *key) {
  static const size_t sizes[] = {1, 16, 64};
  union { struct passwd p; struct group g; struct spwd s; } entry;
  char buf[65536];
  for (int i = 0; i < 3; i++) {
    int err = 0;
    memset(buf, 0xA5, sizeof buf);
    enum nss_status s = lookup(op, key, &entry, buf, sizes[i], &err);
    if (s == NSS_STATUS_SUCCESS) {
      printf("%zu:fits ", sizes[i]);
      continue;
    }
    for (size_t j = 0; j < sizes[i]; j++)
      if ((unsigned char)buf[j] != 0xA5) {
        printf("%zu:buffer written on %s\n", sizes[i], status_name(s));
        return 1;
      }
    printf("%zu:%s/%s ", sizes[i], status_name(s), errno_name(err));
  }
  int err = 0;
  enum nss_status s = lookup(op, key, &entry, buf, sizeof buf, &err);
  printf("\n");
  return report(op, s, err, &entry);
}

/* `driver MODULE getpwent BUFSIZE`: enumerates, doubling the buffer on ERANGE. */
static int run_enum(const char *op, size_t size) {
  char name[32];
  const char *db = db_of(op);
  union { struct passwd p; struct group g; struct spwd s; } entry;
  static char line[LINE_MAX_BYTES];
  int ranges = 0, err = 0;
  snprintf(name, sizeof name, "set%s", db);
  enum nss_status s = ((set_fn)sym(name))(0);
  if (s != NSS_STATUS_SUCCESS) printf("set %s %s\n", status_name(s), errno_name(0));
  snprintf(name, sizeof name, "get%s_r", db);
  next_fn next = (next_fn)sym(name);
  char *buf = malloc(size);
  while ((s = next(&entry, buf, size, &err)) == NSS_STATUS_SUCCESS ||
         (s == NSS_STATUS_TRYAGAIN && err == ERANGE)) {
    if (s == NSS_STATUS_TRYAGAIN) {
      ranges++;
      buf = realloc(buf, size *= 2);
      continue;
    }
    format_entry(db, &entry, line, sizeof line);
    printf("%s\n", line);
  }
  printf("end %s %s erange=%d\n", status_name(s), errno_name(err), ranges);
  snprintf(name, sizeof name, "end%s", db);
  ((end_fn)sym(name))();
  free(buf);
  return 0;
}

/* `driver MODULE initgroups USER GID`: starts from a one-slot list as glibc may. */
static int run_initgroups(const char *user, gid_t gid) {
  long start = 1, size = 1;
  gid_t *groups = malloc(sizeof(gid_t));
  int err = 0;
  groups[0] = gid;
  enum nss_status s = ((initgroups_fn)sym("initgroups_dyn"))(user, gid, &start, &size,
                                                              &groups, 0, &err);
  if (s != NSS_STATUS_SUCCESS) printf("%s %s\n", status_name(s), errno_name(err));
  else
    for (long i = 0; i < start; i++) printf("%u\n", groups[i]);
  free(groups);
  return s == NSS_STATUS_SUCCESS ? 0 : 2;
}

/* One user and one group a thread looks up, with the getent lines they must give. */
struct expected {
  const char *user, *pwline, *gid, *grline;
};

/* What every thread looks up and must get back, and what it counted. */
struct job {
  int index, rounds;
  const struct expected *expect;
  int nexpect;
  const size_t *sizes;
  int nsizes;
  long lookups, eranges;
  int failures;
};

/* Looks up op/key from a `size`-byte buffer up, doubling on ERANGE; 0 on a match. */
static int check_one(struct job *job, const char *op, const char *key, const char *want,
                     size_t size) {
  union { struct passwd p; struct group g; struct spwd s; } entry;
  char line[4096];
  char *buf = malloc(size);
  int err = 0;
  enum nss_status s;
  while ((s = threaded_lookup(op, key, &entry, buf, size, &err)) == NSS_STATUS_TRYAGAIN &&
         err == ERANGE) {
    job->eranges++;
    buf = realloc(buf, size *= 2);
  }
  job->lookups++;
  int bad = s != NSS_STATUS_SUCCESS;
  if (!bad) {
    format_entry(db_of(op), &entry, line, sizeof line);
    bad = strcmp(line, want) != 0;
  }
  if (bad && job->failures == 0)
    fprintf(stderr, "thread %d: %s %s: %s %s\n", job->index, op, key, status_name(s),
            s == NSS_STATUS_SUCCESS ? line : errno_name(err));
  free(buf);
  return bad;
}

/* One thread's share: rotates users, groups and starting buffer sizes by round and thread. */
static void *worker(void *arg) {
  struct job *job = arg;
  for (int i = 0; i < job->rounds; i++) {
    size_t size = job->sizes[(i + job->index) % job->nsizes];
    const struct expected *u = &job->expect[(i + job->index) % job->nexpect];
    const struct expected *g = &job->expect[(i + job->index + 1) % job->nexpect];
    job->failures += check_one(job, "getpwnam", u->user, u->pwline, size);
    job->failures += check_one(job, "getgrgid", g->gid, g->grline, size);
  }
  return NULL;
}

/* `driver MODULE threads|threads-sizes THREADS N USER PWLINE GID GRLINE [USER PWLINE GID GRLINE]...`
 * threads starts every lookup from 1 byte and prints "failures=N";
 * threads-sizes starts from 1, 16, 64 or 1024 bytes and prints
 * "lookups=N eranges=N failures=N". */
static int run_threads(int argc, char **argv, int sized) {
  static const size_t one_byte[] = {1};
  static const size_t rotating[] = {1, 16, 64, 1024};
  struct expected expect[16];
  int count = atoi(argv[0]), nexpect = (argc - 2) / 4;
  pthread_t tid[64];
  struct job jobs[64];
  long lookups = 0, eranges = 0, failures = 0;
  if (count < 1 || count > 64 || argc < 6 || (argc - 2) % 4 != 0 || nexpect > 16) return 3;
  for (int i = 0; i < nexpect; i++)
    expect[i] = (struct expected){argv[2 + 4 * i], argv[3 + 4 * i], argv[4 + 4 * i], argv[5 + 4 * i]};
  for (int i = 0; i < count; i++) {
    jobs[i] = (struct job){i, atoi(argv[1]), expect, nexpect, sized ? rotating : one_byte,
                           sized ? 4 : 1, 0, 0, 0};
    pthread_create(&tid[i], NULL, worker, &jobs[i]);
  }
  for (int i = 0; i < count; i++) {
    pthread_join(tid[i], NULL);
    lookups += jobs[i].lookups;
    eranges += jobs[i].eranges;
    failures += jobs[i].failures;
  }
  if (sized) printf("lookups=%ld eranges=%ld failures=%ld\n", lookups, eranges, failures);
  else printf("failures=%ld\n", failures);
  return failures ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: driver MODULE MODE ARGS...\n");
    return 3;
  }
  module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!module) {
    fprintf(stderr, "%s\n", dlerror());
    return 3;
  }
  const char *mode = argv[2];
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (strcmp(mode, "erange") == 0 && argc == 5) return run_erange(argv[3], argv[4]);
  if (strcmp(mode, "initgroups") == 0 && argc == 5)
    return run_initgroups(argv[3], (gid_t)strtoul(argv[4], NULL, 10));
  if (strcmp(mode, "threads") == 0) return run_threads(argc - 3, argv + 3, 0);
  if (strcmp(mode, "threads-sizes") == 0) return run_threads(argc - 3, argv + 3, 1);
  if (strcmp(mode, "threads-glibc") == 0) {
    __nss_configure_lookup("passwd", "stns");
    __nss_configure_lookup("group", "stns");
    threaded_lookup = lookup_glibc;
    return run_threads(argc - 3, argv + 3, 1);
  }
  if (strstr(mode, "ent") && argc == 4) return run_enum(mode, strtoul(argv[3], NULL, 10));
  if (argc == 5) return run_lookup(mode, argv[3], strtoul(argv[4], NULL, 10));
  fprintf(stderr, "bad arguments for %s\n", mode);
  return 3;
}
