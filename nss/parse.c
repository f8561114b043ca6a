/* Splits getent lines into fields and packs them into the caller's buffer:
 * the bytes needed are computed first, so a short buffer stays untouched. */
#include "parse.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <shadow.h>
#include <stdint.h>
#include <string.h>

#define MAX_FIELDS 9

/* One field of a line: not NUL-terminated. */
struct field {
  const char *p;
  size_t n;
};

/* Bump allocator over the caller's buffer, sized beforehand. */
struct packer {
  char *next;
};

/* Splits on ':'; the count must be exactly `want`. */
static int split(const char *line, size_t len, struct field *f, int want) {
  int count = 0;
  const char *end = line + len, *p = line;
  for (;;) {
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (count == want) return -EBADMSG;
    f[count].p = p;
    f[count].n = (size_t)((colon ? colon : end) - p);
    count++;
    if (!colon) break;
    p = colon + 1;
  }
  return count == want ? 0 : -EBADMSG;
}

/* Copies a field as a C string. */
static char *pack(struct packer *pk, struct field f) {
  char *s = pk->next;
  memcpy(s, f.p, f.n);
  s[f.n] = '\0';
  pk->next += f.n + 1;
  return s;
}

/* Bytes the string fields take, NULs included. */
static size_t strings_size(const struct field *f, const int *which, int count) {
  size_t total = 0;
  for (int i = 0; i < count; i++) total += f[which[i]].n + 1;
  return total;
}

/* Decimal uid/gid: digits only, below (uid_t)-1. */
int stns_parse_id(const char *text, size_t len, unsigned *out) {
  unsigned long long v = 0;
  if (len == 0 || len > 10) return -EBADMSG;
  for (size_t i = 0; i < len; i++) {
    if (text[i] < '0' || text[i] > '9') return -EBADMSG;
    v = v * 10 + (unsigned)(text[i] - '0');
  }
  if (v >= UINT32_MAX) return -EBADMSG;
  *out = (unsigned)v;
  return 0;
}

/* Shadow number: empty is -1 (glibc's "unset"), else decimal. */
static int parse_long(struct field f, long *out) {
  long v = 0;
  if (f.n == 0) {
    *out = -1;
    return 0;
  }
  if (f.n > 18) return -EBADMSG;
  for (size_t i = 0; i < f.n; i++) {
    if (f.p[i] < '0' || f.p[i] > '9') return -EBADMSG;
    v = v * 10 + (f.p[i] - '0');
  }
  *out = v;
  return 0;
}

/* name:x:uid:gid:gecos:dir:shell */
int stns_parse_passwd(const char *line, size_t len, void *result, char *buf, size_t buflen) {
  static const int strings[] = {0, 1, 4, 5, 6};
  struct field f[MAX_FIELDS];
  struct passwd *pw = result;
  unsigned uid, gid;
  if (split(line, len, f, 7) < 0 || f[0].n == 0 || stns_parse_id(f[2].p, f[2].n, &uid) < 0 ||
      stns_parse_id(f[3].p, f[3].n, &gid) < 0)
    return -EBADMSG;
  if (strings_size(f, strings, 5) > buflen) return -ERANGE;
  struct packer pk = {buf};
  pw->pw_name = pack(&pk, f[0]);
  pw->pw_passwd = pack(&pk, f[1]);
  pw->pw_uid = uid;
  pw->pw_gid = gid;
  pw->pw_gecos = pack(&pk, f[4]);
  pw->pw_dir = pack(&pk, f[5]);
  pw->pw_shell = pack(&pk, f[6]);
  return 0;
}

/* Counts the comma-separated members; an empty member is malformed. */
static int count_members(struct field m, size_t *count) {
  *count = 0;
  if (m.n == 0) return 0;
  const char *p = m.p, *end = m.p + m.n;
  for (;;) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *stop = comma ? comma : end;
    if (stop == p) return -EBADMSG;
    (*count)++;
    if (!comma) return 0;
    p = comma + 1;
  }
}

/* Fills the aligned member array, then the member strings after it. */
static void pack_members(struct packer *pk, char **mem, struct field m) {
  size_t i = 0;
  const char *p = m.p, *end = m.p + m.n;
  while (m.n > 0) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    struct field one = {p, (size_t)((comma ? comma : end) - p)};
    mem[i++] = pack(pk, one);
    if (!comma) break;
    p = comma + 1;
  }
  mem[i] = NULL;
}

/* name:x:gid:m1,m2 */
int stns_parse_group(const char *line, size_t len, void *result, char *buf, size_t buflen) {
  static const int strings[] = {0, 1, 3};
  struct field f[MAX_FIELDS];
  struct group *gr = result;
  unsigned gid;
  size_t members;
  if (split(line, len, f, 4) < 0 || f[0].n == 0 || stns_parse_id(f[2].p, f[2].n, &gid) < 0 ||
      count_members(f[3], &members) < 0)
    return -EBADMSG;
  size_t pad = (_Alignof(char *) - (uintptr_t)buf % _Alignof(char *)) % _Alignof(char *);
  size_t array = (members + 1) * sizeof(char *);
  if (pad + array + strings_size(f, strings, 3) > buflen) return -ERANGE;
  char **mem = (char **)(void *)(buf + pad);
  struct packer pk = {buf + pad + array};
  gr->gr_name = pack(&pk, f[0]);
  gr->gr_passwd = pack(&pk, f[1]);
  gr->gr_gid = gid;
  pack_members(&pk, mem, f[3]);
  gr->gr_mem = mem;
  return 0;
}

/* name:hash:lastchg:min:max:warn:inact:expire:flag */
int stns_parse_shadow(const char *line, size_t len, void *result, char *buf, size_t buflen) {
  static const int strings[] = {0, 1};
  struct field f[MAX_FIELDS];
  struct spwd *sp = result;
  long n[6], flag;
  if (split(line, len, f, 9) < 0 || f[0].n == 0) return -EBADMSG;
  for (int i = 0; i < 6; i++)
    if (parse_long(f[2 + i], &n[i]) < 0) return -EBADMSG;
  if (parse_long(f[8], &flag) < 0) return -EBADMSG;
  if (strings_size(f, strings, 2) > buflen) return -ERANGE;
  struct packer pk = {buf};
  sp->sp_namp = pack(&pk, f[0]);
  sp->sp_pwdp = pack(&pk, f[1]);
  sp->sp_lstchg = n[0];
  sp->sp_min = n[1];
  sp->sp_max = n[2];
  sp->sp_warn = n[3];
  sp->sp_inact = n[4];
  sp->sp_expire = n[5];
  sp->sp_flag = f[8].n == 0 ? ~0UL : (unsigned long)flag;
  return 0;
}
