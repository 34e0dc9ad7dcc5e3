/* A growable byte buffer with a hard maximum (see dynbuf.h), after curl's lib/dynbuf.c: the
** allocation doubles from a small first size and never goes past the maximum plus the NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/dynbuf.h"

#define DYNBUF_FIRST_ALLOC 32 /* bytes of the first allocation, when the maximum allows */

void dynbuf_init(struct dynbuf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max < SIZE_MAX ? max : SIZE_MAX - 1; /* so that max + 1, the NUL's room, fits */
}

void dynbuf_free(struct dynbuf *b)
{
    if (!b)
        return;
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void dynbuf_reset(struct dynbuf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

enum borne_err dynbuf_add(struct dynbuf *b, const void *mem, size_t n)
{
    /* Written so that nothing overflows: len <= max always holds. */
    if (n > b->max - b->len) {
        dynbuf_free(b);
        return BORNE_ERR_INVALID;
    }
    size_t fit = b->len + n + 1; /* the old bytes, the new ones and the NUL: at most max + 1 */
    if (fit > b->cap) {
        size_t cap = b->cap ? b->cap : DYNBUF_FIRST_ALLOC;
        while (cap < fit) {
            if (cap > (b->max + 1) / 2) { /* doubling would pass the maximum: take it all */
                cap = b->max + 1;
                break;
            }
            cap *= 2;
        }
        if (cap > b->max + 1)
            cap = b->max + 1;
        char *p = realloc(b->p, cap);
        if (!p) {
            dynbuf_free(b);
            return BORNE_ERR_NOMEM;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, mem, n);
    b->len += n;
    b->p[b->len] = '\0';
    return BORNE_OK;
}

enum borne_err dynbuf_add_str(struct dynbuf *b, const char *s)
{
    return dynbuf_add(b, s, strlen(s));
}

const char *dynbuf_ptr(const struct dynbuf *b)
{
    return b->p;
}

size_t dynbuf_len(const struct dynbuf *b)
{
    return b->len;
}

char *dynbuf_take(struct dynbuf *b, size_t *len)
{
    char *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}
