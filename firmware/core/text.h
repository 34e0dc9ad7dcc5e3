/* Text a visitor types: UTF-8 decoding, validation of names and contact fields, and the key
** under which two spellings of one name are the same person.
**
** Pure functions, no allocation. Every function that writes into a caller's buffer takes its
** capacity and always terminates it; input that would not fit is cut at a code point boundary. */
#ifndef BORNE_CORE_TEXT_H
#define BORNE_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum text_verdict {
    TEXT_OK = 0,
    TEXT_EMPTY = 1,     /* nothing but spaces */
    TEXT_TOO_LONG = 2,  /* more code points than the field allows */
    TEXT_BAD_CHAR = 3,  /* a control character, or one a name cannot hold */
    TEXT_BAD_UTF8 = 4,  /* not valid UTF-8 */
    TEXT_BAD_EMAIL = 5, /* not of the form a@b.c */
    TEXT_BAD_PHONE = 6, /* not 6 to 15 digits (spaces, dots, dashes and a leading + allowed) */
};

/* Decode one code point from s (at most len bytes). Returns the bytes used (1-4) and sets *cp,
** or returns 0 for an invalid, overlong, surrogate or truncated sequence. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (at least 4 bytes); returns the bytes written, 0 for an invalid cp. */
size_t utf8_encode(uint32_t cp, char *out);

/* Code points in a valid UTF-8 string (counting each invalid byte as one). */
size_t utf8_length(const char *s);

/* Offset of the code point that ends at byte pos (for backspace); 0 if pos is 0. */
size_t utf8_prev(const char *s, size_t pos);

/* Whether a code point may stand in a name typed at the kiosk: no control or format
** characters, no unassigned surrogates or noncharacters. Letters of any script, marks,
** digits, punctuation, symbols and emoji are allowed: a name is stored exactly as typed. */
bool text_char_allowed(uint32_t cp);

/* Copy in to out with spaces trimmed at both ends and runs of white space folded to one
** space. Returns the length written. */
size_t text_normalize_spaces(const char *in, char *out, size_t cap);

/* Check a name (first name or name) as it will be stored, after text_normalize_spaces(). */
enum text_verdict text_check_name(const char *s);

/* Check the optional fields; an empty string is TEXT_OK (they are never required). */
enum text_verdict text_check_email(const char *s);
enum text_verdict text_check_phone(const char *s);

/* The key under which two registrations are the same person: first and last name folded to
** lower case, Latin accents removed (É -> e, œ -> oe, ß -> ss), spaces folded, joined by
** the unit separator U+001F. ("  ÉLODIE  ", "le Gall") and ("elodie", "Le  gall") give the
** same key. */
void text_name_key(const char *first, const char *last, char *out, size_t cap);

/* A ticket's short code as the screens and the printed ticket show it: "ACDE-FHJKM" (a dash
** after the fourth character). */
void text_short_code_grouped(const char *code, char *out, size_t cap);

#endif
