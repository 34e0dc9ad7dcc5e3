/* libFuzzer target for the server's CSV reader and the CSV catalogue (sync/server/csv.c,
** catalogue.c): whatever file an administrator imports must get an answer, never a crash, and
** what the reader accepts must be exactly what the file says.
**
** Checked on every input:
**   - the reader: a refused start is UTF-16 and then reads nothing; every record has 1 to
**     CSV_FIELDS_MAX NUL-terminated fields packed in at most CSV_RECORD_MAX bytes, none holding a
**     carriage return; lines only go forward; after CSV_FATAL comes only CSV_END;
**   - round trip: the records read, written again with every field quoted, read back to the very
**     same fields (a record that was CSV_BAD is not among them);
**   - the catalogue: every row kept is a session the kiosk can hold (ids, UTF-8 texts within
**     their lengths, kind, capacity, times: fuzz_catalogue.h); every message is plain text, as
**     printed too; with no problem, every session id is there once and every session ends
**     after it starts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/catalogue.h"
#include "server/csv.h"
#include "server/dynbuf.h"

#include "fuzz/fuzz_catalogue.h"

#define FUZZ_NOW 1767225600 /* 2026-01-01T00:00:00Z: a fixed clock, so that runs repeat */

static struct csv_reader *reader_a, *reader_b;

static bool plain_ascii(const char *s)
{
    if (!s[0])
        return false;
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7E)
            return false;
    return true;
}

/* Appends one field, quoted, its quotes doubled. */
static void encode_field(struct dynbuf *b, const char *s, bool last, char delim)
{
    check(dynbuf_add(b, "\"", 1) == BORNE_OK);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            check(dynbuf_add(b, "\"", 1) == BORNE_OK);
        check(dynbuf_add(b, p, 1) == BORNE_OK);
    }
    check(dynbuf_add(b, "\"", 1) == BORNE_OK);
    char end = last ? '\n' : delim;
    check(dynbuf_add(b, &end, 1) == BORNE_OK);
}

/* The fields of a record as one string of its own (count, then length and bytes of each). */
static void remember(struct dynbuf *b, struct csv_reader *c)
{
    check(dynbuf_add(b, &c->nfields, sizeof c->nfields) == BORNE_OK);
    for (int i = 0; i < c->nfields; i++) {
        const char *f = csv_reader_field(c, i);
        size_t n = strlen(f);
        check(dynbuf_add(b, &n, sizeof n) == BORNE_OK);
        check(dynbuf_add(b, f, n) == BORNE_OK);
    }
}

/* The shape of one record just read. */
static void check_record(struct csv_reader *c)
{
    check(c->nfields >= 1 && c->nfields <= CSV_FIELDS_MAX);
    check(c->buf_len <= CSV_RECORD_MAX);
    for (int i = 0; i < c->nfields; i++) {
        size_t start = c->field[i];
        size_t end = i + 1 < c->nfields ? c->field[i + 1] : c->buf_len;
        check(start < end && end <= c->buf_len);
        const char *f = csv_reader_field(c, i);
        size_t n = strlen(f);
        check(start + n + 1 == end); /* no NUL inside a field */
        check(!memchr(f, '\r', n));
    }
}

static void fuzz_reader(const char *text, size_t size)
{
    struct csv_reader *c = reader_a;
    if (csv_reader_init(c, text, size) != BORNE_OK) {
        const unsigned char *b = (const unsigned char *)text;
        check(size >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)));
        check(plain_ascii(c->why));
        check(csv_reader_next(c) == CSV_END);
        return;
    }
    check(c->delim == ',' || c->delim == ';');
    struct dynbuf encoded, fields;
    dynbuf_init(&encoded, 64u << 20);
    dynbuf_init(&fields, 64u << 20);
    size_t records = 0;
    long last_line = 1;
    for (;;) {
        enum csv_status st = csv_reader_next(c);
        check(c->record_line >= last_line && c->line >= c->record_line);
        last_line = c->record_line;
        if (st == CSV_END)
            break;
        if (st == CSV_FATAL) {
            check(plain_ascii(c->why));
            check(csv_reader_next(c) == CSV_END);
            break;
        }
        if (st == CSV_BAD) {
            check(plain_ascii(c->why));
            continue;
        }
        check(st == CSV_RECORD);
        check_record(c);
        remember(&fields, c);
        for (int i = 0; i < c->nfields; i++)
            encode_field(&encoded, csv_reader_field(c, i), i == c->nfields - 1, c->delim);
        records++;
    }

    /* Read back what was written: the same records, field for field, and nothing broken. */
    struct csv_reader *d = reader_b;
    const char *again = dynbuf_ptr(&encoded) ? dynbuf_ptr(&encoded) : "";
    check(csv_reader_init(d, again, dynbuf_len(&encoded)) == BORNE_OK);
    d->delim = c->delim; /* a first record of one field says nothing of the delimiter */
    struct dynbuf fields_again;
    dynbuf_init(&fields_again, 64u << 20);
    size_t records_again = 0;
    enum csv_status st;
    while ((st = csv_reader_next(d)) != CSV_END) {
        check(st == CSV_RECORD);
        check_record(d);
        remember(&fields_again, d);
        records_again++;
    }
    check(records_again == records);
    check(dynbuf_len(&fields_again) == dynbuf_len(&fields));
    check(dynbuf_len(&fields) == 0 ||
          memcmp(dynbuf_ptr(&fields), dynbuf_ptr(&fields_again), dynbuf_len(&fields)) == 0);
    dynbuf_free(&encoded);
    dynbuf_free(&fields);
    dynbuf_free(&fields_again);
}

static void fuzz_catalogue(const char *text, size_t size)
{
    struct catalogue cat;
    catalogue_init(&cat, FUZZ_NOW, NULL);
    check(catalogue_zone_add(&cat, "Europe/Paris") == 0);
    catalogue_read_csv(&cat, text, size);
    check_problems(&cat);
    check(cat.row_count <= CATALOGUE_ROWS_MAX && cat.exdate_count == 0);
    for (size_t i = 0; i < cat.row_count; i++)
        check_row(&cat, &cat.rows[i], false);
    fuzz_convert_times(&cat);
    size_t kept = catalogue_check_rows(&cat, false);
    check(kept == cat.row_count); /* a CSV file drops nothing: it is refused or imported */
    check_problems(&cat);
    for (size_t i = 0; i < cat.row_count; i++)
        check_row(&cat, &cat.rows[i], false);
    check_importable(&cat);
    check_printed(&cat);
    catalogue_deinit(&cat);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    reader_a = calloc(1, sizeof *reader_a);
    reader_b = calloc(1, sizeof *reader_b);
    if (!reader_a || !reader_b || sodium_init() < 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that a read one past the input is caught by ASan. */
    if (size > (1u << 20))
        return 0;
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    fuzz_reader(text, size);
    fuzz_catalogue(text, size);
    free(text);
    return 0;
}
