/* A growable byte buffer with a hard maximum, for everything borne-server builds from outside
** input or sends in pieces (dynbuf.c). Modelled on curl's lib/dynbuf.c: every buffer is given
** its maximum when it is initialised, so that no input can make the server allocate without
** bound, and an append that fails (too long, or out of memory) frees the buffer and clears it,
** so that no half-built text is ever used by mistake.
**
** The contents are always NUL-terminated (the NUL is not counted in the length). A cleared or
** new buffer holds nothing and owns nothing: dynbuf_ptr() is NULL until the first append. */
#ifndef BORNE_SERVER_DYNBUF_H
#define BORNE_SERVER_DYNBUF_H

#include <stddef.h>

#include "core/err.h"

struct dynbuf {
    char *p;    /* the bytes, NUL-terminated; NULL while nothing is held */
    size_t len; /* bytes held, the NUL not counted */
    size_t cap; /* bytes allocated at p */
    size_t max; /* the most bytes it may ever hold (the NUL not counted) */
};

/* Initialises b empty, to hold at most max bytes. Allocates nothing; b is the caller's (on the
** stack or inside a struct). Release with dynbuf_free(). */
void dynbuf_init(struct dynbuf *b, size_t max);

/* Frees what b holds and leaves it empty, with the same maximum: it can be used again.
** Accepts NULL. */
void dynbuf_free(struct dynbuf *b);

/* Empties b but keeps its memory, for a buffer filled and sent over and over. */
void dynbuf_reset(struct dynbuf *b);

/* Appends n bytes of mem (which may hold NULs; NULL is fine when n is 0). BORNE_OK, or:
**   BORNE_ERR_INVALID  b would hold more than its maximum;
**   BORNE_ERR_NOMEM    the memory could not be had.
** On either failure b is freed and cleared (empty, same maximum): check every append. */
enum borne_err dynbuf_add(struct dynbuf *b, const void *mem, size_t n);

/* dynbuf_add() of a NUL-terminated string, without its NUL. Same errors. */
enum borne_err dynbuf_add_str(struct dynbuf *b, const char *s);

/* The bytes held (NUL-terminated), or NULL while b holds nothing allocated. Borrowed: valid
** until the next call that changes b. */
const char *dynbuf_ptr(const struct dynbuf *b);

/* The number of bytes held. */
size_t dynbuf_len(const struct dynbuf *b);

/* Hands the bytes to the caller, who frees them with free(); b is left empty. Returns NULL
** (and *len 0) when b holds nothing allocated. len may be NULL. */
char *dynbuf_take(struct dynbuf *b, size_t *len);

#endif
