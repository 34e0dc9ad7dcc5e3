/* Private to sync/protocol: the table-driven reading and writing of JSON objects that every
** message of protocol.h is made of. Nothing outside this folder includes this file, so cJSON
** stays inside it.
**
** A message is a few flat objects (an enrolment, a ticket, a session...) and arrays of them. Each
** flat object is described once, by a table of fields (member name, kind of value, place in the
** C struct, limits); the same table drives the decoder and the encoder, so that what one writes
** the other reads, and the rules for a member are written in one place.
**
** Messages in errors never quote the input: they name the member by its path, in ASCII, so that
** a message can always be sent back in a sync_error (valid UTF-8, bounded). */
#ifndef BORNE_SYNC_PROTOCOL_INT_H
#define BORNE_SYNC_PROTOCOL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "protocol/protocol.h"

/* The largest integer the protocol carries, 2^53 - 1: the last one a double holds exactly along
** with its neighbours, so that a number one past it, rounded by the parser, is never mistaken
** for a smaller one. */
#define SP_INT_MAX INT64_C(9007199254740991)

/* Room for a member's path, e.g. "sessions[19999].reserved_for". */
#define SP_PATH_MAX 96

enum sp_type {
    SP_ASCII,      /* char[size]: printable ASCII (ids, tokens, codes, words, cursors) */
    SP_TEXT,       /* char[size]: UTF-8, any character but NUL */
    SP_I64,        /* int64_t within [min, max] */
    SP_INT,        /* int within [min, max] */
    SP_BOOL,       /* bool */
    SP_STATUS,     /* enum registration_status up to max, as its word */
    SP_OPT_STATUS, /* int: -1 (member absent) or an enum registration_status, as its word */
    SP_SEAT,       /* enum sync_seat, as its word */
    SP_RESULT,     /* enum sync_result_status, as its word */
    SP_KIND,       /* enum session_kind, as a number */
};

#define SP_EMPTY 1u /* a string member may be "" */
#define SP_NULL 2u  /* JSON null reads as "" (decoders only: encoders write "") */
/* The member may be absent and then reads as "", 0, false or -1; encoders leave out a "",
** false or -1 of such a member. */
#define SP_OPTIONAL 4u

struct sp_field {
    const char *name; /* the JSON member */
    enum sp_type type;
    unsigned flags;
    size_t offset; /* in the C struct */
    size_t size;   /* of a char[] field, NUL included */
    int64_t min, max;
};

#define SP_FIELD_(json, t, S, m, fl, lo, hi)                                                       \
    {                                                                                              \
        json, t, fl, offsetof(S, m), sizeof(((S *)0)->m), lo, hi                                   \
    }
/* A member named like the struct field. */
#define SP_ASCII_F(S, m, fl) SP_FIELD_(#m, SP_ASCII, S, m, fl, 0, 0)
#define SP_TEXT_F(S, m, fl) SP_FIELD_(#m, SP_TEXT, S, m, fl, 0, 0)
#define SP_I64_F(S, m, lo, hi) SP_FIELD_(#m, SP_I64, S, m, 0, lo, hi)
#define SP_INT_F(S, m, lo, hi) SP_FIELD_(#m, SP_INT, S, m, 0, lo, hi)
#define SP_BOOL_F(S, m, fl) SP_FIELD_(#m, SP_BOOL, S, m, fl, 0, 0)
/* Seconds, sequence numbers, counters: never negative. */
#define SP_COUNT_F(S, m) SP_I64_F(S, m, 0, SP_INT_MAX)

/* A decoder's context: where its message goes. */
struct sp_ctx {
    char *why;
    size_t why_cap;
};

/* Write "path.member: <message>" into the context's why and return BORNE_ERR_INVALID. path may
** be "" (a top-level member), member may be NULL (the path names the value itself). */
enum borne_err sp_fail(struct sp_ctx *c, const char *path, const char *member, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write "out of memory" into why and return BORNE_ERR_NOMEM. */
enum borne_err sp_nomem(struct sp_ctx *c);

/* Clear why (a decoder that succeeded leaves no stale message). */
void sp_ok(struct sp_ctx *c);

/* "path.name" or "name" into out; with index != SIZE_MAX, "path.name[index]". */
void sp_path(char *out, size_t cap, const char *path, const char *name, size_t index);

/* Check a whole body and parse it: at most SYNC_BODY_MAX bytes, valid UTF-8, no NUL byte nor
** \u0000 escape (cJSON would cut the string there without saying so), one JSON value and nothing
** but white space after it, an object. On success *root is a tree the caller deletes. */
enum borne_err sp_parse_body(struct sp_ctx *c, const char *body, size_t len, cJSON **root);

/* The start of every decoder: refuse a NULL out, zero its size bytes, then sp_parse_body(). */
enum borne_err sp_decode_begin(struct sp_ctx *c, void *out, size_t size, const char *body,
                               size_t len, cJSON **root);

/* The member name of obj, refusing a member given twice (JSON leaves that case open and parsers
** differ: cJSON keeps the first, PostgreSQL's jsonb the last; refusing is the only answer on
** which every reader agrees). *out is NULL for an absent optional member. */
enum borne_err sp_member(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                         bool optional, const cJSON **out);

/* The member name of obj, which must be an object. */
enum borne_err sp_object(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                         const cJSON **out);

/* The member name of obj, which must be an array of min to max entries; its size in *n. */
enum borne_err sp_array(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                        size_t min, size_t max, const cJSON **out, size_t *n);

/* Read the fields of table f (n entries) from obj into the struct at base. */
enum borne_err sp_read_fields(struct sp_ctx *c, const cJSON *obj, const char *path,
                              const struct sp_field *f, size_t n, void *base);

/* Read the array member name of obj (min to max objects, each read with table f) into a new
** array of elem_size entries (NULL when empty) in *items, its length in *n. On failure *items
** is NULL and *n is 0. */
enum borne_err sp_read_array(struct sp_ctx *c, const cJSON *obj, const char *path, const char *name,
                             size_t min, size_t max, const struct sp_field *f, size_t nf,
                             size_t elem_size, void **items, size_t *n);

/* Add the fields of table f from the struct at base to obj. BORNE_ERR_INVALID when a field
** breaks its rule (the same rules as the decoder's), BORNE_ERR_NOMEM. */
enum borne_err sp_write_fields(cJSON *obj, const struct sp_field *f, size_t n, const void *base);

/* Add an array member name of n objects (at most max) written with table f. */
enum borne_err sp_write_array(cJSON *obj, const char *name, const struct sp_field *f, size_t nf,
                              const void *items, size_t n, size_t elem_size, size_t max);

/* The end of every encoder: with err (what building root gave) BORNE_OK, print root into *out
** and *len; root is deleted whatever happens, and a failed err is returned as it is.
** BORNE_ERR_INVALID when the text is over SYNC_BODY_MAX (the peer would refuse it),
** BORNE_ERR_NOMEM. */
enum borne_err sp_finish(cJSON *root, enum borne_err err, char **out, size_t *len);

/* Clear an encoder's outputs and check its arguments. */
enum borne_err sp_start(const void *in, char **out, size_t *len);

#endif
