/*
 * stns-query resolver protocol, version 1 (docs/PROTOCOL.md is the spec;
 * src/daemon/protocol.ts mirrors these constants and
 * test/nss/protocol.test.ts checks that the two agree).
 *
 * Transport: unix stream sockets, one request per connection.
 *   public socket  (default /run/stns-query/nss.sock, mode 0666): every op
 *                  except getspnam, getspent and cache-clear (status 77);
 *   private socket (default /run/stns-query/private.sock, mode 0600, root
 *                  only): every op, password hashes included.
 * Everything is ASCII/UTF-8 text; numbers are decimal, so there is no byte
 * order.
 *
 * Request: one line of at most STNS_MAX_REQUEST_BYTES bytes, "\n" included:
 *
 *     STNS1 <op> [<arg>]\n
 *
 * <op> and <arg> are separated by one space; <arg> is 1-255 bytes of valid
 * UTF-8 with no space, ':', ',', NUL or control character. The resolver answers status 1
 * to a request that is longer, malformed or not complete within
 * STNS_REQUEST_READ_TIMEOUT_MS.
 *
 * Response: a header of at most STNS_MAX_HEADER_BYTES bytes, then a body of
 * exactly <length> bytes (at most STNS_MAX_BODY_BYTES), a sequence of
 * "\n"-terminated lines:
 *
 *     STNS1 <status> <length>\n<body>
 *
 * The lines are what getent prints: passwd "name:x:uid:gid:gecos:dir:shell",
 * group "name:x:gid:m1,m2", shadow "name:hash:lastchg:min:max:warn:inact:
 * expire:flag" (unknown numbers empty). No field holds ':', '\n' or NUL.
 * On a non-zero status the body is one line of text for humans.
 *
 * The statuses are the CLI's exit codes. The fallback when no resolver
 * answers execs `stns-query --framed <op> [<arg>]`, which writes this same
 * response on stdout and exits with its status; a helper that fails before
 * it can answer writes nothing and only its exit status tells why.
 */
#ifndef STNS_PROTOCOL_H
#define STNS_PROTOCOL_H

#define STNS_PROTOCOL_MAGIC "STNS1"

/* Limits. */
#define STNS_MAX_REQUEST_BYTES 256
#define STNS_MAX_HEADER_BYTES 64
#define STNS_MAX_BODY_BYTES (64 * 1024 * 1024)
#define STNS_REQUEST_READ_TIMEOUT_MS 2000
#define STNS_RESPONSE_WRITE_TIMEOUT_MS 10000
#define STNS_MAX_CONNECTIONS 512

/* Loop guard: set in a process, every lookup there fails at once (the helper,
 * the resolver itself), so nothing can ask the resolver back and wait on itself. */
#define STNS_LOOP_GUARD_ENV "STNS_QUERY_NSS_CHILD"

/* PATH in the helper's fixed environment: root-owned directories only. The
 * CLI's `#!/usr/bin/env node` must find node here (Debian's sshd gives its
 * AuthorizedKeysCommand the same ones); `stns-query check` says whether it does. */
#define STNS_HELPER_PATH "/usr/local/bin:/usr/bin:/bin"

/* Ops: the constant, then its argument and the body on status 0. */
#define STNS_OP_GETPWNAM "getpwnam"       /* user name: one passwd line */
#define STNS_OP_GETPWUID "getpwuid"       /* decimal uid: one passwd line */
#define STNS_OP_GETPWENT "getpwent"       /* none: every passwd line (3 if off) */
#define STNS_OP_GETGRNAM "getgrnam"       /* group name: one group line */
#define STNS_OP_GETGRGID "getgrgid"       /* decimal gid: one group line */
#define STNS_OP_GETGRENT "getgrent"       /* none: every group line (3 if off) */
#define STNS_OP_GETSPNAM "getspnam"       /* user name: one shadow line (private) */
#define STNS_OP_GETSPENT "getspent"       /* none: every shadow line (private) */
#define STNS_OP_INITGROUPS "initgroups"   /* user name: one member gid per line */
#define STNS_OP_KEYS "keys"               /* user name: ssh public keys, one per line */
#define STNS_OP_STATUS "status"           /* none: one line of JSON */
#define STNS_OP_CACHE_CLEAR "cache-clear" /* optional key: empty body (private) */

/* Statuses (= CLI exit codes) and what the module returns for each. */
#define STNS_STATUS_FOUND 0                /* NSS_STATUS_SUCCESS */
#define STNS_STATUS_BAD_REQUEST 1          /* NSS_STATUS_UNAVAIL, errno EINVAL */
#define STNS_STATUS_NOT_FOUND 2            /* NSS_STATUS_NOTFOUND, errno ENOENT */
#define STNS_STATUS_ENUMERATION_DISABLED 3 /* NSS_STATUS_NOTFOUND, errno ENOENT */
#define STNS_STATUS_UNAVAILABLE 69         /* NSS_STATUS_TRYAGAIN, errno EAGAIN */
#define STNS_STATUS_REFUSED 77             /* NSS_STATUS_UNAVAIL, errno EACCES */
#define STNS_STATUS_CONFIG 78              /* NSS_STATUS_UNAVAIL, errno ENOENT */

#endif
