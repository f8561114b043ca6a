/* getent lines -> glibc structs packed into the caller's buffer. */
#ifndef STNS_PARSE_H
#define STNS_PARSE_H

#include <stddef.h>
#include <sys/types.h>

/* Each returns 0, -ERANGE (buffer too small, nothing written) or -EBADMSG. */
int stns_parse_passwd(const char *line, size_t len, void *pw, char *buf, size_t buflen);
int stns_parse_group(const char *line, size_t len, void *gr, char *buf, size_t buflen);
int stns_parse_shadow(const char *line, size_t len, void *sp, char *buf, size_t buflen);
int stns_parse_id(const char *text, size_t len, unsigned *out);

#endif
