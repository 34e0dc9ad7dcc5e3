/* The signed payload a ticket's QR code carries, and the device keys that sign it.
**
** A ticket must verify offline on any kiosk (DESIGN.md, "Tickets verify offline"), so the QR
** holds the claim itself, signed with the issuing device's Ed25519 key (libsodium); every kiosk
** holds every device's public key. The text is "B2" then the RFC 4648 base32 (no padding) of a
** binary body:
**
**     offset  size  field
**     0       1     flags: bit 0 set = issued on the waiting list; other bits 0 (refused else)
**     1       16    ticket id, the 16 bytes of its UUID
**     17      16    issuing device id, the 16 bytes of its UUID
**     33      1     n, the length of the session id, 1..39
**     34      n     session id, printable ASCII 0x21..0x7E
**     34+n    64    Ed25519 signature of "borne-ticket-v2" followed by bytes 0 .. 34+n-1
**
** "B1", the first version, has the same body with all flags 0 and "borne-ticket-v1" as the
** domain string; kiosks still read it (tickets printed before B2), and sign only B2. The waiting
** list mark is signed so that a kiosk that has not synced a ticket yet still knows it bought
** no seat: it sends the visitor to the desk, never "welcome". The mark says what the ticket
** was when printed; once synced, the record (the server may have confirmed it since) decides.
**
** Why this shape: upper-case letters and digits are what QR's alphanumeric mode encodes
** densely, and what a keyboard-wedge scanner types most reliably (no punctuation, whose keys
** move between QWERTY and AZERTY, and no case to get wrong). Raw UUID
** bytes instead of their 36-character text keep the QR small enough to scan from a crumpled
** thermal ticket. The domain string stops a signature made for something else by the same key
** from passing as a ticket. The "B<digit>" prefix stays in clear so that a newer format is
** recognised as such ("update this kiosk") rather than as damage.
**
** The encoding is canonical: one claim has exactly one payload (Ed25519 is deterministic), and
** a payload with padding bits set, a wrong length or trailing bytes is refused, so two texts
** never stand for the same ticket (letter case aside). Lower case is accepted (some scanners send
*it) and read as
** upper case. */
#ifndef BORNE_TICKET_PAYLOAD_H
#define BORNE_TICKET_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/model.h"

#define TICKET_PAYLOAD_MAX 256 /* bytes incl. NUL; must hold the longest payload (222 chars) */
#define TICKET_PUBLIC_KEY_TEXT_MAX 45 /* base64 of 32 bytes with padding: 44 chars + NUL */

/* What a ticket says: the three ids are NUL-terminated. ticket_id and device_id are UUIDs in
** their canonical text form (36 characters, lower-case hex); session_id is 1..39 bytes of
** printable ASCII without space. */
struct ticket_claim {
    char ticket_id[BORNE_ID_MAX];
    char session_id[BORNE_ID_MAX];
    char device_id[BORNE_ID_MAX];
    bool waitlist; /* issued on the waiting list (B2's flag; always false in a B1 ticket) */
    int version;   /* read: 1 or 2, the payload's version; ignored by ticket_payload_sign() */
};

/* Why a scanned text was or was not accepted as a ticket. Explicit values: they are logged. */
enum payload_status {
    PAYLOAD_OK = 0,
    PAYLOAD_MALFORMED = 1,     /* not a ticket of a format this kiosk reads, or damaged */
    PAYLOAD_BAD_VERSION = 2,   /* "B" + another digit: a newer format; update this kiosk */
    PAYLOAD_UNKNOWN_KEY = 3,   /* issued by a device this kiosk has no key for (sync?) */
    PAYLOAD_REVOKED_KEY = 4,   /* issued by a device whose key was revoked */
    PAYLOAD_BAD_SIGNATURE = 5, /* forged, or altered after signing */
};

/* A short English name for logs ("bad signature"); never NULL, never shown to visitors. */
const char *ticket_payload_status_str(enum payload_status status);

/* Looks up the public key of device_id (a UUID in canonical text form) into public_key, and
** says in *revoked whether that key was revoked. Returns false if the device is unknown, and
** then neither output is read. ctx is the caller's, passed through untouched. */
typedef bool (*ticket_key_lookup_fn)(void *ctx, const char *device_id, uint8_t public_key[32],
                                     bool *revoked);

/* Signs claim c with secret_key (a libsodium Ed25519 secret key: seed then public key) and
** writes the payload text (always the newest version, B2), NUL-terminated, into out (cap bytes;
*TICKET_PAYLOAD_MAX always
** suffices). The signature is checked against the public half of secret_key before the text is
** returned, so a damaged key file gives an error here instead of tickets no kiosk accepts.
** The secret key is only read, never copied or logged.
** BORNE_ERR_INVALID: an id is not a canonical UUID, the session id is empty, too long or has a
** byte outside 0x21..0x7E, cap is too small, or secret_key's halves do not belong together.
** BORNE_ERR_INTERNAL: libsodium could not start or failed. On any error out holds "" (if
** cap > 0). */
enum borne_err ticket_payload_sign(const struct ticket_claim *c, const uint8_t secret_key[64],
                                   char *out, size_t cap);

/* Reads the structure of a payload without checking its signature: for routing a scan and for
** tools; a kiosk admitting someone uses ticket_payload_verify(). text is len bytes of anything
** (what a scanner sent: need not be NUL-terminated, may hold NULs or binary garbage, may be of
** any length). On PAYLOAD_OK *out holds the claim; otherwise *out is zeroed. Never returns
** UNKNOWN_KEY, REVOKED_KEY or BAD_SIGNATURE. */
enum payload_status ticket_payload_parse(const char *text, size_t len, struct ticket_claim *out);

/* Parses text as ticket_payload_parse() does, asks lookup for the issuing device's key, and
** checks the signature. The answers, in the order they are decided: MALFORMED or BAD_VERSION
** (and *out zeroed); UNKNOWN_KEY when lookup is NULL or returns false; BAD_SIGNATURE; then
** REVOKED_KEY for a genuine ticket of a revoked device; else OK. Whenever the structure parsed,
** *out holds the claim, even on a refusal, so the caller can log which ticket was refused: it is
** NOT to be trusted unless PAYLOAD_OK. MALFORMED too if libsodium cannot start. */
enum payload_status ticket_payload_verify(const char *text, size_t len, ticket_key_lookup_fn lookup,
                                          void *ctx, struct ticket_claim *out);

/* Whether text starts with "B" (or "b") and a digit, i.e. was meant to be a ticket payload of
** some version, as opposed to a short code (whose alphabet has no B) or another barcode. Cheap:
** reads at most 2 bytes. */
bool ticket_payload_looks_like(const char *text, size_t len);

/* A new random Ed25519 key pair, for enrolling a device. The secret key is the caller's to keep
** secret (and to wipe, e.g. sodium_memzero). BORNE_ERR_INTERNAL if libsodium cannot start. */
enum borne_err ticket_keypair_new(uint8_t public_key[32], uint8_t secret_key[64]);

/* The public key of a secret key, recomputed from its seed half. BORNE_ERR_INVALID if the public
** half stored in secret_key does not match (a damaged key file); public_key is then zeroed.
** BORNE_ERR_INTERNAL if libsodium cannot start. */
enum borne_err ticket_public_key_from_secret(const uint8_t secret_key[64], uint8_t public_key[32]);

/* A public key as text for configuration files and logs: standard base64 with padding, 44
** characters, NUL-terminated, into out (cap >= TICKET_PUBLIC_KEY_TEXT_MAX). BORNE_ERR_INVALID
** if cap is too small (out then holds "" if cap > 0); BORNE_ERR_INTERNAL if libsodium cannot
** start. */
enum borne_err ticket_public_key_format(const uint8_t pk[32], char *out, size_t cap);

/* Reads a public key written by ticket_public_key_format(): exactly 44 characters of standard
** base64 with its padding, nothing around it (inih already trims a value's spaces). text is
** NUL-terminated. BORNE_ERR_INVALID for anything else, including a non-canonical last
** character, and for 32 bytes that are not a valid Ed25519 public key (caught at start-up
** rather than as every ticket of that device refused); pk is then zeroed. BORNE_ERR_INTERNAL if
*libsodium cannot start. */
enum borne_err ticket_public_key_parse(const char *text, uint8_t pk[32]);

#endif
