/* escpos_read: read an ESC/POS job back as a printer would, for end-to-end tests.
**
**   escpos_read IN.bin [--paper 58|80] [--text OUT.txt] [--qr OUT.png]
**
** The job is decoded by the tests' strict decoder (tests/escpos_decode.h, written apart from
** the encoder); a job it refuses is an error, with the offset of the bad command.
**   --text  the printed lines, in UTF-8 as the paper shows them (code page stand-ins
**           included), one per line, top to bottom
**   --qr    the tallest picture of the job (the QR code on a ticket) as a PNG with a white
**           border, one pixel per dot, for zbarimg
** Without --text, the lines go to standard output. The paper width is guessed from the job
** (the widest picture or line) unless given.
**
** Exit status: 0 read and written, 1 bad job, no picture for --qr, or unwritable file,
** 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escpos_decode.h"

static int usage(void)
{
    fprintf(stderr, "usage: escpos_read IN.bin [--paper 58|80] [--text OUT.txt] [--qr OUT.png]\n");
    return 2;
}

static bool write_text(const struct escpos_doc *doc, const char *path)
{
    FILE *f = path ? fopen(path, "w") : stdout;
    if (!f) {
        fprintf(stderr, "escpos_read: %s: %s\n", path, strerror(errno));
        return false;
    }
    for (int i = 0; i < doc->n_lines; i++)
        fprintf(f, "%s\n", doc->lines[i].text);
    bool ok = !ferror(f);
    if (path && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "escpos_read: %s: cannot write\n", path ? path : "standard output");
    return ok;
}

int main(int argc, char **argv)
{
    const char *in = NULL, *text = NULL, *qr = NULL;
    int dots = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--text") == 0 && i + 1 < argc) {
            text = argv[++i];
        } else if (strcmp(argv[i], "--qr") == 0 && i + 1 < argc) {
            qr = argv[++i];
        } else if (strcmp(argv[i], "--paper") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "58") == 0)
                dots = 384;
            else if (strcmp(argv[i], "80") == 0)
                dots = 576;
            else
                return usage();
        } else if (argv[i][0] != '-' && !in) {
            in = argv[i];
        } else {
            return usage();
        }
    }
    if (!in)
        return usage();
    size_t len = 0;
    uint8_t *data = escpos_job_read("escpos_read", in, &len);
    if (!data)
        return 1;
    if (dots == 0)
        dots = escpos_guess_paper_dots(data, len);

    int status = 1;
    struct escpos_doc doc;
    if (!escpos_decode(data, len, dots, &doc)) {
        fprintf(stderr, "escpos_read: %s: not a job this printer would print: %s\n", in, doc.error);
        goto out;
    }
    if (!write_text(&doc, text))
        goto out;
    if (qr) {
        int i = escpos_doc_tallest_image(&doc);
        if (i < 0) {
            fprintf(stderr, "escpos_read: %s: no picture in the job\n", in);
            goto out;
        }
        if (!escpos_image_write_png(&doc.images[i], 40, 1, qr)) {
            fprintf(stderr, "escpos_read: %s: cannot write the PNG\n", qr);
            goto out;
        }
    }
    status = 0;
out:
    escpos_doc_free(&doc);
    free(data);
    return status;
}
