/* The demo catalogue: a realistic week of an Atelier Numérique, read from an INI file in
** assets/demo and dated relative to the kiosk's "today", so that `borne --demo` always shows
** sessions today and in the coming days. */
#ifndef BORNE_DEMO_H
#define BORNE_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

/* Fill an empty catalogue with the demo read from the INI file at path. `now` is the kiosk's
** wall clock (Unix seconds); the week template's day 0 is the local date of `now`. With large
** set, the week is repeated until about 200 sessions are written (for benchmarks). If the store
** already holds sessions, nothing is written and the result is BORNE_OK. All sessions are
** written in one transaction (store_catalogue_put). On a file that cannot be read or an entry
** that is malformed, nothing is written, the result is BORNE_ERR_INVALID or
** BORNE_ERR_CANT_OPEN and errmsg says which line. *n_written (may be NULL) is the count. */
enum borne_err demo_fill(struct store *st, const char *path, int64_t now, bool large,
                         size_t *n_written, char *errmsg, size_t errmsg_cap);

#endif
