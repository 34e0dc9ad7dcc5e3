/* A visitor's ticket as one ESC/POS print job.
**
** The layout, top to bottom, all centred: the centre's name in bold, a rule, the session title
** bold at double height, the date and time, the room, the visitor's first name, the QR code,
** the label and the short code to type when the QR will not scan (double size, bold), what to
** do at arrival, an optional note in white on black at double size, then a feed and a partial
** cut. A waiting-list ticket has its note ("LISTE D'ATTENTE") at the top instead, right under
** the centre's name: the first thing the desk reads when the ticket is handed over.
**
** Text is wrapped here, on word boundaries, by counting characters after conversion to the code
** page (one byte is one Font A cell); a word longer than a line is the only thing ever split.
** The printer's own wrapping would cut words anywhere. Pure and allocation-light: the only
** memory is the job buffer and the QR picture. */
#ifndef BORNE_ESCPOS_TICKET_JOB_H
#define BORNE_ESCPOS_TICKET_JOB_H

#include <stdbool.h>

#include "core/err.h"
#include "escpos/codepage.h"
#include "escpos/escpos.h"

/* A field longer than this many bytes after conversion is cut at a word and ends with "...":
** about ten lines of title at double height on 58 mm paper. A longer field is a bug upstream,
** and a ticket that prints beats a refusal at the kiosk. */
#define TICKET_FIELD_MAX 400

/* What a waiting-list ticket says when the caller gives no words of its own. */
#define TICKET_WAITLIST_NOTE "LISTE D'ATTENTE"

/* What a ticket shows. Every string is UTF-8 and borrowed for the call; a NULL or empty field
** is left out, except payload, which a ticket cannot do without. */
struct ticket_print {
    const char *centre;     /* "Atelier Numérique Rennes" */
    const char *title;      /* the session's title, may be long: wrapped on word boundaries */
    const char *when;       /* formatted by the caller: "lundi 23 novembre, 14:30 – 16:00" */
    const char *room;       /* "Salle 2" */
    const char *first_name; /* the visitor's first name, as typed (emoji print as '?') */
    const char *payload;    /* the QR content: the signed ticket payload, ASCII, up to ~250 */
    const char *short_code; /* printed under the QR, formatted by the caller: "ACDE-FHJK-M" */
    const char *code_label; /* the label above it: "Code du billet" */
    const char *arrival;    /* what to do at arrival: "À votre arrivée, scannez ce billet." */
    const char *note;       /* optional, NULL if none: printed inverted, double size, bold */
    bool waitlist;          /* a waiting-list ticket: note goes at the top, and a NULL or empty
                               note prints TICKET_WAITLIST_NOTE */
    int paper_mm;           /* 58 or 80 */
    enum escpos_codepage codepage;
};

/* Append the whole ticket t to out, an initialised buffer (escpos_buf_init()), which the caller
** keeps and frees. On failure out is emptied as by escpos_buf_deinit(), so that half a ticket
** can never be sent. BORNE_ERR_INVALID: t or out NULL, paper_mm neither 58 nor 80, an unknown
** code page, no payload, a payload too long for a QR code that fits the paper with modules of
** at least ESCPOS_QR_MIN_DOTS dots, or a job over ESCPOS_BUF_MAX. BORNE_ERR_NOMEM when memory
** runs out. */
enum borne_err ticket_job_build(const struct ticket_print *t, struct escpos_buf *out);

/* Printable width in dots: 384 on 58 mm paper, 576 on 80 mm; 0 for any other width. */
int ticket_job_dots_per_line(int paper_mm);

/* Font A characters per line at normal width: 32 on 58 mm paper, 48 on 80 mm; 0 otherwise. */
int ticket_job_chars_per_line(int paper_mm);

#endif
