/* The values of imported fields (field.c): white space, ids, folding for comparison, the kind
** of a session by name, room ids made from room names, and a value quoted back safely in a
** message. Shared by the CSV and iCalendar readers, the import and the export. Pure: no
** allocation, no I/O; every function that writes into a caller's buffer is told its size or
** says the size it needs. */
#ifndef BORNE_SERVER_FIELD_H
#define BORNE_SERVER_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#define FIELD_SHOW_MAX 60 /* bytes of a bad value quoted back in a message */
#define FIELD_SHOW_CAP 96 /* bytes of a field_show() buffer that any value fits */

/* ' ', tab, LF or CR. */
bool field_is_space(char c);

/* Trims white space (field_is_space) at both ends of s, in place. Returns the new start, inside
** s; the end is cut with a NUL. */
char *field_trim(char *s);

/* A character an id may hold: ASCII letters, digits, '-', '_', '.', '@'. */
bool field_is_id_char(char c);

/* Whether s can be an id: 1 to BORNE_ID_MAX - 1 id characters. Ids travel in QR payloads, URLs
** and file names: short, ASCII, nothing that needs quoting anywhere. */
bool field_id_ok(const char *s);

/* s quoted for a message to a person: in double quotes, at most FIELD_SHOW_MAX bytes of it cut
** at a code point (then "…"), control characters and invalid UTF-8 bytes as '?', so that a
** garbage cell cannot garble the terminal. out (cap bytes, at least 16; FIELD_SHOW_CAP fits
** every value) is always terminated. Returns out, for use as a printf argument. */
const char *field_show(const char *s, char *out, size_t cap);

/* s folded for comparison with a list of names: ASCII lower case, 'e' with any accent as 'e'
** ("Conférence" and "CONFÉRENCE" both give "conference"). out (cap bytes, cap >= 1) is always
** terminated; a longer s is cut. */
void field_fold(const char *s, char *out, size_t cap);

/* The session kind a word names, as enum session_kind (-1: none): the numbers 0 to 3, the
** French names the centres use (atelier, conférence, thématique, coaching) and their English
** translation, in any case and with or without accents. */
int field_kind_parse(const char *s);

/* A room id made from a room's name into out (BORNE_ID_MAX bytes): "Salle Ada Lovelace" gives
** "salle-ada-lovelace". Latin accents are folded as the kiosk folds names (text_name_key),
** anything else becomes '-'. A name with no letter or digit left gets "salle-" and 8 hex
** digits of its BLAKE2b hash, so that the same name always gives the same id. */
void field_slug(const char *name, char *out);

#endif
