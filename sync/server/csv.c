/* A strict RFC 4180 reader over bytes in memory: see csv.h. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "server/csv.h"

#define CSV_EOF (-1)

static int get(struct csv_reader *c)
{
    return c->pos < c->len ? (unsigned char)c->data[c->pos++] : CSV_EOF;
}

/* Gives back the byte just read (never CSV_EOF). */
static void unget(struct csv_reader *c)
{
    c->pos--;
}

static bool put(struct csv_reader *c, char ch)
{
    if (c->buf_len >= CSV_RECORD_MAX)
        return false;
    c->buf[c->buf_len++] = ch;
    return true;
}

static bool open_field(struct csv_reader *c)
{
    if (c->nfields >= CSV_FIELDS_MAX)
        return false;
    c->field[c->nfields++] = c->buf_len;
    return true;
}

/* Drops the rest of the physical line after a broken record. */
static enum csv_status skip_line(struct csv_reader *c)
{
    int ch;
    while ((ch = get(c)) != CSV_EOF && ch != '\n')
        ;
    if (ch == '\n')
        c->line++;
    return CSV_BAD;
}

/* The rest cannot be read: every later call finds the end. */
static enum csv_status fatal(struct csv_reader *c)
{
    c->pos = c->len;
    return CSV_FATAL;
}

enum borne_err csv_reader_init(struct csv_reader *c, const char *data, size_t len)
{
    c->data = data;
    c->len = len;
    c->pos = 0;
    c->delim = ',';
    c->line = 1;
    c->record_line = 1;
    c->buf_len = 0;
    c->nfields = 0;
    c->why[0] = '\0';
    const unsigned char *b = (const unsigned char *)data;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        snprintf(c->why, sizeof c->why,
                 "the file is in UTF-16: save it as \"CSV UTF-8 (comma delimited)\"");
        c->pos = len;
        return BORNE_ERR_INVALID;
    }
    size_t start = len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
    int commas = 0, semicolons = 0;
    bool quoted = false;
    for (size_t i = start; i < len && i - start < CSV_RECORD_MAX && b[i] != '\n'; i++) {
        if (b[i] == '"')
            quoted = !quoted;
        else if (!quoted && b[i] == ',')
            commas++;
        else if (!quoted && b[i] == ';')
            semicolons++;
    }
    c->delim = commas == 0 && semicolons > 0 ? ';' : ',';
    c->pos = start;
    return BORNE_OK;
}

char *csv_reader_field(struct csv_reader *c, int i)
{
    return c->buf + c->field[i];
}

enum csv_status csv_reader_next(struct csv_reader *c)
{
    enum { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE } st = FIELD_START;
    bool any = false; /* a byte, a quote or a delimiter seen: not a blank line */
    c->buf_len = 0;
    c->nfields = 0;
    c->why[0] = '\0';
    c->record_line = c->line;
    open_field(c);
    for (;;) {
        int ch = get(c);
        if (ch == CSV_EOF) {
            if (st == QUOTED) {
                snprintf(c->why, sizeof c->why,
                         "a quoted field opened here is never closed (a missing \" before the "
                         "end of the file)");
                return fatal(c);
            }
            if (!any)
                return CSV_END;
            if (!put(c, '\0'))
                goto too_long;
            return CSV_RECORD;
        }
        if (ch == '\0') {
            snprintf(c->why, sizeof c->why, "a NUL byte: this is not a text file");
            return skip_line(c);
        }
        if (ch == '\r') {
            int next = get(c);
            if (next != '\n') {
                if (next != CSV_EOF)
                    unget(c);
                if (st != QUOTED) {
                    snprintf(c->why, sizeof c->why,
                             "a carriage return not followed by a line feed");
                    return skip_line(c);
                }
            }
            ch = '\n';
        }
        switch (st) {
        case FIELD_START:
            if (ch == '"') {
                st = QUOTED;
                any = true;
                continue;
            }
            /* fall through */
        case UNQUOTED:
            if (ch == c->delim) {
                if (!put(c, '\0'))
                    goto too_long;
                if (!open_field(c)) {
                    snprintf(c->why, sizeof c->why, "more than %d fields", CSV_FIELDS_MAX);
                    return skip_line(c);
                }
                st = FIELD_START;
                any = true;
                continue;
            }
            if (ch == '\n') {
                c->line++;
                if (!any) { /* a blank line between records */
                    c->record_line = c->line;
                    continue;
                }
                if (!put(c, '\0'))
                    goto too_long;
                return CSV_RECORD;
            }
            if (ch == '"') {
                snprintf(c->why, sizeof c->why,
                         "a quote inside a field that does not start with one: put the whole "
                         "field in quotes and double the quote (\"\")");
                return skip_line(c);
            }
            if (!put(c, (char)ch))
                goto too_long;
            st = UNQUOTED;
            any = true;
            continue;
        case QUOTED:
            if (ch == '"') {
                int next = get(c);
                if (next == '"') {
                    if (!put(c, '"'))
                        goto too_long;
                    continue;
                }
                if (next != CSV_EOF)
                    unget(c);
                st = AFTER_QUOTE;
                continue;
            }
            if (ch == '\n')
                c->line++;
            if (!put(c, (char)ch))
                goto too_long;
            continue;
        case AFTER_QUOTE:
            if (ch == c->delim) {
                if (!put(c, '\0'))
                    goto too_long;
                if (!open_field(c)) {
                    snprintf(c->why, sizeof c->why, "more than %d fields", CSV_FIELDS_MAX);
                    return skip_line(c);
                }
                st = FIELD_START;
                continue;
            }
            if (ch == '\n') {
                c->line++;
                if (!put(c, '\0'))
                    goto too_long;
                return CSV_RECORD;
            }
            snprintf(c->why, sizeof c->why,
                     "after a closing quote, expected %s or the end of the line",
                     c->delim == ',' ? "a comma" : "a semicolon");
            return skip_line(c);
        }
    }
too_long:
    snprintf(c->why, sizeof c->why, "a record longer than %d KiB (a quote never closed?)",
             CSV_RECORD_MAX / 1024);
    return fatal(c);
}
