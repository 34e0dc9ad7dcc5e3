/* The parts of a sync API request that borne-server reads itself (request.c), the JSON bodies
** being the protocol codec's (sync/protocol/): the Authorization header, the pull cursor, and
** the Content-Type and Transfer-Encoding values it judges before a body is read.
** Pure: no database, no HTTP library, no allocation; fuzzed (tests/fuzz/fuzz_server_request.c).
**
** The server reads no query string: every route takes its input in the JSON body. */
#ifndef BORNE_SERVER_REQUEST_H
#define BORNE_SERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/model.h"

#define REQUEST_TOKEN_HEX 64 /* hex digits of a device token (32 bytes) */

/* Reads an Authorization header value, "Bearer <64 hex digits>" (the scheme in any case, spaces
** or tabs around), and hashes the token's 32 bytes with BLAKE2b-256, as devices.token_hash
** stores it: the token itself is never kept. authorization may be NULL (no header). BORNE_OK
** with hash filled, or BORNE_ERR_INVALID for anything else (no header, another scheme, a wrong
** length, a character that is not a hex digit, anything after the token), hash zeroed. */
enum borne_err request_bearer_hash(const char *authorization, uint8_t hash[32]);

/* The pull cursor, opaque to kiosks:
**   "v1:F"             the next pull sends what changed in transactions from xid F on;
**   "v1:F:N:X:ID"      in the middle of such a series of pages: tickets after (X, ID) in
**                      (changed_xid, id) order; N is the xmin of the series' first snapshot,
**                      the F of the series after this one.
** The numbers are PostgreSQL xid8 values in lower-case hex (1 to 16 digits), so that the
** longest cursor (three 16-digit numbers and a 39-byte id: 93 bytes) fits SYNC_CURSOR_MAX.
** "" is "v1:0", everything. Why N is taken on the first page and carried: a transaction that
** was in flight then may commit with an xid below the page position; it is at least N, so the
** next series sends it. Taken later, N could be past it and the row would never be sent. */
struct request_cursor {
    uint64_t from, next, after_xid;
    char after_id[BORNE_ID_MAX]; /* printable ASCII without space, 1 to 39 bytes when paging */
    bool paging;                 /* the long form: next, after_xid and after_id are set */
};

#define REQUEST_CURSOR_MAX 94 /* bytes of the longest cursor, its NUL included */

/* Reads a cursor as a kiosk sent it back (NUL-terminated). BORNE_OK with *c filled, or
** BORNE_ERR_INVALID for anything the server does not issue (*c zeroed). */
enum borne_err request_cursor_parse(const char *text, struct request_cursor *c);

/* Writes c as the server issues it ("v1:F", or "v1:F:N:X:ID" when paging) into out (cap bytes).
** BORNE_OK, or BORNE_ERR_INVALID when it does not fit or c could not have been parsed (an
** after_id empty, too long or with a byte outside 0x21-0x7E while paging): out is then "". What
** request_cursor_parse() accepts, this writes back to a text that parses to the same cursor. */
enum borne_err request_cursor_format(const struct request_cursor *c, char *out, size_t cap);

/* Whether a Content-Type value is JSON as the protocol sends it (RFC 9110 section 8.3):
** "application/json" in any case, with parameters, but a charset, if named, is UTF-8 (quoted
** or not). Another media type (text/plain, a form, "application/json-patch+json") is not read
** as JSON: what its sender meant is not a protocol message, and browsers send those
** cross-origin unasked. NULL (no header) is false. */
bool request_content_type_is_json(const char *value);

/* Whether a Transfer-Encoding value is "chunked" alone (any case, blanks around), the one
** coding libmicrohttpd decodes: a proxy in front that reads another list otherwise could see
** another request in the same bytes. NULL is false. */
bool request_transfer_encoding_is_chunked(const char *value);

#endif
