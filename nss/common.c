/* Transport to the resolver (socket, then exec fallback), guards, and the
 * status/errno rules shared by every map. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"

#ifndef STNS_QUERY_PATH
#define STNS_QUERY_PATH "/usr/local/bin/stns-query"
#endif
#ifndef STNS_PUBLIC_SOCKET
#define STNS_PUBLIC_SOCKET "/run/stns-query/nss.sock"
#endif
#ifndef STNS_PRIVATE_SOCKET
#define STNS_PRIVATE_SOCKET "/run/stns-query/private.sock"
#endif
#ifndef STNS_TIMEOUT_MS
#define STNS_TIMEOUT_MS 10000
#endif
#ifndef STNS_HELPER_COOLDOWN_MS
#define STNS_HELPER_COOLDOWN_MS 10000
#endif

/* Internal only: nothing listens on this socket path, try the next way. */
#define NO_RESOLVER (-ENOTCONN)
#define CHUNK 4096

/* What one transport brings back: a status and a malloc'd body. */
struct reply {
  int status;
  char *body;
  size_t len;
};

/* Programs that run before the resolver can: answering them must not wait. */
static const char *const boot_programs[] = {
    "init", "systemd", "(systemd)", "systemd-resolved", "(resolved)",
    "dbus-daemon", "dbus-broker", NULL,
};

/* Set in the helper's environment so the helper never recurses into us. */
int stns_loop_guarded(void) { return getenv(STNS_LOOP_GUARD_ENV) != NULL; }

/* comm is cut to 15 bytes, so "systemd-resolve" must match too. */
static int is_boot_program(const char *name, size_t max) {
  for (const char *const *p = boot_programs; *p; p++)
    if (strncmp(name, *p, max) == 0 && (strlen(*p) <= max || strlen(name) == max))
      return 1;
  return 0;
}

/* The kernel's short name of this process, without the newline. */
static int read_comm(char *out, size_t size) {
  int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  if (n <= 0) return -EIO;
  out[n] = '\0';
  out[strcspn(out, "\n")] = '\0';
  return 0;
}

/* Early-boot guard: init, systemd and D-Bus get "not found" at once (a
 * lookup from them could wait on a resolver that waits on them). */
static int boot_guarded(void) {
  char path[PATH_MAX], comm[32];
  if (is_boot_program(program_invocation_short_name, SIZE_MAX)) return 1;
  if (read_comm(comm, sizeof comm) == 0 && is_boot_program(comm, 15)) return 1;
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  const char *base = strrchr(path, '/');
  return is_boot_program(base ? base + 1 : path, SIZE_MAX);
}

/* Milliseconds on the monotonic clock, for one deadline per lookup. */
static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() one fd until the deadline; 0 when ready, -ETIMEDOUT after it. */
static int wait_fd(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return -ETIMEDOUT;
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
    if (r > 0) return 0;
    if (r == 0) return -ETIMEDOUT;
    if (errno != EINTR) return -errno;
  }
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *s) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80) return 0;
  if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
      (c == 0xf4 && s[1] > 0x8f))
    return 0;
  return n;
}

/* A key no resolver can know (space, ':', ',', control, invalid UTF-8 --
 * STNS names are JSON strings --, too long) is simply not found; this also
 * keeps the request one well-formed line. */
static int build_request(const char *op, const char *arg, char *line, size_t size) {
  if (arg) {
    size_t n = strlen(arg), step;
    if (n == 0 || n > 255) return -ENOENT;
    for (const unsigned char *c = (const unsigned char *)arg; *c; c += step) {
      if (*c <= ' ' || *c == ':' || *c == ',' || *c == 0x7f) return -ENOENT;
      if ((step = utf8_sequence(c)) == 0) return -ENOENT;
    }
  }
  int n = arg ? snprintf(line, size, "%s %s %s\n", STNS_PROTOCOL_MAGIC, op, arg)
              : snprintf(line, size, "%s %s\n", STNS_PROTOCOL_MAGIC, op);
  return n < 0 || (size_t)n >= size ? -ENOENT : n;
}

/* Socket paths are build-time settings; tests may move them, setuid
 * callers may not (secure_getenv). */
static const char *socket_path(int private_socket) {
  const char *env = secure_getenv(private_socket ? "STNS_QUERY_PRIVATE_SOCKET"
                                                 : "STNS_QUERY_PUBLIC_SOCKET");
  if (env && *env) return env;
  return private_socket ? STNS_PRIVATE_SOCKET : STNS_PUBLIC_SOCKET;
}

/* Non-blocking connect; the errors that mean "nobody listens" become
 * NO_RESOLVER so the caller falls back. */
static int connect_socket(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) return NO_RESOLVER;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -errno;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) return fd;
  int err = errno;
  close(fd);
  if (err == ENOENT || err == ECONNREFUSED || err == EACCES || err == ENOTDIR)
    return NO_RESOLVER;
  return -err;
}

/* Writes the whole request; MSG_NOSIGNAL so a vanished peer is EPIPE. */
static int send_all(int fd, const char *data, size_t len, long long deadline) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return -errno;
    int rc = wait_fd(fd, POLLOUT, deadline);
    if (rc < 0) return rc;
  }
  return 0;
}

/* Reads what is there (waiting until the deadline); 0 bytes means EOF. */
static ssize_t read_some(int fd, char *buf, size_t size, long long deadline) {
  for (;;) {
    ssize_t n = read(fd, buf, size);
    if (n >= 0) return n;
    if (errno != EAGAIN && errno != EINTR) return -errno;
    int rc = wait_fd(fd, POLLIN, deadline);
    if (rc < 0) return rc;
  }
}

/* Makes room for `need` more bytes (plus a NUL) in a growing buffer. */
static int reserve(char **buf, size_t *cap, size_t used, size_t need) {
  if (used + need + 1 <= *cap) return 0;
  size_t want = *cap ? *cap : CHUNK;
  while (want < used + need + 1) want *= 2;
  char *grown = realloc(*buf, want);
  if (!grown) return -ENOMEM;
  *buf = grown;
  *cap = want;
  return 0;
}

/* Reads 1..max decimal digits ending at `stop`; NULL when malformed. */
static const char *digits(const char *p, int max, char stop, unsigned long long *out) {
  int n = 0;
  *out = 0;
  for (; *p >= '0' && *p <= '9' && n < max; p++, n++) *out = *out * 10 + (unsigned)(*p - '0');
  return n > 0 && *p == stop ? p : NULL;
}

/* Parses "STNS1 <status> <length>\n"; >0 header bytes, 0 incomplete, -EPROTO. */
static ssize_t parse_header(const char *data, size_t used, int *status, size_t *len) {
  static const char magic[] = STNS_PROTOCOL_MAGIC " ";
  size_t window = used < STNS_MAX_HEADER_BYTES ? used : STNS_MAX_HEADER_BYTES;
  const char *nl = memchr(data, '\n', window);
  if (!nl) return used >= STNS_MAX_HEADER_BYTES ? -EPROTO : 0;
  unsigned long long st, length;
  const char *p = data + sizeof magic - 1;
  if ((size_t)(nl - data) < sizeof magic || memcmp(data, magic, sizeof magic - 1) != 0 ||
      !(p = digits(p, 3, ' ', &st)) || !(p = digits(p + 1, 10, '\n', &length)) ||
      length > STNS_MAX_BODY_BYTES)
    return -EPROTO;
  *status = (int)st;
  *len = (size_t)length;
  return nl - data + 1;
}

/* A resolver that hung up before answering at all (over its connection cap,
 * restarting, killed mid-request) is treated like no resolver: the caller
 * falls back to the helper instead of failing a lookup that could succeed. */
static int closed_unanswered(ssize_t rc) {
  return rc == 0 || rc == -ECONNRESET || rc == -EPIPE;
}

/* Turns a whole response held in buf (header + exactly <length> bytes, room
 * for a NUL) into out, body first in buf; -EPROTO when it is anything else. */
static int take_response(char *buf, size_t used, struct reply *out) {
  size_t body_len = 0;
  ssize_t header = parse_header(buf, used, &out->status, &body_len);
  if (header <= 0 || used != (size_t)header + body_len) return -EPROTO;
  memmove(buf, buf + header, body_len);
  buf[body_len] = '\0';
  out->body = buf;
  out->len = body_len;
  return 0;
}

/* Reads one response from the resolver: the header, then exactly <length>
 * body bytes (it closes after answering, but a short read must not wait). */
static int read_response(int fd, struct reply *out, long long deadline) {
  char *buf = NULL;
  size_t cap = 0, used = 0, body_len = 0;
  ssize_t header = 0;
  int rc, status;
  for (;;) {
    if (header > 0 && used >= (size_t)header + body_len) break;
    if ((rc = reserve(&buf, &cap, used, CHUNK)) < 0) goto fail;
    ssize_t n = read_some(fd, buf + used, cap - used - 1, deadline);
    if (n <= 0 && used == 0 && closed_unanswered(n)) { rc = NO_RESOLVER; goto fail; }
    if (n <= 0) { rc = n < 0 ? (int)n : -EPROTO; goto fail; }
    used += (size_t)n;
    if (header == 0 && (header = parse_header(buf, used, &status, &body_len)) < 0) {
      rc = -EPROTO;
      goto fail;
    }
  }
  if ((rc = take_response(buf, used, out)) == 0) return 0;
fail:
  free(buf);
  return rc;
}

/* One request over one socket connection. */
static int ask_socket(const char *path, const char *line, size_t len, struct reply *out,
                      long long deadline) {
  int fd = connect_socket(path);
  if (fd < 0) return fd;
  int rc = send_all(fd, line, len, deadline);
  if (rc < 0 && closed_unanswered(rc)) rc = NO_RESOLVER;
  if (rc == 0) rc = read_response(fd, out, deadline);
  close(fd);
  return rc;
}

/* Reads the helper's stdout to EOF, bounded in size (one response) and time. */
static int read_to_eof(int fd, struct reply *out, long long deadline) {
  char *buf = NULL;
  size_t cap = 0, used = 0;
  for (;;) {
    int rc = reserve(&buf, &cap, used, CHUNK);
    ssize_t n = rc < 0 ? rc : read_some(fd, buf + used, cap - used - 1, deadline);
    if (n == 0) break;
    if (n < 0 || used + (size_t)n > STNS_MAX_HEADER_BYTES + STNS_MAX_BODY_BYTES) {
      free(buf);
      return n < 0 ? (int)n : -EPROTO;
    }
    used += (size_t)n;
  }
  buf[used] = '\0';
  out->body = buf;
  out->len = used;
  return 0;
}

/* Reaps the helper without hanging: polls until the deadline, then SIGKILL.
 * ECHILD (caller ignores SIGCHLD, or reaped it) means the status is lost. */
static int reap(pid_t pid, int *wstatus, long long deadline, int kill_now) {
  struct timespec nap = {0, 1000000};
  if (kill_now) kill(pid, SIGKILL);
  for (;;) {
    pid_t r = waitpid(pid, wstatus, kill_now ? 0 : WNOHANG);
    if (r == pid) return 0;
    if (r < 0 && errno == ECHILD) return -ECHILD;
    if (r < 0 && errno != EINTR) return -errno;
    if (r == 0 && now_ms() >= deadline) {
      kill(pid, SIGKILL);
      kill_now = 1;
    } else if (r == 0) {
      nanosleep(&nap, NULL);
      if (nap.tv_nsec < 64000000) nap.tv_nsec *= 2;
    }
  }
}

/* The helper's fixed environment: nothing of the caller's except STNS_CONFIG. */
static void helper_env(char **envp, char *config, size_t size) {
  int i = 0;
  envp[i++] = "PATH=" STNS_HELPER_PATH;
  envp[i++] = "LANG=C";
  envp[i++] = STNS_LOOP_GUARD_ENV "=1";
  const char *value = secure_getenv("STNS_CONFIG");
  if (value && snprintf(config, size, "STNS_CONFIG=%s", value) < (int)size) envp[i++] = config;
  envp[i] = NULL;
}

/* stdin and stderr /dev/null, stdout the pipe, every other fd closed. */
static int helper_actions(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int out) {
  sigset_t all, none;
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  sigemptyset(&none);
  if (posix_spawn_file_actions_init(fa) || posix_spawnattr_init(attr)) return -ENOMEM;
  int rc = posix_spawn_file_actions_adddup2(fa, out, 1) |
           posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0) |
           posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0) |
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
           posix_spawn_file_actions_addclosefrom_np(fa, 3) |
#endif
           posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) |
           posix_spawnattr_setsigmask(attr, &none) | posix_spawnattr_setsigdefault(attr, &all);
  return rc ? -ENOMEM : 0;
}

/* The helper's answer from its stdout (raw, in out) and how it ended. With
 * --framed it writes the same response a resolver sends; its exit status,
 * when the kernel kept one, must agree. A caller that ignores SIGCHLD loses
 * the exit status (ECHILD), so the frame is what counts. No frame at all
 * means it failed before it could answer (config error, node missing): then
 * the exit status alone says how, if it is known. */
static int helper_answer(int reaped, int wstatus, struct reply *out) {
  int exited = reaped == 0 && WIFEXITED(wstatus);
  if (reaped < 0 && reaped != -ECHILD) return reaped;
  if (reaped == 0 && !exited) return -EIO; /* killed: crashed, or by us at the deadline */
  if (out->len == 0) {
    if (!exited) return -EIO;
    if (WEXITSTATUS(wstatus) == 127) return -ENXIO;
    out->status = WEXITSTATUS(wstatus);
    return 0;
  }
  int rc = take_response(out->body, out->len, out);
  if (rc == 0 && exited && WEXITSTATUS(wstatus) != out->status) rc = -EPROTO;
  return rc;
}

/* Exec fallback: `stns-query --framed <op> [<arg>]`. */
static int ask_helper(const char *op, const char *arg, struct reply *out, long long deadline) {
  const char *path = secure_getenv("STNS_QUERY_PATH");
  if (!path || path[0] != '/') path = STNS_QUERY_PATH;
  char *argv[] = {"stns-query", "--framed", (char *)op, (char *)arg, NULL};
  char *envp[5], config[PATH_MAX + 16];
  int fds[2], wstatus = 0;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  pid_t pid;
  if (pipe2(fds, O_CLOEXEC) < 0) return -errno;
  if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
    close(fds[0]);
    close(fds[1]);
    return -EIO;
  }
  helper_env(envp, config, sizeof config);
  int rc = helper_actions(&fa, &attr, fds[1]);
  if (rc == 0)
    rc = -posix_spawn(&pid, path, &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(fds[1]);
  if (rc < 0) {
    close(fds[0]);
    return rc == -ENOENT || rc == -EACCES || rc == -ENOEXEC ? -ENXIO : rc;
  }
  rc = read_to_eof(fds[0], out, deadline);
  close(fds[0]);
  int reaped = reap(pid, &wstatus, deadline, rc < 0);
  if (rc == 0) rc = helper_answer(reaped, wstatus, out);
  if (rc < 0) {
    free(out->body);
    out->body = NULL;
  }
  return rc;
}

/* The resolver's statuses as internal codes (see common.h). */
static int rc_of_status(int status) {
  switch (status) {
    case STNS_STATUS_FOUND: return 0;
    case STNS_STATUS_NOT_FOUND:
    case STNS_STATUS_ENUMERATION_DISABLED: return -ENOENT;
    case STNS_STATUS_UNAVAILABLE: return -EAGAIN;
    case STNS_STATUS_REFUSED: return -EACCES;
    case STNS_STATUS_BAD_REQUEST: return -EINVAL;
    case STNS_STATUS_CONFIG: return -ENXIO;
    default: return -EPROTO;
  }
}

/* Monotonic ms until which this process runs no helper: once the helper
 * found every server unavailable (or had to be killed), the next lookups
 * answer TRYAGAIN at once instead of each paying the servers' timeouts again,
 * so with the resolver down a blackholed server costs one timeout per process
 * per window (a login's several lookups, an `ls -l` of a hundred files), as
 * endpoint_cooldown does inside the resolver. The resolver is still asked
 * first every time. Inherited across fork(), which is what a forking server wants. */
static long long helper_resting_until;

static int helper_resting(void) {
  return now_ms() < __atomic_load_n(&helper_resting_until, __ATOMIC_RELAXED);
}

/* Starts the rest after a helper run that says the servers are unreachable. */
static void rest_helper_if_unavailable(int rc, const struct reply *out) {
  int unavailable = rc == -ETIMEDOUT || rc == -EIO || (rc == 0 && out->status == STNS_STATUS_UNAVAILABLE);
  if (unavailable)
    __atomic_store_n(&helper_resting_until, now_ms() + STNS_HELPER_COOLDOWN_MS, __ATOMIC_RELAXED);
}

/* Private socket first for root, then the public one, then the helper. */
static int ask_any(const char *op, const char *arg, struct reply *out) {
  char line[STNS_MAX_REQUEST_BYTES + 1];
  int len = build_request(op, arg, line, sizeof line);
  if (len < 0) return len;
  long long deadline = now_ms() + STNS_TIMEOUT_MS;
  int rc = NO_RESOLVER;
  if (geteuid() == 0) rc = ask_socket(socket_path(1), line, (size_t)len, out, deadline);
  if (rc == NO_RESOLVER) rc = ask_socket(socket_path(0), line, (size_t)len, out, deadline);
  if (rc != NO_RESOLVER) return rc;
  if (helper_resting()) return -EAGAIN;
  rc = ask_helper(op, arg, out, deadline);
  rest_helper_if_unavailable(rc, out);
  return rc;
}

/* One request, its answer checked: 0 with a NUL-free body of whole lines. */
int stns_ask(const char *op, const char *arg, struct stns_answer *answer) {
  struct reply reply = {0, NULL, 0};
  int saved_errno = errno;
  if (stns_loop_guarded()) return -ENXIO;
  if (boot_guarded()) return -ENOENT;
  int rc = ask_any(op, arg, &reply);
  if (rc == 0) rc = rc_of_status(reply.status);
  if (rc == 0 && (memchr(reply.body, '\0', reply.len) ||
                  (reply.len > 0 && reply.body[reply.len - 1] != '\n')))
    rc = -EPROTO;
  if (rc < 0) {
    free(reply.body);
    return rc;
  }
  answer->body = reply.body;
  answer->len = reply.len;
  errno = saved_errno;
  return 0;
}

/* Frees an answer and marks it empty. */
void stns_answer_free(struct stns_answer *answer) {
  free(answer->body);
  answer->body = NULL;
  answer->len = 0;
}

/* The line at *offset (without '\n'); advances past it, -ENOENT at the end. */
int stns_next_line(const struct stns_answer *answer, size_t *offset, const char **line,
                   size_t *len) {
  if (*offset >= answer->len) return -ENOENT;
  const char *start = answer->body + *offset;
  const char *nl = memchr(start, '\n', answer->len - *offset);
  *line = start;
  *len = (size_t)(nl - start);
  *offset += *len + 1;
  return 0;
}

/* The one place an internal code becomes an NSS status (table in common.h). */
enum nss_status stns_nss_status(int rc, int *errnop) {
  switch (rc) {
    case 0: return NSS_STATUS_SUCCESS;
    case -ENOENT: *errnop = ENOENT; return NSS_STATUS_NOTFOUND;
    case -EAGAIN: *errnop = EAGAIN; return NSS_STATUS_TRYAGAIN;
    case -ERANGE: *errnop = ERANGE; return NSS_STATUS_TRYAGAIN;
    case -EACCES: *errnop = EACCES; return NSS_STATUS_UNAVAIL;
    case -EINVAL: *errnop = EINVAL; return NSS_STATUS_UNAVAIL;
    case -ENXIO: *errnop = ENOENT; return NSS_STATUS_UNAVAIL;
    case -ENOMEM: *errnop = ENOMEM; return NSS_STATUS_UNAVAIL;
    default: *errnop = EAGAIN; return NSS_STATUS_UNAVAIL;
  }
}

/* A single-entry lookup: exactly one line, parsed into the caller's buffer.
 * On ERANGE glibc retries with a bigger buffer, which asks again: a round
 * trip of ~0.2 ms to the resolver, cheaper than holding state per thread. */
static int lookup(const char *op, const char *arg, stns_parser parse, void *result,
                  char *buf, size_t buflen) {
  struct stns_answer answer;
  const char *line;
  size_t len, offset = 0;
  int rc = stns_ask(op, arg, &answer);
  if (rc < 0) return rc;
  if (stns_next_line(&answer, &offset, &line, &len) < 0 || offset != answer.len)
    rc = -EBADMSG;
  else
    rc = parse(line, len, result, buf, buflen);
  stns_answer_free(&answer);
  return rc;
}

/* Exported-edge wrapper of lookup(). */
enum nss_status stns_lookup(const char *op, const char *arg, stns_parser parse,
                            void *result, char *buf, size_t buflen, int *errnop) {
  return stns_nss_status(lookup(op, arg, parse, result, buf, buflen), errnop);
}

/* Fetches the whole list once; the state lock is held by the caller. */
static void enum_load(struct stns_enum *state, const char *op) {
  stns_answer_free(&state->answer);
  state->rc = stns_ask(op, NULL, &state->answer);
  state->offset = 0;
  state->loaded = 1;
}

/* setXXent: (re)load the list. */
enum nss_status stns_enum_set(struct stns_enum *state, const char *op) {
  int dummy;
  pthread_mutex_lock(&state->lock);
  enum_load(state, op);
  int rc = state->rc;
  pthread_mutex_unlock(&state->lock);
  return stns_nss_status(rc, &dummy);
}

/* The next entry; after ERANGE the same entry comes again next time. */
static int enum_next(struct stns_enum *state, const char *op, stns_parser parse,
                     void *result, char *buf, size_t buflen) {
  const char *line;
  size_t len, offset;
  if (!state->loaded) enum_load(state, op);
  if (state->rc < 0) return state->rc;
  offset = state->offset;
  int rc = stns_next_line(&state->answer, &offset, &line, &len);
  if (rc == 0) rc = parse(line, len, result, buf, buflen);
  if (rc != -ERANGE) state->offset = offset;
  return rc;
}

/* getXXent_r under the state lock. */
enum nss_status stns_enum_next(struct stns_enum *state, const char *op, stns_parser parse,
                               void *result, char *buf, size_t buflen, int *errnop) {
  pthread_mutex_lock(&state->lock);
  int rc = enum_next(state, op, parse, result, buf, buflen);
  pthread_mutex_unlock(&state->lock);
  return stns_nss_status(rc, errnop);
}

/* endXXent: forget the list. */
enum nss_status stns_enum_end(struct stns_enum *state) {
  pthread_mutex_lock(&state->lock);
  stns_answer_free(&state->answer);
  state->loaded = 0;
  state->offset = 0;
  state->rc = 0;
  pthread_mutex_unlock(&state->lock);
  return stns_loop_guarded() ? NSS_STATUS_UNAVAIL : NSS_STATUS_SUCCESS;
}
