/* libFuzzer target for the code page conversion and the ticket layout: a visitor's first name,
** a session title from the server, a payload from a scan can hold anything, and none of it may
** ever reach the printer as a command.
**
** Checked on every input:
**   - for every page and an output capacity taken from the input: the result is snprintf's
**     (full length returned, a terminated prefix written), and no byte written is a control
**     byte, 0x7F, or a byte the page has no glyph for;
**   - the conversion back to UTF-8 is valid UTF-8;
**   - the input split at '\n' into the fields of a ticket (on 58 or 80 mm paper, any page):
**     either ticket_job_build() refuses it and leaves the buffer empty, or the tests' strict
**     decoder reads the job back whole, with no line wider than the paper, no attribute
**     change inside a line, one reset and one cut at the very end. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escpos/codepage.h"
#include "escpos/ticket_job.h"
#include "escpos_decode.h"
#include "support.h"

#define INPUT_MAX 4096
/* Room for any conversion of INPUT_MAX bytes: no stand-in is more than 3 bytes per input byte. */
#define OUT_CAP (INPUT_MAX * 3 + 1)

static void check_page(enum escpos_codepage cp, const char *text, size_t cap)
{
    static char out[OUT_CAP + 1];
    static char back[OUT_CAP * 3 + 1];
    memset(out, 'Z', cap + 1);
    size_t n = escpos_codepage_from_utf8(cp, text, out, cap);
    if (cap == 0) {
        if (out[0] != 'Z')
            abort();
        return;
    }
    size_t w = strlen(out);
    if (w >= cap || (n < cap && w != n) || (n >= cap && w > n))
        abort();
    for (size_t i = 0; i < w; i++) {
        uint8_t b = (uint8_t)out[i];
        if (b < 0x20 || b == 0x7F || escpos_codepage_char(cp, b) == 0)
            abort();
    }
    size_t m = escpos_codepage_to_utf8(cp, out, w, back, sizeof back);
    if (m >= sizeof back || !support_valid_utf8(back))
        abort();
}

static void check_ticket(char *fields, int paper_mm, enum escpos_codepage cp)
{
    const char *f[10] = {0};
    int k = 0;
    char *p = fields;
    while (k < 10) {
        f[k++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    struct ticket_print t = {
        .centre = f[0],
        .title = f[1],
        .when = f[2],
        .room = f[3],
        .first_name = f[4],
        .payload = f[5] ? f[5] : "B1FUZZ",
        .short_code = f[6],
        .code_label = f[7],
        .arrival = f[8],
        .note = f[9],
        .paper_mm = paper_mm,
        .codepage = cp,
    };
    struct escpos_buf b;
    escpos_buf_init(&b);
    if (ticket_job_build(&t, &b) != BORNE_OK) {
        if (b.data || b.len || b.failed)
            abort();
        return;
    }
    struct escpos_doc doc;
    int dots = ticket_job_dots_per_line(paper_mm);
    if (!escpos_decode(b.data, b.len, dots, &doc))
        abort();
    if (doc.resets != 1 || doc.cuts != 1 || !doc.ends_with_cut || doc.max_band_rows > 256)
        abort();
    for (int i = 0; i < doc.n_lines; i++)
        if (doc.lines[i].overflow || doc.lines[i].mixed)
            abort();
    escpos_doc_free(&doc);
    escpos_buf_deinit(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[INPUT_MAX + 1];
    if (size < 1 || size > INPUT_MAX)
        return 0;
    /* The first byte picks the paper, the page and the output capacity. */
    uint8_t sel = data[0];
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    size_t cap = sel & 0x80 ? (size_t)(sel & 0x3F) : OUT_CAP;
    for (int cp = ESCPOS_CP858; cp <= ESCPOS_CP1252; cp++)
        check_page((enum escpos_codepage)cp, text, cap);
    check_ticket(text, sel & 1 ? 80 : 58, (enum escpos_codepage)((sel >> 1) & 3));
    return 0;
}
