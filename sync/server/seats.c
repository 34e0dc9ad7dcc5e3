/* A session's seat counters, kept exact (001_init.sql: confirmed + held <= capacity).
**
** Recomputed from the rows rather than adjusted by +1/-1, so that a mistake anywhere never
** accumulates: a session's registrations and allotments are few, and the indexes
** registrations_session and allotments_session make the count cheap. The UPDATE also moves the
** session's changed_xid (its trigger), so its new seats_taken reaches the next pulls. */
#include <stdlib.h>

#include "server/server.h"

bool seats_recount(struct db_tx *tx, const char *session_id)
{
    const char *p[] = {session_id};
    return db_run(tx,
                  "UPDATE sessions SET"
                  " confirmed = (SELECT count(*) FROM registrations r"
                  "  WHERE r.session_id = $1 AND r.status = 0),"
                  " held = (SELECT coalesce(sum(greatest(0, a.granted - a.returned - a.used)), 0)"
                  "  FROM allotments a WHERE a.session_id = $1)"
                  " WHERE id = $1",
                  1, p);
}

bool seats_settle(struct db_tx *tx, const char *session_id, int *promoted)
{
    if (promoted)
        *promoted = 0;
    if (!seats_recount(tx, session_id))
        return false;
    /* A cancelled or finished session promotes nobody: a seat there is worth nothing, and a
    ** waiting visitor should not be told "confirmed" for it. LIMIT 0 when the session is not
    ** open (the coalesce), not "no limit". */
    const char *p[] = {session_id};
    PGresult *res = db_query(
        tx,
        "WITH s AS (SELECT greatest(capacity - confirmed - held, 0) AS free FROM sessions"
        "   WHERE id = $1 AND NOT cancelled AND ends_at > extract(epoch FROM now())::bigint),"
        " w AS (SELECT id FROM registrations WHERE session_id = $1 AND status = 1"
        "   ORDER BY received_seq LIMIT coalesce((SELECT free FROM s), 0)),"
        " r AS (UPDATE registrations SET status = 0 WHERE id IN (SELECT id FROM w) RETURNING id),"
        " t AS (UPDATE tickets SET status = 0 WHERE status = 1"
        "   AND registration_id IN (SELECT id FROM r) RETURNING id)"
        " SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM t)",
        1, p);
    if (!res)
        return false;
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (promoted)
        *promoted = n;
    return n == 0 || seats_recount(tx, session_id);
}
