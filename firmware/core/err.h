/* The one error enum of Borne.
**
** Values are explicit because they are logged and will travel to the server: never renumber,
** only append. Foreign conventions (errno, SQLite codes, SDL's -1) are translated into these
** where they are met and never cross a module boundary. Detail (a message a person or staff
** member can read) stays on the handle that failed, e.g. store_errmsg(). */
#ifndef BORNE_CORE_ERR_H
#define BORNE_CORE_ERR_H

enum borne_err {
    BORNE_OK = 0,
    BORNE_ERR_NOMEM = 1,               /* an allocation failed */
    BORNE_ERR_INVALID = 2,             /* an argument or an input was refused */
    BORNE_ERR_IO = 3,                  /* a read or write failed */
    BORNE_ERR_DISK_FULL = 4,           /* the file system has no room left */
    BORNE_ERR_CORRUPT = 5,             /* a database or file is damaged */
    BORNE_ERR_CANT_OPEN = 6,           /* a file or device could not be opened */
    BORNE_ERR_NOT_FOUND = 7,           /* no such record */
    BORNE_ERR_SESSION_FULL = 8,        /* no seat left in that session */
    BORNE_ERR_SESSION_RESERVED = 9,    /* that session is reserved for a group */
    BORNE_ERR_SESSION_CLOSED = 10,     /* that session is over, cancelled or no longer open */
    BORNE_ERR_ALREADY_REGISTERED = 11, /* same person, same session: the existing one is returned */
    BORNE_ERR_BUSY = 12,               /* the database is locked by another process */
    BORNE_ERR_TOO_NEW = 13,            /* the database was written by a newer Borne */
    BORNE_ERR_INTERNAL = 14,           /* a bug: see the log */
    BORNE_ERR_READ_ONLY = 15,          /* the database or its folder cannot be written */
    BORNE_ERR_NETWORK = 16,            /* the server cannot be reached, or did not answer in time */
    BORNE_ERR_SERVER = 17,             /* the server failed (5xx) or its reply makes no sense */
    BORNE_ERR_REFUSED = 18,            /* the server refused the request (4xx other than below) */
    BORNE_ERR_UNAUTHORIZED = 19,       /* not enrolled, token unknown, or this device is revoked */
    BORNE_ERR_CERT_UNTRUSTED = 20,     /* the server's TLS certificate is refused: unknown
                                       ** authority, another host's, not the pinned key */
    BORNE_ERR_CERT_EXPIRED = 21,       /* the server's TLS certificate has expired */
};

/* A short English name for logs ("disk full"); never NULL, never shown to visitors. */
const char *borne_err_str(enum borne_err err);

#endif
