/* The staff panel. Three pages behind tabs, because an 800 x 480 screen cannot hold it all:
**
**   Synchronisation   is the server reachable, the last sync and its age, the events waiting,
**                     the last error in plain words (the English detail under it, small, for
**                     whoever staff call), and the big "Synchroniser maintenant" button with
**                     its progress and result beside it;
**   Borne             printer, clock, free disk, the site the kiosk belongs to;
**   Séances du jour   today's sessions with this kiosk's registered and checked-in counts.
**
** Words, not codes: staff are not technicians, and each line says what it means for them. The
** panel closes itself after a minute without a touch (see core/app.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ui/ui.h"

#define DISK_LOW_BYTES (200LL * 1024 * 1024) /* under this, the database may soon not grow */

/* The header: the tabs on the left, "Fermer" on the right. Returns the y below it. */
static int header(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int bh = t->touch_min + 2 * t->gap;
    ui_rect(ui, (struct rect){0, 0, ui->w, bh}, t->header, 0, 0);
    if (t->header == 0x000000FF)
        ui_rect(ui, (struct rect){0, bh - 2, ui->w, 2}, t->border, 0, 0);
    const char *close = ui_tr(ui, STR_STAFF_CLOSE);
    int icon = ui_line_height(ui, FONT_LABEL) * 3 / 4;
    int cw = ui_text_width(ui, FONT_LABEL, close) + icon + 2 * t->pad;
    struct rect cr = {ui->w - t->pad - cw, t->gap, cw, t->touch_min};
    if (ui_button(ui, "staff:close", cr, close, ICON_HOME, STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_HOME});

    static const enum i18n_id names[STAFF_TAB_COUNT] = {STR_STAFF_TAB_SYNC, STR_STAFF_TAB_KIOSK,
                                                        STR_STAFF_TAB_SESSIONS};
    int avail = cr.x - t->pad - t->pad - (STAFF_TAB_COUNT - 1) * t->gap;
    int want[STAFF_TAB_COUNT], total = 0;
    for (int i = 0; i < STAFF_TAB_COUNT; i++) {
        want[i] = ui_text_width(ui, FONT_BODY_BOLD, ui_tr(ui, names[i])) + 2 * t->pad;
        total += want[i];
    }
    int x = t->pad;
    for (int i = 0; i < STAFF_TAB_COUNT; i++) {
        /* Too wide together: equal shares, and the button falls back to the small font. */
        int w = total <= avail ? want[i] : avail / STAFF_TAB_COUNT;
        char id[16];
        snprintf(id, sizeof id, "staff:tab:%d", i);
        if (ui_button(ui, id, (struct rect){x, t->gap, w, t->touch_min}, ui_tr(ui, names[i]), -1,
                      s->staff.tab == (enum staff_tab)i ? STYLE_TAB_ON : STYLE_TAB))
            ui_emit(ui, (struct action){.kind = ACT_STAFF_TAB, .arg = i});
        x += w + t->gap;
    }
    return bh;
}

/* --- words ---------------------------------------------------------------------------------- */

/* What the last sync error means for staff. */
static const char *err_words(const struct ui *ui, int err)
{
    switch (err) {
    case BORNE_OK:
        return ui_tr(ui, STR_STAFF_NO_ERROR);
    case BORNE_ERR_NETWORK:
        return ui_tr(ui, STR_STAFF_ERR_NETWORK);
    case BORNE_ERR_UNAUTHORIZED:
        return ui_tr(ui, STR_STAFF_ERR_UNAUTHORIZED);
    case BORNE_ERR_SERVER:
        return ui_tr(ui, STR_STAFF_ERR_SERVER);
    case BORNE_ERR_REFUSED:
        return ui_tr(ui, STR_STAFF_ERR_REFUSED);
    case BORNE_ERR_DISK_FULL:
        return ui_tr(ui, STR_STAFF_ERR_DISK);
    case BORNE_ERR_CERT_UNTRUSTED:
        return ui_tr(ui, STR_STAFF_ERR_CERT);
    case BORNE_ERR_CERT_EXPIRED:
        return ui_tr(ui, STR_STAFF_ERR_CERT_EXPIRED);
    default:
        return ui_tr(ui, STR_STAFF_ERR_OTHER);
    }
}

/* "il y a 12 min (14:02)", "jamais"; another day's time has its date. */
static void age(const struct ui *ui, int64_t now, int64_t t, char *out, size_t cap)
{
    if (t <= 0) {
        snprintf(out, cap, "%s", ui_tr(ui, STR_STAFF_NEVER));
        return;
    }
    char when[64], n[24];
    ui_time(t, when, sizeof when);
    if (app_day_start(t, 0) != app_day_start(now, 0)) {
        char date[48], hm[8];
        ui_date_short(ui, t, date, sizeof date);
        ui_time(t, hm, sizeof hm);
        snprintf(when, sizeof when, "%s %s", date, hm);
    }
    int64_t d = now > t ? now - t : 0; /* a clock set back makes no negative age */
    enum i18n_id id = STR_STAFF_AGO_NOW;
    int64_t v = 0;
    if (d >= 2 * 86400) {
        id = STR_STAFF_AGO_DAYS;
        v = d / 86400;
    } else if (d >= 3600) {
        id = STR_STAFF_AGO_HOURS;
        v = d / 3600;
    } else if (d >= 60) {
        id = STR_STAFF_AGO_MIN;
        v = d / 60;
    }
    snprintf(n, sizeof n, "%lld", (long long)v);
    const char *args[] = {id == STR_STAFF_AGO_NOW ? when : n, when};
    i18n_format(out, cap, ui_tr(ui, id), args, 2);
}

static void disk_words(const struct ui *ui, int64_t bytes, char *out, size_t cap)
{
    if (bytes < 0) {
        snprintf(out, cap, "%s", ui_tr(ui, STR_STAFF_DISK_UNKNOWN));
        return;
    }
    char a[24], b[8], size[64];
    int64_t mib = bytes / (1024 * 1024);
    if (mib < 1024) {
        snprintf(a, sizeof a, "%lld", (long long)mib);
        const char *args[] = {a};
        i18n_format(size, sizeof size, ui_tr(ui, STR_STAFF_MB), args, 1);
    } else {
        int64_t tenths = (mib * 10 + 512) / 1024;
        snprintf(a, sizeof a, "%lld", (long long)(tenths / 10));
        snprintf(b, sizeof b, "%d", (int)(tenths % 10));
        const char *args[] = {a, b};
        i18n_format(size, sizeof size, ui_tr(ui, STR_STAFF_GB), args, 2);
    }
    if (bytes < DISK_LOW_BYTES) {
        const char *args[] = {size};
        i18n_format(out, cap, ui_tr(ui, STR_STAFF_DISK_LOW), args, 1);
    } else {
        snprintf(out, cap, "%s", size);
    }
}

static enum i18n_id printer_words(enum printer_health h)
{
    switch (h) {
    case PRINTER_HEALTH_NONE:
        return STR_STAFF_PRINTER_NONE;
    case PRINTER_HEALTH_UNKNOWN:
        return STR_STAFF_PRINTER_UNKNOWN;
    case PRINTER_HEALTH_OK:
        return STR_STAFF_PRINTER_OK;
    case PRINTER_HEALTH_PAPER_LOW:
        return STR_STAFF_PRINTER_LOW;
    case PRINTER_HEALTH_PAPER_OUT:
        return STR_STAFF_PRINTER_OUT;
    case PRINTER_HEALTH_OFFLINE:
        return STR_STAFF_PRINTER_OFFLINE;
    case PRINTER_HEALTH_ERROR:
        break;
    }
    return STR_STAFF_PRINTER_ERROR;
}

/* --- rows: a label on the left, its value on the right ------------------------------------- */

struct row {
    const char *label;
    char value[300];
    uint32_t color;
    int max_lines;
    char detail[220]; /* a small line under the value, "" for none */
};

/* The widest label, or 0 when labels go above their values (a narrow or large-text screen):
** a value squeezed into a third of the width would wrap into a column of words. */
static int label_width(const struct ui *ui, const struct row *rows, int n, int w)
{
    int lw = 0;
    for (int i = 0; i < n; i++) {
        int k = ui_text_width(ui, FONT_SMALL, rows[i].label);
        if (k > lw)
            lw = k;
    }
    return lw + ui->theme.gap > w * 2 / 5 ? 0 : lw;
}

static int row_height(struct ui *ui, const struct row *r, int w, int lw, bool with_detail,
                      int space)
{
    const struct theme *t = &ui->theme;
    int vw = lw ? w - lw - t->pad : w;
    int h = ui_text_wrap_height(ui, vw, FONT_BODY_BOLD, r->value, r->max_lines);
    if (!lw)
        h += ui_line_height(ui, FONT_SMALL);
    if (with_detail && r->detail[0])
        h += ui_line_height(ui, FONT_SMALL);
    return h + space;
}

/* Lay the rows out from y down to bottom: when the room is short, the space between rows goes
** first, then the details, then second lines. Returns the y below the last row drawn. */
static int draw_rows(struct ui *ui, struct row *rows, int n, int x, int y, int w, int bottom)
{
    const struct theme *t = &ui->theme;
    int lw = label_width(ui, rows, n, w);
    bool details = true;
    int space = t->pad;
    for (int pass = 0; pass < 4; pass++) {
        int total = 0;
        for (int i = 0; i < n; i++)
            total += row_height(ui, &rows[i], w, lw, details, space);
        if (y + total <= bottom)
            break;
        if (pass == 0)
            space = t->gap;
        else if (pass == 1)
            details = false;
        else
            for (int i = 0; i < n; i++)
                rows[i].max_lines = 1;
    }
    int lh_small = ui_line_height(ui, FONT_SMALL), lh = ui_line_height(ui, FONT_BODY_BOLD);
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        int h = row_height(ui, r, w, lw, details, space);
        if (y + h - space > bottom)
            break; /* whole rows or none */
        int vx = x, vw = w, vy = y;
        if (lw) {
            ui_text(ui, x, y + (lh - lh_small) / 2, FONT_SMALL, t->text_muted, r->label, lw);
            vx = x + lw + t->pad;
            vw = w - lw - t->pad;
        } else {
            ui_text(ui, x, y, FONT_SMALL, t->text_muted, r->label, w);
            vy += lh_small;
        }
        vy += ui_text_wrap(ui, (struct rect){vx, vy, vw, 0}, FONT_BODY_BOLD, r->color, r->value,
                           r->max_lines, false);
        if (details && r->detail[0])
            ui_text(ui, vx, vy, FONT_SMALL, t->text_muted, r->detail, vw);
        y += h;
    }
    return y;
}

/* --- the pages ------------------------------------------------------------------------------ */

/* Beside the button: why it cannot be used, the cycle under way, or how the last one asked
** for here ended. */
static void sync_result(struct ui *ui, const struct app_state *s, char *out, size_t cap,
                        uint32_t *color)
{
    const struct theme *t = &ui->theme;
    const struct sync_view *v = &s->sync;
    const struct staff_state *st = &s->staff;
    char n[16];
    *color = t->text;
    out[0] = '\0';
    if (!v->enrolled) {
        snprintf(out, cap, "%s", ui_tr(ui, STR_STAFF_NOT_ENROLLED));
        *color = t->text_muted;
    } else if (v->running) {
        snprintf(n, sizeof n, "%d", v->progress);
        const char *args[] = {n};
        i18n_format(out, cap, ui_tr(ui, STR_STAFF_SYNC_RUNNING), args, 1);
    } else if (st->sync_asked && !st->sync_ran) {
        snprintf(out, cap, "%s", ui_tr(ui, STR_STAFF_SYNC_ASKED));
    } else if (st->sync_asked && v->last_err != BORNE_OK) {
        const char *args[] = {err_words(ui, v->last_err)};
        i18n_format(out, cap, ui_tr(ui, STR_STAFF_SYNC_FAILED), args, 1);
        *color = t->bad;
    } else if (st->sync_asked) {
        snprintf(n, sizeof n, "%d", v->pending);
        const char *args[] = {n};
        i18n_format(out, cap,
                    ui_tr(ui, v->pending ? STR_STAFF_SYNC_DONE_PENDING : STR_STAFF_SYNC_DONE), args,
                    1);
        *color = v->pending ? t->text : t->ok;
    }
}

static void page_sync(struct ui *ui, const struct app_state *s, int x, int y, int w, int bottom)
{
    const struct theme *t = &ui->theme;
    const struct sync_view *v = &s->sync;
    struct row rows[4];
    memset(rows, 0, sizeof rows);
    for (int i = 0; i < 4; i++) {
        rows[i].color = t->text;
        rows[i].max_lines = 2;
    }
    rows[0].label = ui_tr(ui, STR_STAFF_SERVER);
    if (!v->enrolled) {
        snprintf(rows[0].value, sizeof rows[0].value, "%s", ui_tr(ui, STR_STAFF_NOT_ENROLLED));
    } else if (v->online) {
        const char *args[] = {v->site_name};
        i18n_format(rows[0].value, sizeof rows[0].value,
                    ui_tr(ui, v->site_name[0] ? STR_STAFF_ONLINE_SITE : STR_STAFF_ONLINE), args, 1);
        rows[0].color = t->ok;
    } else {
        snprintf(rows[0].value, sizeof rows[0].value, "%s", ui_tr(ui, STR_STAFF_OFFLINE));
        rows[0].color = t->bad;
    }
    rows[1].label = ui_tr(ui, STR_STAFF_LAST_SYNC);
    age(ui, s->now, v->last_success_at, rows[1].value, sizeof rows[1].value);
    rows[2].label = ui_tr(ui, STR_STAFF_PENDING);
    {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", v->pending);
        snprintf(b, sizeof b, "%d", v->refused);
        const char *args[] = {a, b};
        if (v->refused > 0)
            i18n_format(rows[2].value, sizeof rows[2].value, ui_tr(ui, STR_STAFF_PENDING_REFUSED),
                        args, 2);
        else
            snprintf(rows[2].value, sizeof rows[2].value, "%s", a);
        rows[2].max_lines = 1;
    }
    rows[3].label = ui_tr(ui, STR_STAFF_LAST_ERROR);
    snprintf(rows[3].value, sizeof rows[3].value, "%s", err_words(ui, v->last_err));
    if (v->last_err != BORNE_OK) {
        rows[3].color = t->bad;
        snprintf(rows[3].detail, sizeof rows[3].detail, "%s", v->last_error);
    }

    /* The button at the bottom, always in the same place; the rows get the room above. */
    const char *label = ui_tr(ui, STR_STAFF_SYNC_NOW);
    int bh = t->touch_min * 5 / 4;
    int bw = ui_text_width(ui, FONT_LABEL, label) + ui_line_height(ui, FONT_LABEL) + 2 * t->pad;
    if (bw < w / 3)
        bw = w / 3;
    if (bw > w * 11 / 20)
        bw = w * 11 / 20;
    int by = bottom - bh;
    bool can = v->enrolled && !v->running;
    struct rect br = {x, by, bw, bh};
    if (ui_button(ui, "staff:sync", br, label, ICON_NEXT, can ? STYLE_PRIMARY : STYLE_DISABLED))
        ui_emit(ui, (struct action){.kind = ACT_SYNC_NOW});
    char result[400];
    uint32_t color;
    sync_result(ui, s, result, sizeof result, &color);
    if (result[0]) {
        int rx = x + bw + t->pad, rw = w - bw - t->pad;
        int lines = bh / ui_line_height(ui, FONT_BODY_BOLD);
        if (lines < 1)
            lines = 1;
        int rh = ui_text_wrap_height(ui, rw, FONT_BODY_BOLD, result, lines);
        ui_text_wrap(ui, (struct rect){rx, by + (bh - rh) / 2, rw, rh}, FONT_BODY_BOLD, color,
                     result, lines, false);
    }
    draw_rows(ui, rows, 4, x, y, w, by - t->gap);
}

static void page_kiosk(struct ui *ui, const struct app_state *s, int x, int y, int w, int bottom)
{
    const struct theme *t = &ui->theme;
    const struct staff_data *d = &s->staff.data;
    struct row rows[4];
    memset(rows, 0, sizeof rows);
    for (int i = 0; i < 4; i++) {
        rows[i].color = t->text;
        rows[i].max_lines = 2;
    }
    rows[0].label = ui_tr(ui, STR_STAFF_PRINTER);
    snprintf(rows[0].value, sizeof rows[0].value, "%s", ui_tr(ui, printer_words(s->printer)));
    if (s->printer == PRINTER_HEALTH_OK)
        rows[0].color = t->ok;
    else if (s->printer != PRINTER_HEALTH_NONE && s->printer != PRINTER_HEALTH_UNKNOWN)
        rows[0].color = t->bad;
    rows[1].label = ui_tr(ui, STR_STAFF_CLOCK);
    snprintf(rows[1].value, sizeof rows[1].value, "%s",
             ui_tr(ui, d->clock_unsure ? STR_STAFF_CLOCK_UNSURE : STR_STAFF_CLOCK_OK));
    rows[1].color = d->clock_unsure ? t->bad : t->ok;
    rows[2].label = ui_tr(ui, STR_STAFF_DISK);
    disk_words(ui, s->staff.loaded ? d->disk_free_bytes : -1, rows[2].value, sizeof rows[2].value);
    if (s->staff.loaded && d->disk_free_bytes >= 0 && d->disk_free_bytes < DISK_LOW_BYTES)
        rows[2].color = t->bad;
    rows[3].label = ui_tr(ui, STR_STAFF_SITE);
    snprintf(rows[3].value, sizeof rows[3].value, "%s",
             s->sync.enrolled ? (s->sync.site_name[0] ? s->sync.site_name : "?")
                              : ui_tr(ui, STR_STAFF_NOT_ENROLLED));
    draw_rows(ui, rows, 4, x, y, w, bottom);
}

/* One session: time and title, then room and seats; on the right the two counts. */
static void session_row(struct ui *ui, const struct staff_session *ses, struct rect r, int col_w)
{
    const struct theme *t = &ui->theme;
    char from[8], to[8], range[48], line[BORNE_TITLE_MAX + 64], seats[BORNE_ROOM_MAX + 96];
    ui_time(ses->starts_at, from, sizeof from);
    ui_time(ses->ends_at, to, sizeof to);
    const char *times[] = {from, to};
    i18n_format(range, sizeof range, ui_tr(ui, STR_TIME_RANGE), times, 2);
    snprintf(line, sizeof line, "%s  %s", range, ses->title);
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", ses->seats_taken);
    snprintf(b, sizeof b, "%d", ses->capacity);
    const char *args[] = {ses->room, a, b};
    i18n_format(seats, sizeof seats, ui_tr(ui, STR_STAFF_SEATS), args, 3);
    int lh = ui_line_height(ui, FONT_BODY_BOLD);
    int tw = r.w - 2 * col_w - t->pad;
    ui_text(ui, r.x, r.y, FONT_BODY_BOLD, t->text, line, tw);
    ui_text(ui, r.x, r.y + lh, FONT_SMALL, t->text_muted, seats, tw);
    const int counts[2] = {ses->registered, ses->checked_in};
    const enum i18n_id names[2] = {STR_STAFF_REGISTERED, STR_STAFF_CHECKED_IN};
    for (int k = 0; k < 2; k++) {
        int cx = r.x + r.w - (2 - k) * col_w;
        char n[16];
        if (counts[k] < 0)
            snprintf(n, sizeof n, "?");
        else
            snprintf(n, sizeof n, "%d", counts[k]);
        int nw = ui_text_width(ui, FONT_BODY_BOLD, n);
        const char *name = ui_tr(ui, names[k]);
        int lw = ui_text_width(ui, FONT_SMALL, name);
        if (lw > col_w - t->gap)
            lw = col_w - t->gap;
        ui_text(ui, cx + (col_w - nw) / 2, r.y, FONT_BODY_BOLD, t->text, n, col_w);
        ui_text(ui, cx + (col_w - lw) / 2, r.y + lh, FONT_SMALL, t->text_muted, name,
                col_w - t->gap);
    }
}

static void page_sessions(struct ui *ui, const struct app_state *s, int x, int y, int w, int bottom)
{
    const struct theme *t = &ui->theme;
    const struct staff_data *d = &s->staff.data;
    char head[200], n[24];
    size_t total = d->n_sessions + d->n_more;
    snprintf(n, sizeof n, "%zu", total);
    const char *args[] = {n};
    if (total == 0)
        snprintf(head, sizeof head, "%s", ui_tr(ui, STR_STAFF_NO_SESSION));
    else
        i18n_format(head, sizeof head, ui_tr(ui, STR_STAFF_SESSIONS_COUNT), args, 1);
    if (d->n_more) {
        char more[120], m[24];
        snprintf(m, sizeof m, "%zu", d->n_more);
        const char *margs[] = {m};
        i18n_format(more, sizeof more, ui_tr(ui, STR_STAFF_MORE_SESSIONS), margs, 1);
        size_t len = strlen(head);
        snprintf(head + len, sizeof head - len, " (%s)", more);
    }
    ui_text(ui, x, y, FONT_BODY_BOLD, t->text, head, w);
    y += ui_line_height(ui, FONT_BODY_BOLD) + t->gap;
    if (d->n_sessions == 0)
        return;

    int row_h = ui_line_height(ui, FONT_BODY_BOLD) + ui_line_height(ui, FONT_SMALL) + t->gap;
    int pager_h = t->touch_min + t->gap;
    int per_page = (bottom - y) / row_h;
    if ((size_t)per_page < d->n_sessions) /* a pager then takes the bottom row */
        per_page = (bottom - pager_h - y) / row_h;
    if (per_page < 1)
        per_page = 1;
    int pages = (int)((d->n_sessions + (size_t)per_page - 1) / (size_t)per_page);
    int page = s->staff.page < pages ? s->staff.page : pages - 1;
    int col_w = 0;
    const enum i18n_id names[2] = {STR_STAFF_REGISTERED, STR_STAFF_CHECKED_IN};
    for (int k = 0; k < 2; k++) {
        int lw = ui_text_width(ui, FONT_SMALL, ui_tr(ui, names[k])) + t->gap;
        if (lw > col_w)
            col_w = lw;
    }
    if (col_w > w / 5)
        col_w = w / 5;
    for (int i = 0; i < per_page; i++) {
        size_t k = (size_t)page * (size_t)per_page + (size_t)i;
        if (k >= d->n_sessions)
            break;
        struct rect r = {x, y + i * row_h, w, row_h - t->gap};
        if (i > 0)
            ui_rect(ui, (struct rect){x, r.y - t->gap / 2 - 1, w, 1}, t->border, 0, 0);
        session_row(ui, &d->sessions[k], r, col_w);
    }
    if (pages <= 1)
        return;
    int py = bottom - t->touch_min;
    const char *prev = ui_tr(ui, STR_PAGE_PREV), *next = ui_tr(ui, STR_PAGE_NEXT);
    int icon = ui_line_height(ui, FONT_LABEL);
    int pw = ui_text_width(ui, FONT_LABEL, prev) + icon + 2 * t->pad;
    int nw = ui_text_width(ui, FONT_LABEL, next) + icon + 2 * t->pad;
    char a[12], b[12], label[48];
    snprintf(a, sizeof a, "%d", page + 1);
    snprintf(b, sizeof b, "%d", pages);
    const char *pargs[] = {a, b};
    i18n_format(label, sizeof label, ui_tr(ui, STR_PAGE_OF), pargs, 2);
    int lw = ui_text_width(ui, FONT_BODY, label);
    bool words = pw + nw + lw + 2 * t->gap <= w;
    if (!words) {
        pw = nw = t->touch_min;
    }
    /* As on the start screen: a button that can do nothing is not shown. */
    if (page > 0 && ui_button(ui, "staff:prev", (struct rect){x, py, pw, t->touch_min},
                              words ? prev : NULL, ICON_PREV, STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_PAGE, .arg = -1});
    if (page < pages - 1 &&
        ui_button(ui, "staff:next", (struct rect){x + w - nw, py, nw, t->touch_min},
                  words ? next : NULL, ICON_NEXT, STYLE_PRIMARY))
        ui_emit(ui, (struct action){.kind = ACT_PAGE, .arg = +1});
    if (lw <= w - pw - nw - 2 * t->gap)
        ui_text(ui, x + (w - lw) / 2, py + (t->touch_min - ui_line_height(ui, FONT_BODY)) / 2,
                FONT_BODY, t->text, label, 0);
}

void view_staff(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int y = header(ui, s) + t->pad;
    int x = t->pad, w = ui->w - 2 * t->pad, bottom = ui->h - t->pad;
    switch (s->staff.tab) {
    case STAFF_TAB_SYNC:
        page_sync(ui, s, x, y, w, bottom);
        break;
    case STAFF_TAB_KIOSK:
        page_kiosk(ui, s, x, y, w, bottom);
        break;
    case STAFF_TAB_SESSIONS:
        page_sessions(ui, s, x, y, w, bottom);
        break;
    }
}
