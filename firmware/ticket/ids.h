/* Identifiers a kiosk makes on its own, offline: permanent record ids and ticket short codes.
**
** A short code is what a visitor reads aloud or types when a QR will not scan: 8 random
** characters and a check character, from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
** 5/S, 8/B, 6/G). The alphabet has 23 characters, a prime, so the weighted check catches every
** single wrong character and every swap of two neighbours. */
#ifndef BORNE_TICKET_IDS_H
#define BORNE_TICKET_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/model.h"

#define TICKET_CODE_ALPHABET "ACDEFHJKMNPQRTUVWXY3479"

/* A random UUID (version 4) as 36 characters into out (at least BORNE_ID_MAX bytes).
** BORNE_ERR_IO if the kernel's random source fails. */
enum borne_err ticket_random_id(char *out);

/* A new random short code (BORNE_SHORT_CODE_LEN characters, no dash) into out (at least
** BORNE_SHORT_CODE_MAX bytes). */
enum borne_err ticket_short_code_new(char *out);

/* The short code made from 8 values (each reduced into the alphabet) and its check character.
** Pure: the building block of ticket_short_code_new(), and what tests use. */
void ticket_short_code_make(const uint8_t digits[8], char *out);

/* Normalise what a person typed (lower case, spaces and dashes, look-alikes such as O for Q
** are not guessed) into out, and say whether it is a well-formed code with a right check
** character. */
bool ticket_short_code_parse(const char *typed, char *out, size_t cap);

#endif
