/* ESC/POS commands into a growable buffer. See escpos.h. */
#include "escpos/escpos.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

#define ESC 0x1B
#define GS 0x1D
#define DLE 0x10
#define LF 0x0A

/* First allocation: a ticket's text fits, the QR picture makes it grow a few times. */
#define BUF_FIRST_CAP 4096u

void escpos_buf_init(struct escpos_buf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void escpos_buf_deinit(struct escpos_buf *buf)
{
    if (!buf)
        return;
    free(buf->data);
    memset(buf, 0, sizeof *buf);
}

static enum borne_err fail(struct escpos_buf *buf, enum borne_err err)
{
    if (!buf->failed) {
        buf->failed = true;
        buf->err = err;
    }
    return buf->err;
}

/* Make room for n more bytes, growing by doubling up to ESCPOS_BUF_MAX. */
static enum borne_err reserve(struct escpos_buf *buf, size_t n)
{
    if (buf->failed)
        return buf->err;
    if (n > ESCPOS_BUF_MAX - buf->len)
        return fail(buf, BORNE_ERR_INVALID);
    size_t need = buf->len + n;
    if (need <= buf->cap)
        return BORNE_OK;
    size_t cap = buf->cap ? buf->cap : BUF_FIRST_CAP;
    while (cap < need)
        cap *= 2;
    if (cap > ESCPOS_BUF_MAX)
        cap = ESCPOS_BUF_MAX;
    uint8_t *data = realloc(buf->data, cap);
    if (!data)
        return fail(buf, BORNE_ERR_NOMEM);
    buf->data = data;
    buf->cap = cap;
    return BORNE_OK;
}

enum borne_err escpos_append(struct escpos_buf *buf, const void *bytes, size_t len)
{
    enum borne_err err = reserve(buf, len);
    if (err != BORNE_OK)
        return err;
    if (len > 0)
        memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
    return BORNE_OK;
}

/* An argument the caller should never pass: the job is marked failed, not printed half-set. */
static enum borne_err invalid(struct escpos_buf *buf)
{
    return fail(buf, BORNE_ERR_INVALID);
}

static enum borne_err cmd3(struct escpos_buf *buf, uint8_t a, uint8_t b, uint8_t c)
{
    const uint8_t cmd[3] = {a, b, c};
    return escpos_append(buf, cmd, sizeof cmd);
}

enum borne_err escpos_reset(struct escpos_buf *buf)
{
    const uint8_t cmd[2] = {ESC, '@'};
    return escpos_append(buf, cmd, sizeof cmd);
}

enum borne_err escpos_codepage(struct escpos_buf *buf, enum escpos_codepage cp)
{
    int n = escpos_codepage_esc_t(cp);
    if (n < 0)
        return invalid(buf);
    return cmd3(buf, ESC, 't', (uint8_t)n);
}

enum borne_err escpos_align(struct escpos_buf *buf, enum escpos_align align)
{
    if (align != ESCPOS_ALIGN_LEFT && align != ESCPOS_ALIGN_CENTER && align != ESCPOS_ALIGN_RIGHT)
        return invalid(buf);
    return cmd3(buf, ESC, 'a', (uint8_t)align);
}

enum borne_err escpos_bold(struct escpos_buf *buf, bool on)
{
    return cmd3(buf, ESC, 'E', on ? 1 : 0);
}

enum borne_err escpos_invert(struct escpos_buf *buf, bool on)
{
    return cmd3(buf, GS, 'B', on ? 1 : 0);
}

enum borne_err escpos_size(struct escpos_buf *buf, int width_mul, int height_mul)
{
    if (width_mul < 1 || width_mul > 8 || height_mul < 1 || height_mul > 8)
        return invalid(buf);
    return cmd3(buf, GS, '!', (uint8_t)(((width_mul - 1) << 4) | (height_mul - 1)));
}

enum borne_err escpos_text_bytes(struct escpos_buf *buf, const char *bytes, size_t len)
{
    enum borne_err err = reserve(buf, len);
    if (err != BORNE_OK)
        return err;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)bytes[i];
        buf->data[buf->len + i] = (b < 0x20 || b == 0x7F) ? '?' : b;
    }
    buf->len += len;
    return BORNE_OK;
}

enum borne_err escpos_text(struct escpos_buf *buf, enum escpos_codepage cp, const char *utf8)
{
    if (buf->failed)
        return buf->err;
    /* Measure, then convert straight into the buffer: no temporary copy. */
    size_t n = escpos_codepage_from_utf8(cp, utf8, NULL, 0);
    enum borne_err err = reserve(buf, n + 1);
    if (err != BORNE_OK)
        return err;
    size_t got = escpos_codepage_from_utf8(cp, utf8, (char *)buf->data + buf->len, n + 1);
    if (got != n)
        return fail(buf, BORNE_ERR_INTERNAL);
    buf->len += n;
    return BORNE_OK;
}

enum borne_err escpos_newline(struct escpos_buf *buf)
{
    const uint8_t lf = LF;
    return escpos_append(buf, &lf, 1);
}

enum borne_err escpos_feed(struct escpos_buf *buf, int lines)
{
    if (lines < 0 || lines > 255)
        return invalid(buf);
    return cmd3(buf, ESC, 'd', (uint8_t)lines);
}

enum borne_err escpos_cut(struct escpos_buf *buf)
{
    const uint8_t cmd[4] = {GS, 'V', 66, 0};
    return escpos_append(buf, cmd, sizeof cmd);
}

enum borne_err escpos_raster(struct escpos_buf *buf, const uint8_t *bits, int width_dots,
                             int height_dots)
{
    if (buf->failed)
        return buf->err;
    if (!bits || width_dots <= 0 || height_dots <= 0 || width_dots > 65535 * 8)
        return invalid(buf);
    size_t row_bytes = ((size_t)width_dots + 7) / 8;
    size_t bands = ((size_t)height_dots + ESCPOS_RASTER_BAND_ROWS - 1) / ESCPOS_RASTER_BAND_ROWS;
    /* Check the whole picture first, so that a picture too big leaves no half of it behind. */
    if (row_bytes > ESCPOS_BUF_MAX / (size_t)height_dots)
        return invalid(buf);
    enum borne_err err = reserve(buf, row_bytes * (size_t)height_dots + 8 * bands);
    if (err != BORNE_OK)
        return err;
    /* Bits past the width are padding: whatever the caller left there must not print. */
    uint8_t last_mask = (uint8_t)(0xFF << ((8 - width_dots % 8) % 8));
    for (int y0 = 0; y0 < height_dots; y0 += ESCPOS_RASTER_BAND_ROWS) {
        int rows = height_dots - y0;
        if (rows > ESCPOS_RASTER_BAND_ROWS)
            rows = ESCPOS_RASTER_BAND_ROWS;
        uint8_t *p = buf->data + buf->len;
        p[0] = GS;
        p[1] = 'v';
        p[2] = '0';
        p[3] = 0; /* m = 0: normal density */
        p[4] = (uint8_t)(row_bytes & 0xFF);
        p[5] = (uint8_t)(row_bytes >> 8);
        p[6] = (uint8_t)(rows & 0xFF);
        p[7] = (uint8_t)(rows >> 8);
        p += 8;
        for (int y = 0; y < rows; y++) {
            memcpy(p, bits + (size_t)(y0 + y) * row_bytes, row_bytes);
            p[row_bytes - 1] &= last_mask;
            p += row_bytes;
        }
        buf->len = (size_t)(p - buf->data);
    }
    return BORNE_OK;
}

int escpos_qr_dots_per_module(int side, int paper_dots)
{
    if (side <= 0 || paper_dots <= 0)
        return 0;
    for (int d = ESCPOS_QR_AUTO_MAX_DOTS; d >= ESCPOS_QR_MIN_DOTS; d--)
        if ((side + 2 * ESCPOS_QR_QUIET_MODULES) * d <= paper_dots)
            return d;
    return 0;
}

/* Encode text as libqrencode sees fit within our rules; NULL with *err set on failure. */
static QRcode *qr_encode(const char *text, enum borne_err *err)
{
    if (!text || !*text) {
        *err = BORNE_ERR_INVALID;
        return NULL;
    }
    /* QR_MODE_8 as the hint lets libqrencode split the text into numeric, alphanumeric and
    ** 8-bit segments itself; case-sensitive so that lower case is kept. ECC M survives a
    ** scuffed or badly printed ticket. */
    errno = 0;
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        *err = errno == ENOMEM ? BORNE_ERR_NOMEM : BORNE_ERR_INVALID;
    else if (qr->width <= 0 || qr->width > ESCPOS_QR_MAX_SIDE) {
        QRcode_free(qr);
        qr = NULL;
        *err = BORNE_ERR_INTERNAL;
    }
    return qr;
}

enum borne_err escpos_qr_matrix(const char *text, uint8_t *modules, int cap_side, int *side)
{
    *side = 0;
    enum borne_err err = BORNE_OK;
    QRcode *qr = qr_encode(text, &err);
    if (!qr)
        return err;
    int n = qr->width;
    if (!modules || n > cap_side) {
        QRcode_free(qr);
        return BORNE_ERR_INVALID;
    }
    /* libqrencode's bit 0 is "dark"; the other bits say what kind of module it is. */
    for (int i = 0; i < n * n; i++)
        modules[i] = qr->data[i] & 1;
    QRcode_free(qr);
    *side = n;
    return BORNE_OK;
}

enum borne_err escpos_qr(struct escpos_buf *buf, const char *text, int dots_per_module,
                         int paper_dots)
{
    if (buf->failed)
        return buf->err;
    if (paper_dots <= 0 || paper_dots > 65535 * 8 ||
        (dots_per_module != 0 && dots_per_module < ESCPOS_QR_MIN_DOTS))
        return invalid(buf);
    enum borne_err err = BORNE_OK;
    QRcode *qr = qr_encode(text, &err);
    if (!qr)
        return fail(buf, err);
    int n = qr->width;
    int d = dots_per_module ? dots_per_module : escpos_qr_dots_per_module(n, paper_dots);
    int full = n + 2 * ESCPOS_QR_QUIET_MODULES;
    if (d == 0 || full > paper_dots / d) {
        QRcode_free(qr);
        return invalid(buf);
    }
    size_t row_bytes = ((size_t)paper_dots + 7) / 8;
    int height = full * d;
    uint8_t *bits = calloc((size_t)height, row_bytes);
    if (!bits) {
        QRcode_free(qr);
        return fail(buf, BORNE_ERR_NOMEM);
    }
    int x0 = (paper_dots - full * d) / 2 + ESCPOS_QR_QUIET_MODULES * d;
    int y0 = ESCPOS_QR_QUIET_MODULES * d;
    for (int my = 0; my < n; my++) {
        for (int mx = 0; mx < n; mx++) {
            if (!(qr->data[my * n + mx] & 1))
                continue;
            for (int dy = 0; dy < d; dy++) {
                uint8_t *row = bits + (size_t)(y0 + my * d + dy) * row_bytes;
                for (int dx = 0; dx < d; dx++) {
                    int x = x0 + mx * d + dx;
                    row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
                }
            }
        }
    }
    QRcode_free(qr);
    err = escpos_raster(buf, bits, paper_dots, height);
    free(bits);
    return err;
}

enum borne_err escpos_status_query(struct escpos_buf *buf)
{
    return cmd3(buf, DLE, 0x04, 4);
}

enum escpos_paper escpos_paper_from_status(uint8_t reply)
{
    /* Fixed bits: 0 and 7 clear, 1 and 4 set. Anything else is not this answer. */
    if ((reply & 0x93) != 0x12)
        return ESCPOS_PAPER_INVALID;
    if (reply & 0x60)
        return ESCPOS_PAPER_OUT;
    if (reply & 0x0C)
        return ESCPOS_PAPER_NEAR_END;
    return ESCPOS_PAPER_OK;
}
