/* ESC/POS commands for 58 mm and 80 mm thermal receipt printers (Epson TM-T20, TM-m30 and the
** cheap clones that copy them), appended to a growable byte buffer.
**
** Pure: nothing here opens a file, a socket or a device. A job is built in memory and handed,
** as opaque bytes, to firmware/printer, which sends it. Only the commands every clone
** understands are used: text in Font A (12 x 24 dots), bold, reverse, size multipliers,
** alignment, line feeds, partial cut, and pictures as GS v 0 raster bit images. QR codes are
** drawn here with libqrencode and sent as pictures rather than with the printer's own QR
** command (GS ( k), which many clones lack or get wrong.
**
** Errors are sticky, as in curl's dynbuf: the first command that fails marks the buffer failed
** and records why, every later command on it does nothing and returns that same error, so a
** job can be written as a run of calls with one check at the end. A command is appended whole
** or not at all. */
#ifndef BORNE_ESCPOS_H
#define BORNE_ESCPOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "escpos/codepage.h"

/* The largest job a buffer grows to. A ticket is about 30 KiB on 58 mm paper and 50 KiB on
** 80 mm (the QR picture is most of it); anything near this is a bug upstream, not a ticket. */
#define ESCPOS_BUF_MAX (256u * 1024u)

/* Rows per GS v 0 command at most: cheap printers have small receive buffers and some stall on
** a taller picture, so a tall picture is cut into bands of at most this many rows. */
#define ESCPOS_RASTER_BAND_ROWS 256

/* Font A, the default font: each character cell is 12 dots wide and 24 dots high. */
#define ESCPOS_FONT_A_WIDTH 12
#define ESCPOS_FONT_A_HEIGHT 24

/* QR codes: the white margin around the code, in modules, that the standard asks for; the
** smallest module size that phone cameras and the kiosk's scanner read reliably off thermal
** paper (5 dots = 0.63 mm at 203 dpi); the largest side of a QR code (version 40). */
#define ESCPOS_QR_QUIET_MODULES 4
#define ESCPOS_QR_MIN_DOTS 5
#define ESCPOS_QR_AUTO_MAX_DOTS 8
#define ESCPOS_QR_MAX_SIDE 177

/* A job under construction. Caller-owned; start with escpos_buf_init(), end with
** escpos_buf_deinit(). data holds len bytes when failed is false; once failed is true, err
** says why and the content must not be printed. */
struct escpos_buf {
    uint8_t *data;
    size_t len, cap;
    bool failed;
    enum borne_err err; /* BORNE_OK until the first failure */
};

enum escpos_align { ESCPOS_ALIGN_LEFT = 0, ESCPOS_ALIGN_CENTER = 1, ESCPOS_ALIGN_RIGHT = 2 };

/* What the answer to DLE EOT 4 says of the paper roll. */
enum escpos_paper {
    ESCPOS_PAPER_OK = 0,
    ESCPOS_PAPER_NEAR_END = 1, /* still prints; staff should change the roll soon */
    ESCPOS_PAPER_OUT = 2,
    ESCPOS_PAPER_INVALID = 3, /* the byte is not a paper status (noise, another reply) */
};

/* Make buf an empty job. Allocates nothing: memory comes with the first command. */
void escpos_buf_init(struct escpos_buf *buf);

/* Free what buf holds and leave it empty, as after escpos_buf_init(). NULL is accepted. */
void escpos_buf_deinit(struct escpos_buf *buf);

/* Append len raw bytes. For commands this module does not have; text must go through
** escpos_text() or escpos_text_bytes(), which keep command bytes out of it.
** BORNE_ERR_INVALID when the job would pass ESCPOS_BUF_MAX, BORNE_ERR_NOMEM when memory runs
** out; either marks the buffer failed. */
enum borne_err escpos_append(struct escpos_buf *buf, const void *bytes, size_t len);

/* ESC @: back to the power-on settings (Font A, left aligned, normal size, not bold, the code
** page of the printer's memory switches). Every job starts with it, so that a job cut short
** cannot leave the next one printing double size. */
enum borne_err escpos_reset(struct escpos_buf *buf);

/* ESC t n: select the code page that the following text is converted to. BORNE_ERR_INVALID
** for a value outside the enum. */
enum borne_err escpos_codepage(struct escpos_buf *buf, enum escpos_codepage cp);

/* ESC a n: alignment of the lines that follow. The printer applies it only at the start of a
** line, so call it before a line's text, never in the middle. BORNE_ERR_INVALID for a value
** outside the enum. */
enum borne_err escpos_align(struct escpos_buf *buf, enum escpos_align align);

/* ESC E n: bold (emphasised) text on or off. */
enum borne_err escpos_bold(struct escpos_buf *buf, bool on);

/* GS B n: reverse printing (white text on black) on or off; used for notes that must not be
** missed, such as "waiting list". */
enum borne_err escpos_invert(struct escpos_buf *buf, bool on);

/* GS ! n: character size, each of width and height multiplied by 1..8. A line holds
** (paper dots / 12) / width_mul characters. BORNE_ERR_INVALID outside 1..8. */
enum borne_err escpos_size(struct escpos_buf *buf, int width_mul, int height_mul);

/* Append UTF-8 text converted to the page cp (which must be the one selected with
** escpos_codepage()), with the stand-ins of codepage.h: no byte of it is ever a command.
** No line feed is added, and a '\n' in the text prints as '?': lines are ended with
** escpos_newline(), and wrapping is the caller's (ticket_job.c) since the printer's own
** wrapping cuts words. NULL is "". */
enum borne_err escpos_text(struct escpos_buf *buf, enum escpos_codepage cp, const char *utf8);

/* Append text already converted to the code page (as escpos_codepage_from_utf8() makes it, for
** a caller that measures or wraps it first). Any control byte (below 0x20, or 0x7F) still in
** it is printed as '?', so that a caller's mistake cannot become a printer command. */
enum borne_err escpos_text_bytes(struct escpos_buf *buf, const char *bytes, size_t len);

/* LF: print the line and move to the next. A LF on an empty line feeds one blank line. */
enum borne_err escpos_newline(struct escpos_buf *buf);

/* ESC d n: print the line and feed n lines (0..255); BORNE_ERR_INVALID outside. */
enum borne_err escpos_feed(struct escpos_buf *buf, int lines);

/* GS V 66 0: feed the paper to the cutter and cut it, leaving a hinge (partial cut) so that
** the ticket does not fall on the floor. */
enum borne_err escpos_cut(struct escpos_buf *buf);

/* A 1-bit picture as GS v 0 (normal density, m = 0), cut into bands of at most
** ESCPOS_RASTER_BAND_ROWS rows, one command each. bits holds height_dots rows of
** (width_dots + 7) / 8 bytes, most significant bit first, 1 = black; padding bits past
** width_dots are sent white whatever they hold. The caller keeps bits. Must be called at the
** start of a line. BORNE_ERR_INVALID for a NULL picture, a size of 0 or less, more than
** 65535 bytes per row, or a picture that would not fit in the job. */
enum borne_err escpos_raster(struct escpos_buf *buf, const uint8_t *bits, int width_dots,
                             int height_dots);

/* The dots per module for a QR code of side modules on paper_dots of printable width: the
** largest of ESCPOS_QR_MIN_DOTS..ESCPOS_QR_AUTO_MAX_DOTS with which the code and its quiet zone
** fit; 0 if even the smallest does not. */
int escpos_qr_dots_per_module(int side, int paper_dots);

/* Draw text as a QR code (libqrencode, error correction M, alphanumeric mode where the text
** allows it) with a quiet zone of ESCPOS_QR_QUIET_MODULES, each module dots_per_module dots
** square, centred in a picture paper_dots wide, and append it as escpos_raster(). Centring is
** done in the picture, not with ESC a, which some clones ignore for pictures.
** dots_per_module 0 picks escpos_qr_dots_per_module(). BORNE_ERR_INVALID for NULL or empty
** text, text too long for a QR code, a module size below ESCPOS_QR_MIN_DOTS, or a code that
** does not fit the paper; BORNE_ERR_NOMEM when memory runs out. */
enum borne_err escpos_qr(struct escpos_buf *buf, const char *text, int dots_per_module,
                         int paper_dots);

/* The same QR code as escpos_qr() draws, as modules for the screen to show when printing
** fails: *side rows of *side bytes into modules, row-major, 1 = dark, 0 = light, without the
** quiet zone. modules holds at least cap_side * cap_side bytes (ESCPOS_QR_MAX_SIDE always
** suffices). BORNE_ERR_INVALID for NULL or empty text, text too long for a QR code, or a code
** larger than cap_side; BORNE_ERR_NOMEM when libqrencode runs out of memory. On failure *side
** is 0. */
enum borne_err escpos_qr_matrix(const char *text, uint8_t *modules, int cap_side, int *side);

/* DLE EOT 4: ask for the paper roll sensor status. The printer answers one byte at once, even
** in the middle of a job; decode it with escpos_paper_from_status(). */
enum borne_err escpos_status_query(struct escpos_buf *buf);

/* Decode the answer to DLE EOT 4. A status byte has bit 1 and bit 4 set and bits 0 and 7
** clear; bits 2 and 3 say the roll is near its end, bits 5 and 6 that it is out. Either bit of
** a pair counts (clones set only one), and out wins over near end. Any other byte is
** ESCPOS_PAPER_INVALID. */
enum escpos_paper escpos_paper_from_status(uint8_t reply);

#endif
