/* UTF-8 to the single-byte code pages of ESC/POS thermal printers, and back.
**
** A receipt printer knows nothing of UTF-8: it prints each byte with the glyph its selected code
** page (ESC t n) gives that byte. Borne speaks CP858 by default (CP850, the Western European DOS
** page, with the euro sign at 0xD5), and CP437, CP850 and CP1252 for printers that lack it.
**
** What a page cannot print gets a readable stand-in rather than a wrong glyph: accents are
** dropped where the page has no accented form (ő -> o), ligatures are spelled out (œ -> oe),
** typographic quotes, dashes and the ellipsis become ' " - ..., every kind of space becomes a
** space, the euro sign becomes "EUR", and everything else (emoji, CJK, control characters,
** malformed UTF-8) becomes '?'. Combining accents, zero-width joiners and variation selectors
** are dropped: the letter or emoji they modify already stands for them.
**
** The one promise that matters for safety: text never produces a byte below 0x20 nor 0x7F.
** Those bytes are printer commands (ESC, GS, DLE, ...); a first name typed as "\x1b@" must print
** as "?@", not reset the printer. Pure functions, no allocation. */
#ifndef BORNE_ESCPOS_CODEPAGE_H
#define BORNE_ESCPOS_CODEPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The pages Borne can select. The value is Borne's own; escpos_codepage_esc_t() gives the n of
** ESC t n, which is the same on Epson TM printers and the common clones. */
enum escpos_codepage {
    ESCPOS_CP858 = 0,  /* default: Western European with the euro sign; ESC t 19 */
    ESCPOS_CP437 = 1,  /* the original IBM PC page, every printer has it; ESC t 0 */
    ESCPOS_CP850 = 2,  /* Western European without the euro sign; ESC t 2 */
    ESCPOS_CP1252 = 3, /* Windows Western European (œ, typographic quotes); ESC t 16 */
};

/* Read a page name from the configuration: "cp858", "cp437", "cp850" or "cp1252", without case.
** On success *out is set and the result is true; on anything else (NULL, unknown name) *out is
** left alone and the result is false. */
bool escpos_codepage_parse(const char *name, enum escpos_codepage *out);

/* The configuration name of a page ("cp858"); "?" for a value outside the enum. */
const char *escpos_codepage_name(enum escpos_codepage cp);

/* The n of ESC t n that selects the page on the printer; -1 for a value outside the enum. */
int escpos_codepage_esc_t(enum escpos_codepage cp);

/* The Unicode code point the page prints for byte b, or 0 when the page has no glyph there or b
** is a control byte (below 0x20, or 0x7F) that the encoder never sends as text. */
uint32_t escpos_codepage_char(enum escpos_codepage cp, uint8_t b);

/* Convert UTF-8 text to bytes of the page, with the stand-ins described above.
** Writes at most cap - 1 bytes and a terminating NUL into out (nothing when cap is 0; out may be
** NULL then). A stand-in of several bytes ("EUR", "oe") is written whole or not at all, so a
** short buffer never ends in half of one. Returns the length the whole conversion has, as
** snprintf does: a result >= cap means the output was cut. Every byte written is 0x20..0x7E or
** 0x80..0xFF, and, for CP1252, never one of its five unassigned bytes. NULL utf8 is "". An
** unknown page converts as CP858. */
size_t escpos_codepage_from_utf8(enum escpos_codepage cp, const char *utf8, char *out, size_t cap);

/* Convert len bytes of the page back to UTF-8: what the paper shows, for tests and the staff
** log. A byte the page has no glyph for, or a control byte, becomes U+FFFD. Writes at most
** cap - 1 bytes and a NUL, never half a character; returns the length the whole conversion has
** (a result >= cap means it was cut). An unknown page converts as CP858. */
size_t escpos_codepage_to_utf8(enum escpos_codepage cp, const char *bytes, size_t len, char *out,
                               size_t cap);

#endif
