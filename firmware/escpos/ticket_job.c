/* The ticket's layout as ESC/POS. See ticket_job.h. */
#include "escpos/ticket_job.h"

#include <string.h>

/* Blank rows above and below the rule under the centre's name, and its thickness. */
#define RULE_PAD_ROWS 8
#define RULE_ROWS 2
/* The rule stops this many dots short of each edge: a line touching the paper's edge looks
** like a printing fault. */
#define RULE_MARGIN_DOTS 16

/* The longest line wrap() ever holds: 80 mm paper at normal width. */
#define WRAP_LINE_MAX 48

int ticket_job_dots_per_line(int paper_mm)
{
    return paper_mm == 58 ? 384 : paper_mm == 80 ? 576 : 0;
}

int ticket_job_chars_per_line(int paper_mm)
{
    return ticket_job_dots_per_line(paper_mm) / ESCPOS_FONT_A_WIDTH;
}

/* Convert a field to the code page into conv (TICKET_FIELD_MAX + 1 bytes); a field that does
** not fit is cut after its last whole word that leaves room for "...". Returns the length. */
static size_t convert_field(enum escpos_codepage cp, const char *utf8, char *conv)
{
    size_t cap = TICKET_FIELD_MAX + 1;
    size_t n = escpos_codepage_from_utf8(cp, utf8, conv, cap);
    if (n < cap)
        return n;
    n = strlen(conv);
    size_t keep = n > TICKET_FIELD_MAX - 3 ? TICKET_FIELD_MAX - 3 : n;
    size_t space = keep;
    while (space > 0 && conv[space] != ' ')
        space--;
    if (space > 0)
        keep = space;
    while (keep > 0 && conv[keep - 1] == ' ')
        keep--;
    memcpy(conv + keep, "...", 4);
    return keep + 3;
}

/* Print one finished line, with a space of padding each side when pad is set (the white on
** black note looks like a label then, not like letters touching the black). */
static void put_line(struct escpos_buf *out, const char *line, size_t len, bool pad)
{
    if (pad)
        escpos_text_bytes(out, " ", 1);
    escpos_text_bytes(out, line, len);
    if (pad)
        escpos_text_bytes(out, " ", 1);
    escpos_newline(out);
}

/* Lay text (converted bytes) out in lines of at most width characters, breaking at spaces;
** runs of spaces fold into one, and only a word longer than a line is split. Each line is
** printed when out is not NULL. Returns the number of lines. */
static int wrap(struct escpos_buf *out, const char *text, size_t len, size_t width, bool pad)
{
    char line[WRAP_LINE_MAX];
    size_t line_len = 0;
    int lines = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && text[i] == ' ')
            i++;
        size_t start = i;
        while (i < len && text[i] != ' ')
            i++;
        size_t word = i - start;
        if (word == 0)
            break;
        if (line_len > 0 && line_len + 1 + word <= width) {
            line[line_len++] = ' ';
            memcpy(line + line_len, text + start, word);
            line_len += word;
            continue;
        }
        if (line_len > 0) {
            if (out)
                put_line(out, line, line_len, pad);
            lines++;
        }
        while (word > width) {
            if (out)
                put_line(out, text + start, width, pad);
            lines++;
            start += width;
            word -= width;
        }
        memcpy(line, text + start, word);
        line_len = word;
    }
    if (line_len > 0) {
        if (out)
            put_line(out, line, line_len, pad);
        lines++;
    }
    return lines;
}

/* Print text in the fewest lines, as even as they can be: the narrowest width that needs no
** more lines than the full width does. Centred, "Découvrir l'ordinateur et Internet :
** premiers" over a lone "pas" reads worse than two halves. Never narrower than the longest
** word (up to the full width), so that no word is split that need not be. */
static void wrap_balanced(struct escpos_buf *out, const char *text, size_t len, size_t width,
                          bool pad)
{
    size_t longest = 0, run = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == ' ')
            run = 0;
        else if (++run > longest)
            longest = run;
    }
    int lines = wrap(NULL, text, len, width, pad);
    size_t best = width;
    while (best > 1 && best - 1 >= longest && wrap(NULL, text, len, best - 1, pad) == lines)
        best--;
    wrap(out, text, len, best, pad);
}

/* One field, wrapped for its character size; nothing at all for a NULL or empty field. */
static void field(struct escpos_buf *out, const struct ticket_print *t, const char *utf8,
                  int width_mul, bool pad)
{
    if (!utf8 || !*utf8)
        return;
    char conv[TICKET_FIELD_MAX + 1];
    size_t n = convert_field(t->codepage, utf8, conv);
    int width = ticket_job_chars_per_line(t->paper_mm) / width_mul - (pad ? 2 : 0);
    wrap_balanced(out, conv, n, (size_t)width, pad);
}

/* A thin horizontal rule with some white above and below, as a picture. */
static void rule(struct escpos_buf *out, int dots)
{
    enum { ROWS = 2 * RULE_PAD_ROWS + RULE_ROWS };
    uint8_t bits[ROWS * 576 / 8];
    int row_bytes = dots / 8;
    memset(bits, 0, sizeof bits);
    for (int y = RULE_PAD_ROWS; y < RULE_PAD_ROWS + RULE_ROWS; y++)
        for (int x = RULE_MARGIN_DOTS; x < dots - RULE_MARGIN_DOTS; x++)
            bits[y * row_bytes + x / 8] |= (uint8_t)(0x80 >> (x % 8));
    escpos_raster(out, bits, dots, ROWS);
}

/* The note: white on black, bold, double height, and double width when it fits on one line
** that way ("LISTE D'ATTENTE" does on 80 mm paper), rather than a word per line. */
static void note(struct escpos_buf *out, const struct ticket_print *t, const char *text)
{
    int wide = escpos_codepage_from_utf8(t->codepage, text, NULL, 0) + 2 <=
                       (size_t)ticket_job_chars_per_line(t->paper_mm) / 2
                   ? 2
                   : 1;
    escpos_size(out, wide, 2);
    escpos_bold(out, true);
    escpos_invert(out, true);
    field(out, t, text, wide, true);
    escpos_invert(out, false);
    escpos_bold(out, false);
    escpos_size(out, 1, 1);
}

enum borne_err ticket_job_build(const struct ticket_print *t, struct escpos_buf *out)
{
    if (!out)
        return BORNE_ERR_INVALID;
    int dots = t ? ticket_job_dots_per_line(t->paper_mm) : 0;
    if (!t || dots == 0 || escpos_codepage_esc_t(t->codepage) < 0 || !t->payload || !*t->payload ||
        out->failed) {
        escpos_buf_deinit(out);
        return BORNE_ERR_INVALID;
    }

    escpos_reset(out);
    escpos_codepage(out, t->codepage);
    escpos_align(out, ESCPOS_ALIGN_CENTER);

    escpos_bold(out, true);
    field(out, t, t->centre, 1, false);
    escpos_bold(out, false);
    rule(out, dots);
    if (t->waitlist) {
        note(out, t, t->note && *t->note ? t->note : TICKET_WAITLIST_NOTE);
        escpos_newline(out);
    }

    escpos_size(out, 1, 2);
    escpos_bold(out, true);
    field(out, t, t->title, 1, false);
    escpos_bold(out, false);
    escpos_size(out, 1, 1);
    escpos_newline(out);

    field(out, t, t->when, 1, false);
    escpos_bold(out, true);
    field(out, t, t->room, 1, false);
    escpos_bold(out, false);
    field(out, t, t->first_name, 1, false);

    /* No blank line around the QR code: its quiet zone is white enough. */
    escpos_qr(out, t->payload, 0, dots);

    field(out, t, t->code_label, 1, false);
    escpos_size(out, 2, 2);
    escpos_bold(out, true);
    field(out, t, t->short_code, 2, false);
    escpos_bold(out, false);
    escpos_size(out, 1, 1);
    escpos_newline(out);

    field(out, t, t->arrival, 1, false);

    if (t->note && *t->note && !t->waitlist) {
        escpos_newline(out);
        note(out, t, t->note);
    }

    escpos_feed(out, 4);
    enum borne_err err = escpos_cut(out);
    if (err != BORNE_OK)
        escpos_buf_deinit(out);
    return err;
}
