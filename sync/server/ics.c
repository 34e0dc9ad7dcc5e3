/* The iCalendar reader of catalogues: see ics.h. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>
#include <sodium.h>

#include "core/text.h"
#include "server/field.h"
#include "server/ics.h"

struct ics_calendar {
    icalcomponent *root;
    icalcomponent **events; /* the VEVENTs, in file order (owned by root) */
    size_t n;
    long *lines; /* the line of each BEGIN:VEVENT; NULL when they could not all be counted */
    size_t line_count;
    const char **zones; /* distinct TZIDs in the order first met (owned by root) */
    size_t zone_count;
};

/* What the checks of one VEVENT need to know of it. */
struct ev {
    icalcomponent *c;
    size_t index;
    long line; /* its BEGIN:VEVENT line, 0 when not known */
    const char *uid;
    char label[120]; /* "event <uid>", for messages */
};

/* The site's rooms, while the events are read. */
struct site {
    const struct ics_room *rooms;
    size_t n_rooms;
};

/* The id of an event's session: its UID when short and plain enough to be an id (recurring:
** short enough to take "-YYYYMMDD"), else "ics-" and 16 hex digits of its BLAKE2b hash, so
** that importing the calendar again finds the same sessions. */
static void ics_base_id(const char *uid, bool recurring, char *out)
{
    size_t max = BORNE_ID_MAX - 1 - (recurring ? 9 : 0);
    if (strlen(uid) <= max && field_id_ok(uid)) {
        snprintf(out, BORNE_ID_MAX, "%s", uid);
        return;
    }
    uint8_t h[8];
    crypto_generichash(h, sizeof h, (const uint8_t *)uid, strlen(uid), NULL, 0);
    snprintf(out, BORNE_ID_MAX, "ics-%02x%02x%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3],
             h[4], h[5], h[6], h[7]);
}

static const char *param_tzid(icalproperty *p)
{
    icalparameter *tz = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;
    return tz ? icalparameter_get_tzid(tz) : NULL;
}

/* A time of the file as a struct catalogue_when: UTC at once; floating in the site's time zone;
** with a TZID among the catalogue's zones (PostgreSQL knows it), in that zone; else by the
** VTIMEZONE of the file (libical). false (problem recorded) for a zone nobody knows. */
static bool ics_when(struct catalogue *cat, const struct ev *e, const char *what,
                     struct icaltimetype t, const char *tzid, struct catalogue_when *w)
{
    memset(w, 0, sizeof *w);
    if (icaltime_is_utc(t)) {
        w->known = true;
        w->epoch = (int64_t)icaltime_as_timet(t);
        return true;
    }
    int zone = 0;
    if (tzid) {
        zone = catalogue_zone_find(cat, tzid);
        if (zone < 0) {
            const icaltimezone *z = icaltime_get_timezone(t);
            if (z) {
                w->known = true;
                w->epoch = (int64_t)icaltime_as_timet_with_zone(t, z);
                return true;
            }
            char shown[FIELD_SHOW_CAP];
            catalogue_problem(cat, e->line, "%s: %s: unknown time zone %s", e->label, what,
                              field_show(tzid, shown, sizeof shown));
            return false;
        }
    }
    w->zone = zone;
    civil_format_wall(w->wall, t.year, t.month, t.day, t.hour, t.minute, t.second);
    return true;
}

/* A capacity written in a description: a line "Places : 12", "Capacité : 12" or
** "Capacity: 12" (any case; spaces, no-break spaces and the colon optional). -1: none. */
static int capacity_in_text(const char *s)
{
    if (!s)
        return -1;
    static const char *const words[] = {"places", "capacity", "capacite", "nombre de places"};
    for (const char *next = s; next && *next;) {
        const char *line = next;
        next = strchr(line, '\n');
        next = next ? next + 1 : NULL;
        while (*line == ' ' || *line == '\t')
            line++;
        char head[40];
        size_t n = 0;
        while (line[n] && line[n] != '\n' && n < sizeof head - 1) {
            head[n] = line[n];
            n++;
        }
        head[n] = '\0';
        char folded[40];
        field_fold(head, folded, sizeof folded);
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
            size_t k = strlen(words[w]);
            if (strncmp(folded, words[w], k) != 0)
                continue;
            const char *p = folded + k;
            for (;;) { /* spaces, no-break spaces (C2 A0, E2 80 AF), one colon */
                if (*p == ' ' || *p == ':' || *p == '\t')
                    p++;
                else if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0)
                    p += 2;
                else if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
                         (unsigned char)p[2] == 0xAF)
                    p += 3;
                else
                    break;
            }
            if (*p < '0' || *p > '9')
                continue;
            long v = 0;
            while (*p >= '0' && *p <= '9' && v <= CATALOGUE_CAPACITY_MAX)
                v = v * 10 + (*p++ - '0');
            if (v <= CATALOGUE_CAPACITY_MAX)
                return (int)v;
        }
    }
    return -1;
}

/* A description as the kiosk can hold it: CRLF as LF, trimmed, cut at a word (with "…") when
** longer than BORNE_DESC_MAX - 1 bytes: calendars carry long texts (Meetup's whole event page)
** and a session is not refused for that. Returns a new string or NULL (out of memory). */
static char *ics_description(struct catalogue *cat, const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; d[i]; i++)
        if (!(d[i] == '\r' && d[i + 1] == '\n'))
            d[o++] = d[i] == '\r' ? '\n' : d[i];
    d[o] = '\0';
    char *t = field_trim(d);
    memmove(d, t, strlen(t) + 1);
    size_t n = strlen(d);
    if (n >= BORNE_DESC_MAX) {
        size_t cut = BORNE_DESC_MAX - 1 - 3;
        while (cut > 0 && ((unsigned char)d[cut] & 0xC0) == 0x80)
            cut--;
        size_t word = cut;
        while (word > cut / 2 && !field_is_space(d[word]))
            word--;
        if (word > cut / 2)
            cut = word;
        while (cut > 0 && field_is_space(d[cut - 1]))
            cut--;
        memcpy(d + cut, "\xe2\x80\xa6", 4);
        cat->shortened++;
    }
    return d;
}

/* The room of an event from its LOCATION: Meetup writes "Name (address)", others "Name,
** address": the name part is kept. No location: the centre's reception. */
static bool ics_room(struct catalogue *cat, const struct site *site, const struct ev *e,
                     const char *location, char *room_id, char **room_name)
{
    char name[4 * BORNE_ROOM_MAX];
    snprintf(name, sizeof name, "%s", location ? location : "");
    char *n = field_trim(name);
    size_t len = strlen(n);
    if (len > 0 && n[len - 1] == ')') {
        char *open = strrchr(n, '(');
        if (open && open > n) {
            *open = '\0';
            n = field_trim(n);
        }
    }
    if (strlen(n) >= BORNE_ROOM_MAX) {
        char *comma = strchr(n, ',');
        if (comma) {
            *comma = '\0';
            n = field_trim(n);
        }
    }
    if (!*n)
        n = "Accueil"; /* slug: "accueil" */
    if (!catalogue_check_text(cat, e->line, "LOCATION", n, BORNE_ROOM_MAX, false))
        return false;
    /* A room the site already has under that name (made by a CSV import with its own id) is
    ** that room, not a new one with a slug for id. */
    char key[4 * BORNE_ROOM_MAX];
    text_name_key(n, "", key, sizeof key);
    room_id[0] = '\0';
    for (size_t i = 0; i < site->n_rooms && !room_id[0]; i++)
        if (!strcmp(site->rooms[i].key, key))
            snprintf(room_id, BORNE_ID_MAX, "%s", site->rooms[i].id);
    if (!room_id[0])
        field_slug(n, room_id);
    *room_name = strdup(n);
    if (!*room_name)
        cat->nomem = true;
    return *room_name != NULL;
}

static int ymd_of(struct icaltimetype t)
{
    return t.year * 10000 + t.month * 100 + t.day;
}

/* Adds a copy of base with the given id and times. */
static void ics_add(struct catalogue *cat, const struct catalogue_row *base, const char *id,
                    const struct catalogue_when *start, const struct catalogue_when *end, int ymd)
{
    struct catalogue_row r;
    bool ok = catalogue_row_copy(&r, base);
    r.id = strdup(id);
    r.start = *start;
    r.end = *end;
    r.ymd = ymd;
    if (!ok || !r.id) {
        cat->nomem = true;
        catalogue_row_free(&r);
        return;
    }
    catalogue_row_push(cat, &r);
}

/* Records the EXDATEs of a recurring event; they drop their occurrences once times are known. */
static void ics_exdates(struct catalogue *cat, const struct ev *e)
{
    for (icalproperty *p = icalcomponent_get_first_property(e->c, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(e->c, ICAL_EXDATE_PROPERTY)) {
        if (cat->exdate_count >= ICS_EXDATES_MAX) {
            catalogue_problem(cat, e->line, "%s: more than %d EXDATE values in the file", e->label,
                              ICS_EXDATES_MAX);
            return;
        }
        struct icaltimetype t = icalproperty_get_exdate(p);
        struct catalogue_exdate x = {
            .event = e->index, .date_only = icaltime_is_date(t), .ymd = ymd_of(t)};
        if (!x.date_only && !ics_when(cat, e, "EXDATE", t, param_tzid(p), &x.at))
            continue;
        if (!catalogue_exdate_push(cat, &x))
            return;
    }
}

/* Expands an RRULE into occurrences near the horizon (the exact cut is made once the times
** are known). The iterator walks wall times in DTSTART's zone; each occurrence lasts as long
** as the first. */
static void ics_expand(struct catalogue *cat, const struct ev *e, const struct catalogue_row *base,
                       icalproperty *rrule, struct icaltimetype start, struct icaltimetype end,
                       const char *tzid_start, const char *tzid_end)
{
    struct icalrecurrencetype rule = icalproperty_get_rrule(rrule);
    icalrecur_iterator *it = icalrecur_iterator_new(rule, start);
    if (!it) {
        catalogue_problem(cat, e->line, "%s: RRULE not understood", e->label);
        return;
    }
    struct icaldurationtype length = icaltime_subtract(end, start);
    char base_id[BORNE_ID_MAX];
    ics_base_id(e->uid, true, base_id);
    /* Wall times read as UTC are within 14 hours of the truth: a margin of two days. */
    int64_t lo = cat->now - 2 * 86400, hi = cat->now + ICS_HORIZON_S + 2 * 86400;
    size_t kept = 0;
    cat->recurring++;
    for (long steps = 0;; steps++) {
        struct icaltimetype t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        if (steps >= ICS_RRULE_STEPS_MAX) {
            catalogue_problem(cat, e->line,
                              "%s: RRULE with more than %d occurrences before the horizon",
                              e->label, ICS_RRULE_STEPS_MAX);
            break;
        }
        struct icaltimetype t_end = icaltime_add(t, length);
        int64_t approx = (int64_t)icaltime_as_timet(t);
        if (approx > hi)
            break;
        if ((int64_t)icaltime_as_timet(t_end) < lo)
            continue;
        if (++kept > ICS_OCCURRENCES_MAX) {
            catalogue_problem(cat, e->line, "%s: more than %d occurrences in the next %ld days",
                              e->label, ICS_OCCURRENCES_MAX, ICS_HORIZON_S / 86400);
            break;
        }
        t.zone = start.zone;
        t_end.zone = start.zone;
        struct catalogue_when ws, we;
        if (!ics_when(cat, e, "DTSTART", t, tzid_start, &ws) ||
            !ics_when(cat, e, "DTEND", t_end, tzid_start ? tzid_start : tzid_end, &we))
            break;
        char id[BORNE_ID_MAX + 16];
        snprintf(id, sizeof id, "%s-%08d", base_id, ymd_of(t));
        ics_add(cat, base, id, &ws, &we, ymd_of(t));
    }
    icalrecur_iterator_free(it);
    ics_exdates(cat, e);
}
/* Checks one VEVENT and adds its sessions. */
static void ics_event(struct catalogue *cat, const struct site *site, struct ev *e)
{
    char shown[FIELD_SHOW_CAP];
    icalcomponent *c = e->c;
    bool ok = true;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        const char *why = icalproperty_get_xlicerror(p);
        catalogue_problem(cat, e->line, "%s: the calendar cannot be read here: %s", e->label,
                          field_show(why ? why : "?", shown, sizeof shown));
        ok = false;
    }
    const char *uid = icalcomponent_get_uid(c);
    if (!uid || !*uid) {
        catalogue_problem(cat, e->line,
                          "%s: no UID (every event needs one: it makes the session's id)",
                          e->label);
        return;
    }
    if (strlen(uid) > ICS_UID_MAX ||
        !catalogue_check_text(cat, e->line, "UID", uid, ICS_UID_MAX + 1, false)) {
        if (strlen(uid) > ICS_UID_MAX)
            catalogue_problem(cat, e->line, "%s: UID longer than %d bytes", e->label, ICS_UID_MAX);
        return;
    }
    e->uid = uid;
    snprintf(e->label, sizeof e->label, "event %s", field_show(uid, shown, sizeof shown));

    struct catalogue_row base = {.line = e->line, .event = e->index, .kind = SESSION_WORKSHOP};
    char room_id[BORNE_ID_MAX];
    const char *summary = icalcomponent_get_summary(c);
    if (!summary || !*summary) {
        catalogue_problem(cat, e->line, "%s: no SUMMARY (the session's title)", e->label);
        ok = false;
    } else {
        char field[160];
        snprintf(field, sizeof field, "%s: SUMMARY", e->label);
        ok &= catalogue_check_text(cat, e->line, field, summary, BORNE_TITLE_MAX, false);
    }

    struct icaltimetype start = icalcomponent_get_dtstart(c);
    icalproperty *p_start = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
    if (!p_start || icaltime_is_null_time(start)) {
        catalogue_problem(cat, e->line, "%s: no DTSTART (when the session starts)", e->label);
        return;
    }
    if (icaltime_is_date(start)) {
        if (cat->notes && e->line)
            fprintf(cat->notes, "line %ld: ", e->line);
        if (cat->notes)
            fprintf(cat->notes,
                    "%s: all-day event %s refused: a session needs a start and an end time; give "
                    "it times in the calendar to import it\n",
                    e->label, field_show(summary ? summary : "", shown, sizeof shown));
        cat->all_day++;
        return;
    }
    icalproperty *p_end = icalcomponent_get_first_property(c, ICAL_DTEND_PROPERTY);
    icalproperty *p_dur = icalcomponent_get_first_property(c, ICAL_DURATION_PROPERTY);
    if (!p_end && !p_dur) {
        catalogue_problem(cat, e->line, "%s: no DTEND or DURATION (when the session ends)",
                          e->label);
        return;
    }
    struct icaltimetype end = icalcomponent_get_dtend(c);
    if (icaltime_is_null_time(end) || icaltime_is_date(end)) {
        catalogue_problem(cat, e->line, "%s: DTEND is not a date and time like DTSTART", e->label);
        return;
    }
    const char *tzid_start = param_tzid(p_start);
    const char *tzid_end = p_end ? param_tzid(p_end) : tzid_start;

    base.description = ics_description(cat, icalcomponent_get_description(c));
    if (!base.description) {
        cat->nomem = true;
        return;
    }
    {
        char field[160];
        snprintf(field, sizeof field, "%s: DESCRIPTION", e->label);
        ok &= catalogue_check_text(cat, e->line, field, base.description, BORNE_DESC_MAX, true);
    }
    ok &= ics_room(cat, site, e, icalcomponent_get_location(c), room_id, &base.room_name);

    const char *organiser = "";
    icalproperty *p_org = icalcomponent_get_first_property(c, ICAL_ORGANIZER_PROPERTY);
    icalparameter *cn = p_org ? icalproperty_get_first_parameter(p_org, ICAL_CN_PARAMETER) : NULL;
    if (cn && icalparameter_get_cn(cn))
        organiser = icalparameter_get_cn(cn);
    {
        char field[160];
        snprintf(field, sizeof field, "%s: ORGANIZER", e->label);
        ok &= catalogue_check_text(cat, e->line, field, organiser, BORNE_ORGANISER_MAX, false);
    }

    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_CATEGORIES_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_CATEGORIES_PROPERTY)) {
        /* A category names a kind by its name only: a "1" among the tags is not a kind. */
        const char *value = icalproperty_get_categories(p);
        char list[256];
        snprintf(list, sizeof list, "%s", value ? value : "");
        char *save = NULL;
        for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
            w = field_trim(w);
            int k = w[0] >= '0' && w[0] <= '9' ? -1 : field_kind_parse(w);
            if (k >= 0) {
                base.kind = k;
                break;
            }
        }
    }

    base.capacity = -1;
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);
        if (!name || strcasecmp(name, "X-BORNE-CAPACITY") != 0)
            continue;
        const char *v = icalproperty_get_x(p);
        char value[32];
        snprintf(value, sizeof value, "%s", v ? v : "");
        char *t = field_trim(value);
        size_t n = strlen(t);
        bool whole = n > 0 && n <= 5;
        for (size_t i = 0; i < n; i++)
            whole &= t[i] >= '0' && t[i] <= '9';
        if (!whole || atoi(t) > CATALOGUE_CAPACITY_MAX) {
            catalogue_problem(
                cat, e->line, "%s: X-BORNE-CAPACITY: expected a whole number 0 to %d, got %s",
                e->label, CATALOGUE_CAPACITY_MAX, field_show(v ? v : "", shown, sizeof shown));
            ok = false;
        } else {
            base.capacity = atoi(t);
        }
    }
    if (base.capacity < 0) /* read in the whole text: the line may be past the cut */
        base.capacity = capacity_in_text(icalcomponent_get_description(c));
    base.default_capacity = base.capacity < 0;
    if (base.default_capacity)
        base.capacity = ICS_DEFAULT_CAPACITY;

    base.cancelled = icalcomponent_get_status(c) == ICAL_STATUS_CANCELLED;
    base.title = strdup(summary ? summary : "");
    base.room_id = strdup(room_id);
    base.organiser = strdup(organiser);
    base.reserved_for = strdup("");
    size_t source_len = strlen(uid) + 5;
    base.source = malloc(source_len);
    if (base.source)
        snprintf(base.source, source_len, "ics:%s", uid);
    if (!base.title || !base.room_id || !base.organiser || !base.reserved_for || !base.source)
        cat->nomem = true;
    if (!ok || cat->nomem) {
        catalogue_row_free(&base);
        return;
    }

    icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
    icalproperty *rrule = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
    struct catalogue_when ws, we;
    char id[BORNE_ID_MAX + 16];
    if (rid) {
        struct icaltimetype t = icalcomponent_get_recurrenceid(c);
        char base_id[BORNE_ID_MAX];
        ics_base_id(uid, true, base_id);
        snprintf(id, sizeof id, "%s-%08d", base_id, ymd_of(t));
        if (ics_when(cat, e, "DTSTART", start, tzid_start, &ws) &&
            ics_when(cat, e, "DTEND", end, p_end ? tzid_end : tzid_start, &we)) {
            base.occurrence = base.override = true;
            ics_add(cat, &base, id, &ws, &we, ymd_of(t));
        }
    } else if (rrule) {
        base.occurrence = true;
        ics_expand(cat, e, &base, rrule, start, end, tzid_start, p_end ? tzid_end : tzid_start);
    } else {
        ics_base_id(uid, false, id);
        if (ics_when(cat, e, "DTSTART", start, tzid_start, &ws) &&
            ics_when(cat, e, "DTEND", end, p_end ? tzid_end : tzid_start, &we))
            ics_add(cat, &base, id, &ws, &we, ymd_of(start));
    }
    catalogue_row_free(&base);
}

/* Appends the VEVENTs of cal (or cal itself, a lone VEVENT) to *events. */
static bool events_collect(struct catalogue *cat, icalcomponent *cal, icalcomponent ***events,
                           size_t *n)
{
    bool lone = icalcomponent_isa(cal) == ICAL_VEVENT_COMPONENT;
    icalcomponent *ev = lone ? cal : icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    for (; ev; ev = lone ? NULL : icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        if (*n >= CATALOGUE_ROWS_MAX) {
            catalogue_problem(cat, 0, "more than %d events in one file: split it",
                              CATALOGUE_ROWS_MAX);
            return false;
        }
        if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4...: grow to the next power of two */
            icalcomponent **v = realloc(*events, (*n ? *n * 2 : 1) * sizeof *v);
            if (!v) {
                cat->nomem = true;
                return false;
            }
            *events = v;
        }
        (*events)[(*n)++] = ev;
    }
    return true;
}

/* Refuses what is not UTF-8 text and notes the line of each BEGIN:VEVENT, so that messages can
** name lines. false: refused (problems recorded). A map that cannot grow is given up (the
** messages then name events by number), never the file. */
static bool scan_text(struct catalogue *cat, const char *text, size_t len, long **lines,
                      size_t *line_count)
{
    size_t cap = 0;
    bool mapped = true; /* the line map is complete (it is given up when it cannot grow) */
    *lines = NULL;
    *line_count = 0;
    long line = 1;
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && text[end] != '\n')
            end++;
        size_t k = i;
        for (; k < end; k++) {
            if (text[k] == '\0') {
                catalogue_problem(cat, line, "a NUL byte: this is not a text file");
                break;
            }
        }
        for (size_t j = i; k == end && j < end;) {
            uint32_t cp;
            size_t used = utf8_decode(text + j, end - j, &cp);
            if (!used) {
                catalogue_problem(cat, line, "not valid UTF-8 (export the calendar in UTF-8)");
                break;
            }
            j += used;
        }
        if (mapped && end - i >= 12 && !strncasecmp(text + i, "BEGIN:VEVENT", 12) &&
            (end - i == 12 || (end - i == 13 && text[i + 12] == '\r'))) {
            if (*line_count == cap) {
                cap = cap ? cap * 2 : 64;
                long *v = cap <= CATALOGUE_ROWS_MAX * 2 ? realloc(*lines, cap * sizeof *v) : NULL;
                if (!v) {
                    free(*lines);
                    *line_count = 0;
                    mapped = false;
                }
                *lines = v;
            }
            if (mapped)
                (*lines)[(*line_count)++] = line;
        }
        i = end + 1;
        line++;
    }
    if (catalogue_has_problems(cat)) {
        free(*lines);
        *lines = NULL;
        *line_count = 0;
        return false;
    }
    return true;
}

/* Orders pointers into one array of names by name, then by position. */
static int zone_cmp(const void *a, const void *b)
{
    const char *const *x = *(const char *const *const *)a;
    const char *const *y = *(const char *const *const *)b;
    int c = strcmp(*x, *y);
    return c ? c : (x < y ? -1 : x > y); /* the same name: the one met first, first */
}

/* The TZIDs ics_when() may be asked about: DTSTART's and DTEND's of every event, and the
** EXDATEs' of a recurring one (an RRULE without RECURRENCE-ID). Each once, in the order met:
** sorted with their positions, the first of each name kept. false: out of memory. */
static bool zones_collect(struct ics_calendar *cal)
{
    size_t n = 0, cap = 0;
    const char **all = NULL;
    for (size_t i = 0; i < cal->n; i++) {
        icalcomponent *c = cal->events[i];
        bool recurring = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY) &&
                         !icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
             p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
            icalproperty_kind k = icalproperty_isa(p);
            if (k != ICAL_DTSTART_PROPERTY && k != ICAL_DTEND_PROPERTY &&
                !(recurring && k == ICAL_EXDATE_PROPERTY))
                continue;
            const char *tzid = param_tzid(p);
            if (!tzid)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                const char **v = realloc(all, cap * sizeof *v);
                if (!v) {
                    free(all);
                    return false;
                }
                all = v;
            }
            all[n++] = tzid;
        }
    }
    if (n == 0)
        return true;
    const char ***sorted = malloc(n * sizeof *sorted);
    bool *first = calloc(n, sizeof *first);
    cal->zones = malloc(n * sizeof *cal->zones);
    if (!sorted || !first || !cal->zones) {
        free(sorted);
        free(first);
        free(all);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = &all[i];
    qsort(sorted, n, sizeof *sorted, zone_cmp);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(*sorted[i - 1], *sorted[i]) != 0)
            first[sorted[i] - all] = true;
    for (size_t i = 0; i < n; i++)
        if (first[i])
            cal->zones[cal->zone_count++] = all[i];
    free(sorted);
    free(first);
    free(all);
    return true;
}

enum borne_err ics_calendar_parse(struct catalogue *cat, const char *text, size_t len,
                                  struct ics_calendar **out)
{
    *out = NULL;
    if (len == 0) {
        catalogue_problem(cat, 0,
                          "the file is empty: expected an iCalendar file (BEGIN:VCALENDAR)");
        return BORNE_ERR_INVALID;
    }
    struct ics_calendar *cal = calloc(1, sizeof *cal);
    if (!cal) {
        cat->nomem = true;
        return BORNE_ERR_NOMEM;
    }
    enum borne_err err = BORNE_ERR_INVALID;
    if (!scan_text(cat, text, len, &cal->lines, &cal->line_count))
        goto fail;
    /* libical reads a C string: the text has no NUL (scan_text refused it), so one is added. */
    char *z = malloc(len + 1);
    if (!z)
        goto nomem;
    memcpy(z, text, len);
    z[len] = '\0';
    icalerror_set_errors_are_fatal(0);
    cal->root = icalparser_parse_string(z);
    free(z);
    if (!cal->root) {
        catalogue_problem(cat, 0,
                          "not an iCalendar file (expected BEGIN:VCALENDAR ... END:VCALENDAR)");
        goto fail;
    }
    /* The events: of the calendar, or of each calendar of a file that has several. */
    icalcomponent_kind kind = icalcomponent_isa(cal->root);
    icalcomponent *vcal =
        kind == ICAL_XROOT_COMPONENT
            ? icalcomponent_get_first_component(cal->root, ICAL_VCALENDAR_COMPONENT)
            : cal->root;
    for (; vcal; vcal = kind == ICAL_XROOT_COMPONENT
                            ? icalcomponent_get_next_component(cal->root, ICAL_VCALENDAR_COMPONENT)
                            : NULL) {
        if (!events_collect(cat, vcal, &cal->events, &cal->n)) {
            if (cat->nomem)
                goto nomem;
            goto fail;
        }
    }
    if (cal->n == 0) {
        catalogue_problem(cat, 0,
                          "no event in the file (expected BEGIN:VEVENT ... END:VEVENT inside a "
                          "VCALENDAR)");
        goto fail;
    }
    cat->events = cal->n;
    if (!zones_collect(cal))
        goto nomem;
    *out = cal;
    return BORNE_OK;
nomem:
    cat->nomem = true;
    err = BORNE_ERR_NOMEM;
fail:
    ics_calendar_destroy(cal);
    return err;
}

size_t ics_calendar_zone_count(const struct ics_calendar *cal)
{
    return cal->zone_count;
}

const char *ics_calendar_zone(const struct ics_calendar *cal, size_t i)
{
    return cal->zones[i];
}

void ics_calendar_read(struct ics_calendar *cal, struct catalogue *cat,
                       const struct ics_room *rooms, size_t n_rooms)
{
    struct site site = {.rooms = rooms, .n_rooms = n_rooms};
    for (size_t i = 0; i < cal->n && !cat->nomem; i++) {
        struct ev e = {
            .c = cal->events[i], .index = i, .line = cal->line_count == cal->n ? cal->lines[i] : 0};
        snprintf(e.label, sizeof e.label, "event %zu", i + 1);
        ics_event(cat, &site, &e);
    }
}

void ics_calendar_destroy(struct ics_calendar *cal)
{
    if (!cal)
        return;
    if (cal->root)
        icalcomponent_free(cal->root);
    free(cal->events);
    free(cal->lines);
    free(cal->zones);
    free(cal);
}

void ics_settle(struct catalogue *cat)
{
    /* Occurrences count only within the horizon; EXDATEs remove theirs. */
    for (size_t i = 0; i < cat->row_count; i++) {
        struct catalogue_row *r = &cat->rows[i];
        if (r->occurrence && r->start.known && r->end.known &&
            (r->end.epoch < cat->now || r->start.epoch >= cat->now + ICS_HORIZON_S))
            r->dropped = true;
    }
    for (size_t e = 0; e < cat->exdate_count; e++) {
        const struct catalogue_exdate *x = &cat->exdates[e];
        for (size_t i = 0; i < cat->row_count; i++) {
            struct catalogue_row *r = &cat->rows[i];
            if (r->event != x->event || !r->occurrence || r->override)
                continue;
            if (x->date_only ? r->ymd == x->ymd : r->start.epoch == x->at.epoch)
                r->dropped = true;
        }
    }
}
