#include "core/err.h"

const char *borne_err_str(enum borne_err err)
{
    switch (err) {
    case BORNE_OK:
        return "ok";
    case BORNE_ERR_NOMEM:
        return "out of memory";
    case BORNE_ERR_INVALID:
        return "invalid input";
    case BORNE_ERR_IO:
        return "input/output error";
    case BORNE_ERR_DISK_FULL:
        return "disk full";
    case BORNE_ERR_CORRUPT:
        return "damaged data";
    case BORNE_ERR_CANT_OPEN:
        return "cannot open";
    case BORNE_ERR_NOT_FOUND:
        return "not found";
    case BORNE_ERR_SESSION_FULL:
        return "session full";
    case BORNE_ERR_SESSION_RESERVED:
        return "session reserved for a group";
    case BORNE_ERR_SESSION_CLOSED:
        return "session closed";
    case BORNE_ERR_ALREADY_REGISTERED:
        return "already registered";
    case BORNE_ERR_BUSY:
        return "busy";
    case BORNE_ERR_TOO_NEW:
        return "written by a newer version";
    case BORNE_ERR_INTERNAL:
        return "internal error";
    case BORNE_ERR_READ_ONLY:
        return "read-only";
    case BORNE_ERR_NETWORK:
        return "server unreachable";
    case BORNE_ERR_SERVER:
        return "server failure";
    case BORNE_ERR_REFUSED:
        return "refused by the server";
    case BORNE_ERR_UNAUTHORIZED:
        return "not authorised by the server";
    case BORNE_ERR_CERT_UNTRUSTED:
        return "server certificate not trusted";
    case BORNE_ERR_CERT_EXPIRED:
        return "server certificate expired";
    }
    return "unknown error";
}
