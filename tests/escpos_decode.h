/* A strict ESC/POS reader for tests: reads a job back the way a printer would, and says what
** the paper would show.
**
** Written apart from firmware/escpos on purpose (a test's oracle must not be the code it
** tests): it calls nothing of the encoder, and turns code page bytes back into UTF-8 with the C
** library's iconv tables, not with the encoder's.
**
** Understood: ESC @, ESC t n (pages 0, 2, 16, 19), ESC a n, ESC E n, GS ! n, GS B n, ESC d n,
** LF, GS V m [n], GS v 0 (normal density), DLE EOT n, and printable bytes. Anything else, a
** command cut short, or something a printer would get wrong, is refused with the offset of the
** command: a control byte in text, a byte the page has no glyph for, a high byte before any
** ESC t, ESC a / ESC d / a picture / a cut / a reset while a line holds unprinted text, a
** picture wider than the paper, text never ended by a line feed.
**
** The model of the paper, in dots (203 dpi, both ways): Font A cells are 12 x 24 dots times
** the GS ! multipliers; a line feed advances max(30, tallest cell of the line), the printers'
** default line spacing being 30 dots; ESC d n advances n x 30; a picture advances its height.
**
** Header-only, static inline, so that each test program takes what it uses. Needs iconv (libc)
** and libpng. */
#ifndef BORNE_TESTS_ESCPOS_DECODE_H
#define BORNE_TESTS_ESCPOS_DECODE_H

#include <errno.h>
#include <iconv.h>
#include <setjmp.h>
#include <png.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEC_LINE_SPACING 30
#define DEC_CELL_W 12
#define DEC_CELL_H 24
#define DEC_TEXT_MAX 1024 /* bytes of UTF-8 on one line */
#define DEC_LINES_MAX 4096
#define DEC_IMAGES_MAX 256

/* One printed line of text. */
struct dec_line {
    char text[DEC_TEXT_MAX]; /* what the paper shows, in UTF-8 */
    int nchars;              /* characters (bytes sent), each one Font A cell times wmul */
    int align;               /* 0 left, 1 centre, 2 right */
    bool bold, invert;
    int wmul, hmul; /* GS ! multipliers, 1..8, when the line's first character came */
    int esc_t;      /* the n of the ESC t in force */
    int x, y, w, h; /* where the printer puts it, in dots; h is the tallest cell */
    bool overflow;  /* wider than the paper: the printer would break it anywhere */
    bool mixed;     /* bold, reverse or size changed in the middle of the line */
};

/* A picture: GS v 0 bands that follow one another with nothing printed between them. */
struct dec_image {
    int y, w, h; /* position on the paper and size, in dots */
    int bands;
    uint8_t *bits; /* h rows of (w + 7) / 8 bytes, MSB first, 1 = black */
};

struct escpos_doc {
    int paper_dots;
    struct dec_line *lines;
    int n_lines, lines_cap;
    struct dec_image images[DEC_IMAGES_MAX];
    int n_images;
    int n_bands, max_band_rows;
    int height; /* length of paper used, in dots */
    int resets, cuts, status_queries, codepage_selects;
    bool ends_with_cut; /* nothing printed after the last cut */
    char error[200];
    size_t error_offset;
};

/* Reader state that does not outlive escpos_decode(). */
struct dec_state {
    const uint8_t *p;
    size_t len, pos, cmd;
    int esc_t; /* -1 before any ESC t: the printer's own default, unknown */
    char high[128][5];
    bool high_ok[128];
    int align, wmul, hmul;
    bool bold, invert;
    struct dec_line cur;
    size_t cur_len; /* bytes of cur.text */
    bool pending;   /* cur holds characters not yet printed */
    bool last_was_band;
};

static inline bool dec_fail(struct escpos_doc *doc, struct dec_state *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[160];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(doc->error, sizeof doc->error, "offset %zu: %s", s->cmd, msg);
    doc->error_offset = s->cmd;
    return false;
}

/* The libc name of the page ESC t n selects, NULL for pages this reader does not know. */
static inline const char *dec_page_name(int n)
{
    switch (n) {
    case 0:
        return "CP437";
    case 2:
        return "CP850";
    case 16:
        return "CP1252";
    case 19:
        return "CP858";
    default:
        return NULL;
    }
}

static inline bool dec_load_page(struct dec_state *s, int n)
{
    const char *name = dec_page_name(n);
    if (!name)
        return false;
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd == (iconv_t)-1)
        return false;
    for (int i = 0; i < 128; i++) {
        char in = (char)(0x80 + i), *inp = &in;
        char *outp = s->high[i];
        size_t inleft = 1, outleft = sizeof s->high[i] - 1;
        iconv(cd, NULL, NULL, NULL, NULL);
        size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
        s->high_ok[i] = r != (size_t)-1 && inleft == 0;
        *outp = '\0';
    }
    iconv_close(cd);
    s->esc_t = n;
    return true;
}

static inline bool dec_need(struct escpos_doc *doc, struct dec_state *s, size_t n, const char *what)
{
    if (s->len - s->pos < n)
        return dec_fail(doc, s, "%s cut short", what);
    return true;
}

static inline void dec_attr_changed(struct dec_state *s)
{
    if (s->pending)
        s->cur.mixed = true;
}

/* Print the pending line and advance the paper. */
static inline bool dec_flush_line(struct escpos_doc *doc, struct dec_state *s)
{
    if (!s->pending) {
        doc->height += DEC_LINE_SPACING;
        return true;
    }
    if (doc->n_lines >= DEC_LINES_MAX)
        return dec_fail(doc, s, "more than %d lines", DEC_LINES_MAX);
    if (doc->n_lines == doc->lines_cap) {
        int cap = doc->lines_cap ? 2 * doc->lines_cap : 32;
        struct dec_line *lines = realloc(doc->lines, (size_t)cap * sizeof *lines);
        if (!lines)
            return dec_fail(doc, s, "out of memory");
        doc->lines = lines;
        doc->lines_cap = cap;
    }
    struct dec_line *l = &s->cur;
    l->w = l->nchars * DEC_CELL_W * l->wmul;
    l->overflow = l->w > doc->paper_dots;
    int w = l->overflow ? doc->paper_dots : l->w;
    l->x = l->align == 1 ? (doc->paper_dots - w) / 2 : l->align == 2 ? doc->paper_dots - w : 0;
    l->y = doc->height;
    doc->height += l->h > DEC_LINE_SPACING ? l->h : DEC_LINE_SPACING;
    doc->lines[doc->n_lines++] = *l;
    s->pending = false;
    s->cur_len = 0;
    doc->ends_with_cut = false;
    s->last_was_band = false;
    return true;
}

static inline bool dec_text_byte(struct escpos_doc *doc, struct dec_state *s, uint8_t b)
{
    const char *utf8;
    char ascii[2] = {(char)b, '\0'};
    if (b >= 0x20 && b < 0x7F) {
        utf8 = ascii;
    } else if (b >= 0x80) {
        if (s->esc_t < 0)
            return dec_fail(doc, s, "byte 0x%02X before any ESC t: the page is unknown", b);
        if (!s->high_ok[b - 0x80])
            return dec_fail(doc, s, "byte 0x%02X has no glyph in page %d", b, s->esc_t);
        utf8 = s->high[b - 0x80];
    } else {
        return dec_fail(doc, s, "control byte 0x%02X in text", b);
    }
    if (!s->pending) {
        memset(&s->cur, 0, sizeof s->cur);
        s->cur.align = s->align;
        s->cur.bold = s->bold;
        s->cur.invert = s->invert;
        s->cur.wmul = s->wmul;
        s->cur.hmul = s->hmul;
        s->cur.esc_t = s->esc_t;
        s->cur.h = DEC_CELL_H * s->hmul;
        s->pending = true;
    }
    size_t n = strlen(utf8);
    if (s->cur_len + n >= DEC_TEXT_MAX)
        return dec_fail(doc, s, "a line longer than %d bytes", DEC_TEXT_MAX);
    memcpy(s->cur.text + s->cur_len, utf8, n + 1);
    s->cur_len += n;
    s->cur.nchars++;
    if (DEC_CELL_H * s->hmul > s->cur.h)
        s->cur.h = DEC_CELL_H * s->hmul;
    return true;
}

static inline bool dec_band(struct escpos_doc *doc, struct dec_state *s)
{
    if (!dec_need(doc, s, 5, "GS v 0"))
        return false;
    const uint8_t *q = s->p + s->pos;
    int m = q[0];
    int xbytes = q[1] | q[2] << 8, rows = q[3] | q[4] << 8;
    s->pos += 5;
    if (m != 0 && m != 48)
        return dec_fail(doc, s, "GS v 0 with m = %d (only normal density is expected)", m);
    if (xbytes == 0 || rows == 0)
        return dec_fail(doc, s, "GS v 0 of %d x %d bytes", xbytes, rows);
    if (xbytes * 8 > doc->paper_dots)
        return dec_fail(doc, s, "picture %d dots wide on %d-dot paper", xbytes * 8,
                        doc->paper_dots);
    if (s->pending)
        return dec_fail(doc, s, "picture in the middle of a line of text");
    size_t size = (size_t)xbytes * (size_t)rows;
    if (!dec_need(doc, s, size, "GS v 0 data"))
        return false;
    struct dec_image *im = doc->n_images ? &doc->images[doc->n_images - 1] : NULL;
    if (!(s->last_was_band && im && im->w == xbytes * 8)) {
        if (doc->n_images >= DEC_IMAGES_MAX)
            return dec_fail(doc, s, "more than %d pictures", DEC_IMAGES_MAX);
        im = &doc->images[doc->n_images++];
        memset(im, 0, sizeof *im);
        im->y = doc->height;
        im->w = xbytes * 8;
    }
    uint8_t *bits = realloc(im->bits, (size_t)xbytes * (size_t)(im->h + rows));
    if (!bits)
        return dec_fail(doc, s, "out of memory");
    memcpy(bits + (size_t)xbytes * (size_t)im->h, s->p + s->pos, size);
    im->bits = bits;
    im->h += rows;
    im->bands++;
    s->pos += size;
    doc->n_bands++;
    if (rows > doc->max_band_rows)
        doc->max_band_rows = rows;
    doc->height += rows;
    doc->ends_with_cut = false;
    s->last_was_band = true;
    return true;
}

static inline bool dec_esc(struct escpos_doc *doc, struct dec_state *s)
{
    if (!dec_need(doc, s, 1, "ESC"))
        return false;
    uint8_t c = s->p[s->pos++];
    if (c == '@') {
        if (s->pending)
            return dec_fail(doc, s, "ESC @ would throw away unprinted text");
        s->esc_t = -1;
        s->align = 0;
        s->wmul = s->hmul = 1;
        s->bold = s->invert = false;
        doc->resets++;
        return true;
    }
    if (!dec_need(doc, s, 1, "ESC command"))
        return false;
    uint8_t n = s->p[s->pos++];
    switch (c) {
    case 't':
        if (!dec_load_page(s, n))
            return dec_fail(doc, s, "ESC t %d: unknown code page", n);
        doc->codepage_selects++;
        return true;
    case 'a':
        if (s->pending)
            return dec_fail(doc, s, "ESC a in the middle of a line (printers ignore it)");
        if (n > 2 && (n < 48 || n > 50))
            return dec_fail(doc, s, "ESC a %d", n);
        s->align = n % 48;
        return true;
    case 'E':
        dec_attr_changed(s);
        s->bold = n & 1;
        return true;
    case 'd':
        if (s->pending)
            return dec_fail(doc, s, "ESC d with unprinted text");
        doc->height += DEC_LINE_SPACING * n;
        if (n > 0)
            s->last_was_band = false;
        return true;
    default:
        return dec_fail(doc, s, "unknown command ESC 0x%02X", c);
    }
}

static inline bool dec_gs(struct escpos_doc *doc, struct dec_state *s)
{
    if (!dec_need(doc, s, 2, "GS command"))
        return false;
    uint8_t c = s->p[s->pos++];
    uint8_t n = s->p[s->pos++];
    switch (c) {
    case '!':
        if ((n & 0x0F) > 7 || (n >> 4) > 7)
            return dec_fail(doc, s, "GS ! 0x%02X", n);
        dec_attr_changed(s);
        s->wmul = (n >> 4) + 1;
        s->hmul = (n & 0x0F) + 1;
        return true;
    case 'B':
        dec_attr_changed(s);
        s->invert = n & 1;
        return true;
    case 'V':
        if (s->pending)
            return dec_fail(doc, s, "cut with unprinted text");
        if (n == 65 || n == 66) {
            if (!dec_need(doc, s, 1, "GS V m n"))
                return false;
            s->pos++;
        } else if (n != 0 && n != 1 && n != 48 && n != 49) {
            return dec_fail(doc, s, "GS V %d", n);
        }
        doc->cuts++;
        doc->ends_with_cut = true;
        s->last_was_band = false;
        return true;
    case 'v':
        if (n != '0')
            return dec_fail(doc, s, "GS v 0x%02X", n);
        return dec_band(doc, s);
    default:
        return dec_fail(doc, s, "unknown command GS 0x%02X", c);
    }
}

/* Read len bytes of a job for paper paper_dots wide (384 or 576) into doc. Returns true when
** the whole job is understood; false with doc->error and doc->error_offset otherwise. Either
** way free doc with escpos_doc_free(). */
static inline bool escpos_decode(const uint8_t *data, size_t len, int paper_dots,
                                 struct escpos_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    doc->paper_dots = paper_dots;
    struct dec_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(doc->error, sizeof doc->error, "out of memory");
        return false;
    }
    bool ok = true;
    s->p = data;
    s->len = len;
    s->esc_t = -1;
    s->wmul = s->hmul = 1;
    while (ok && s->pos < len) {
        s->cmd = s->pos;
        uint8_t b = data[s->pos++];
        switch (b) {
        case 0x0A:
            ok = dec_flush_line(doc, s);
            if (ok)
                s->last_was_band = false;
            break;
        case 0x1B:
            ok = dec_esc(doc, s);
            break;
        case 0x1D:
            ok = dec_gs(doc, s);
            break;
        case 0x10:
            ok = dec_need(doc, s, 2, "DLE");
            if (ok && data[s->pos] != 0x04)
                ok = dec_fail(doc, s, "unknown command DLE 0x%02X", data[s->pos]);
            else if (ok && (data[s->pos + 1] < 1 || data[s->pos + 1] > 4))
                ok = dec_fail(doc, s, "DLE EOT %d", data[s->pos + 1]);
            if (ok) {
                s->pos += 2;
                doc->status_queries++;
            }
            break;
        default:
            ok = dec_text_byte(doc, s, b);
        }
    }
    if (ok && s->pending) {
        s->cmd = len;
        ok = dec_fail(doc, s, "text at the end never printed: no line feed after it");
    }
    free(s);
    return ok;
}

static inline void escpos_doc_free(struct escpos_doc *doc)
{
    free(doc->lines);
    for (int i = 0; i < doc->n_images; i++)
        free(doc->images[i].bits);
    memset(doc, 0, sizeof *doc);
}

/* The paper a job was made for, in dots: 576 (80 mm) if a picture or a line of it is wider
** than the 384 dots of 58 mm paper, else 384. A job the decoder refuses gives 384. */
static inline int escpos_guess_paper_dots(const uint8_t *data, size_t len)
{
    struct escpos_doc doc;
    int dots = 384;
    if (escpos_decode(data, len, 576, &doc)) {
        for (int i = 0; i < doc.n_images; i++)
            if (doc.images[i].w > 384)
                dots = 576;
        for (int i = 0; i < doc.n_lines; i++)
            if (doc.lines[i].w > 384)
                dots = 576;
    }
    escpos_doc_free(&doc);
    return dots;
}

/* Every picture of the job stacked into one, in order, without the text between them: w is the
** widest, narrower ones are padded white on the right. Returns malloc'd bits (h rows of
** (w + 7) / 8 bytes) or NULL when there is no picture. */
static inline uint8_t *escpos_doc_raster(const struct escpos_doc *doc, int *w, int *h)
{
    *w = *h = 0;
    for (int i = 0; i < doc->n_images; i++) {
        if (doc->images[i].w > *w)
            *w = doc->images[i].w;
        *h += doc->images[i].h;
    }
    if (*h == 0)
        return NULL;
    size_t rb = ((size_t)*w + 7) / 8;
    uint8_t *bits = calloc((size_t)*h, rb);
    if (!bits)
        return NULL;
    int y = 0;
    for (int i = 0; i < doc->n_images; i++) {
        const struct dec_image *im = &doc->images[i];
        size_t irb = ((size_t)im->w + 7) / 8;
        for (int r = 0; r < im->h; r++, y++)
            memcpy(bits + (size_t)y * rb, im->bits + (size_t)r * irb, irb);
    }
    return bits;
}

/* The index of the tallest picture (the QR code on a ticket), -1 if there is none. */
static inline int escpos_doc_tallest_image(const struct escpos_doc *doc)
{
    int best = -1;
    for (int i = 0; i < doc->n_images; i++)
        if (best < 0 || doc->images[i].h > doc->images[best].h)
            best = i;
    return best;
}

/* The black dots' bounding box in a picture; false when it is all white. */
static inline bool escpos_image_ink(const struct dec_image *im, int *x0, int *y0, int *x1, int *y1)
{
    size_t rb = ((size_t)im->w + 7) / 8;
    *x0 = im->w, *y0 = im->h, *x1 = -1, *y1 = -1;
    for (int y = 0; y < im->h; y++)
        for (int x = 0; x < im->w; x++)
            if (im->bits[(size_t)y * rb + (size_t)x / 8] & (0x80 >> (x % 8))) {
                if (x < *x0)
                    *x0 = x;
                if (x > *x1)
                    *x1 = x;
                if (y < *y0)
                    *y0 = y;
                if (y > *y1)
                    *y1 = y;
            }
    return *x1 >= 0;
}

/* Write a w x h 8-bit grey PNG to f, which the caller opened for writing and closes: row y is
** filled by row_of(ctx, y, row) with w bytes, 0 black and 255 white. Returns false if libpng
** failed (a full disk, no memory). */
static inline bool escpos_grey_png_write(FILE *f, int w, int h,
                                         void (*row_of)(const void *ctx, int y, uint8_t *row),
                                         const void *ctx)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *row = malloc((size_t)w);
    volatile bool ok = png && info && row;
    if (ok && setjmp(png_jmpbuf(png)))
        ok = false;
    else if (ok) {
        png_init_io(png, f);
        png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_GRAY,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_write_info(png, info);
        for (int y = 0; y < h; y++) {
            row_of(ctx, y, row);
            png_write_row(png, row);
        }
        png_write_end(png, NULL);
    }
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(row);
    return ok;
}

/* A picture drawn with a white border and each dot scale pixels square. */
struct dec_png_picture {
    const struct dec_image *im;
    int border, scale, w;
};

static inline void dec_png_picture_row(const void *ctx, int y, uint8_t *row)
{
    const struct dec_png_picture *p = ctx;
    const struct dec_image *im = p->im;
    size_t rb = ((size_t)im->w + 7) / 8;
    memset(row, 255, (size_t)p->w);
    int sy = (y - p->border) / p->scale;
    if (y >= p->border && sy < im->h)
        for (int x = 0; x < im->w; x++)
            if (im->bits[(size_t)sy * rb + (size_t)x / 8] & (0x80 >> (x % 8)))
                memset(row + p->border + x * p->scale, 0, (size_t)p->scale);
}

/* Write a picture as an 8-bit grey PNG with border white pixels around it and each dot scale
** pixels square, so that zbarimg, which wants a quiet zone, can read a QR code in it.
** Returns false if the file cannot be written. */
static inline bool escpos_image_write_png(const struct dec_image *im, int border, int scale,
                                          const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    struct dec_png_picture p = {im, border, scale, im->w * scale + 2 * border};
    bool ok = escpos_grey_png_write(f, p.w, im->h * scale + 2 * border, dec_png_picture_row, &p);
    if (fclose(f) != 0)
        ok = false;
    return ok;
}

/* The largest job file the tools read: a ticket is a few KiB, so this only stops a wrong file
** from filling the memory. */
#define ESCPOS_JOB_FILE_MAX (4u * 1024u * 1024u)

/* Read a whole job file for a tool (escpos_read, ticket_png): a malloc'ed copy the caller frees,
** *len its size. NULL, after "<prog>: <path>: <why>" on stderr, if the file cannot be opened,
** is larger than ESCPOS_JOB_FILE_MAX, or memory ran out. */
static inline uint8_t *escpos_job_read(const char *prog, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    uint8_t *data = malloc(ESCPOS_JOB_FILE_MAX);
    size_t n = data ? fread(data, 1, ESCPOS_JOB_FILE_MAX, f) : 0;
    bool too_big = data && n == ESCPOS_JOB_FILE_MAX && fgetc(f) != EOF;
    fclose(f);
    if (!data || too_big) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, too_big ? "larger than 4 MiB" : "no memory");
        free(data);
        return NULL;
    }
    *len = n;
    return data;
}

#endif
