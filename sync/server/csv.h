/* A strict RFC 4180 reader over bytes in memory (csv.c): fields separated by a comma or a
** semicolon, optionally quoted, a quote inside a quoted field doubled, records ended by LF or
** CRLF (a line break inside quotes is kept, as LF). What it reads is the caller's, borrowed for
** the reader's life; the reader allocates nothing and does no I/O, so that a fuzzer can feed it
** any bytes.
**
** It tells records apart and says where each starts, but knows nothing of what the columns
** mean (that is catalogue.c's). A broken record is reported and skipped to the end of its
** physical line, so that a person fixing a spreadsheet hears of every bad line at once. */
#ifndef BORNE_SERVER_CSV_H
#define BORNE_SERVER_CSV_H

#include <stddef.h>

#include "core/err.h"

#define CSV_RECORD_MAX (64 * 1024) /* bytes of one record, quoted line breaks and NULs included */
#define CSV_FIELDS_MAX 64          /* fields of one record */

/* The reader's state; the caller's (at 64 KiB, better on the heap than on a thread's stack).
** After CSV_RECORD, nfields fields are NUL-terminated strings at buf + field[i] (see
** csv_reader_field()), valid until the next csv_reader_next(). */
struct csv_reader {
    const char *data; /* the bytes, borrowed */
    size_t len, pos;  /* their length, and the next one to read */
    char delim;       /* ',' or ';' */
    long line;        /* the physical line of the next byte, from 1 */
    long record_line; /* the first line of the record just read */
    char buf[CSV_RECORD_MAX + 1];
    size_t buf_len;
    size_t field[CSV_FIELDS_MAX];
    int nfields;
    char why[200]; /* after CSV_BAD, CSV_FATAL or a refused init: what is wrong, in English */
};

enum csv_status {
    CSV_RECORD = 0, /* a record: nfields fields */
    CSV_END = 1,    /* no more records */
    CSV_BAD = 2,    /* this record is broken (why says how); reading goes on at the next line */
    CSV_FATAL = 3,  /* the rest cannot be read (why says why); every later call gives CSV_END */
};

/* Starts reading the len bytes at data (borrowed: they must outlive c; they need no NUL).
** Skips a UTF-8 byte order mark and picks the delimiter: a comma, or a semicolon when the
** first line has semicolons and no comma outside quotes (a spreadsheet set to French
** conventions writes those). BORNE_OK, or BORNE_ERR_INVALID for bytes that are UTF-16 text
** (c->why says so, and the reader then reads nothing). */
enum borne_err csv_reader_init(struct csv_reader *c, const char *data, size_t len);

/* Reads the next record. Blank lines between records are skipped. A record longer than
** CSV_RECORD_MAX, or a quote never closed, is CSV_FATAL; a NUL byte, a stray quote, a lone
** carriage return, text after a closing quote or more than CSV_FIELDS_MAX fields is CSV_BAD. */
enum csv_status csv_reader_next(struct csv_reader *c);

/* Field i (0 <= i < nfields) of the record just read, NUL-terminated, inside the reader (the
** caller may change it in place, e.g. trim it). */
char *csv_reader_field(struct csv_reader *c, int i);

#endif
