/* The answer to a scan at the door: large, in colour, readable from a step away. Green says
** come in; blue says you are in already; orange says not now (or, with a person's outline,
** not without the desk: a waiting-list ticket); red says not this ticket. The
** kiosk goes back to the start screen by itself after a few seconds; OK goes sooner. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

struct look {
    uint32_t bg, fg;
    enum ui_icon icon;
};

static struct look look_of(const struct theme *t, enum verdict v)
{
    switch (v) {
    case VERDICT_WELCOME:
        return (struct look){t->ok, t->ok_text, ICON_CHECK};
    case VERDICT_ALREADY:
        return (struct look){t->primary, t->primary_text, ICON_PERSON};
    case VERDICT_TOO_EARLY:
    case VERDICT_NOT_TODAY:
    case VERDICT_OVER:
        return (struct look){t->warn, t->warn_text, ICON_CLOCK};
    case VERDICT_WAITLIST:
        return (struct look){t->warn, t->warn_text, ICON_PERSON};
    case VERDICT_CANCELLED:
    case VERDICT_INVALID:
        break;
    }
    return (struct look){t->bad, t->bad_text, ICON_WARNING};
}

/* The title and the line under it, in the visitor's language. */
static void words(struct ui *ui, const struct checkin_result *v, char *title, size_t title_cap,
                  char *hint, size_t hint_cap)
{
    const struct session *ses = &v->session;
    char at_date[64], at_time[8], start[8], end[8];
    ui_date_long(ui, v->at, at_date, sizeof at_date);
    ui_time(v->at, at_time, sizeof at_time);
    ui_time(ses->starts_at, start, sizeof start);
    ui_time(ses->ends_at, end, sizeof end);
    const char *room = ses->room_name[0] ? ses->room_name : "?";
    hint[0] = '\0';
    switch (v->verdict) {
    case VERDICT_WELCOME: {
        const char *name[] = {v->first_name};
        i18n_format(title, title_cap,
                    ui_tr(ui, v->first_name[0] ? STR_V_WELCOME : STR_V_WELCOME_ANON), name, 1);
        const char *args[] = {room, start};
        i18n_format(hint, hint_cap, ui_tr(ui, STR_V_WELCOME_HINT), args, 2);
        return;
    }
    case VERDICT_ALREADY: {
        snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_ALREADY));
        const char *args[] = {at_date, at_time, room};
        i18n_format(hint, hint_cap, ui_tr(ui, STR_V_ALREADY_HINT), args, 3);
        return;
    }
    case VERDICT_TOO_EARLY: {
        snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_EARLY));
        const char *args[] = {at_time, start, room};
        i18n_format(hint, hint_cap, ui_tr(ui, STR_V_EARLY_HINT), args, 3);
        return;
    }
    case VERDICT_OVER: {
        snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_OVER));
        const char *args[] = {end};
        i18n_format(hint, hint_cap, ui_tr(ui, STR_V_OVER_HINT), args, 1);
        return;
    }
    case VERDICT_NOT_TODAY: {
        snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_NOT_TODAY));
        const char *args[] = {at_date, at_time};
        i18n_format(hint, hint_cap, ui_tr(ui, STR_V_NOT_TODAY_HINT), args, 2);
        return;
    }
    case VERDICT_CANCELLED:
        snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_CANCELLED));
        snprintf(hint, hint_cap, "%s",
                 ui_tr(ui, ses->cancelled ? STR_V_SESSION_CANCELLED_HINT : STR_V_CANCELLED_HINT));
        return;
    case VERDICT_WAITLIST:
        snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_WAITLIST));
        snprintf(hint, hint_cap, "%s", ui_tr(ui, STR_V_WAITLIST_HINT));
        return;
    case VERDICT_INVALID:
        break;
    }
    snprintf(title, title_cap, "%s", ui_tr(ui, STR_V_INVALID));
    enum i18n_id h = v->reason == INVALID_UNKNOWN_CODE      ? STR_V_UNKNOWN_CODE_HINT
                     : v->reason == INVALID_UNKNOWN_SESSION ? STR_V_OTHER_CENTRE_HINT
                                                            : STR_V_INVALID_HINT;
    snprintf(hint, hint_cap, "%s", ui_tr(ui, h));
}

void view_verdict(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    const struct checkin_result *v = &s->verdict;
    struct look lk = look_of(t, v->verdict);
    ui_rect(ui, (struct rect){0, 0, ui->w, ui->h}, lk.bg, 0, 0);

    int bw = ui->w / 3, bh = t->touch_min * 5 / 4;
    int by = ui->h - t->pad - bh;
    /* The button stands out from the coloured page in the page's own text colour. */
    struct rect br = {(ui->w - bw) / 2, by, bw, bh};
    if (ui_button(ui, "verdict:ok", br, ui_tr(ui, STR_VERDICT_OK), ICON_HOME, STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_HOME});

    char title[300], hint[600], detail[200] = "";
    words(ui, v, title, sizeof title, hint, sizeof hint);
    if (v->verdict == VERDICT_INVALID) {
        const char *args[] = {invalid_reason_str(v->reason)};
        i18n_format(detail, sizeof detail, ui_tr(ui, STR_V_STAFF_DETAIL), args, 1);
    } else if (s->clock_unsure && (v->verdict == VERDICT_TOO_EARLY || v->verdict == VERDICT_OVER ||
                                   v->verdict == VERDICT_NOT_TODAY)) {
        const char *args[] = {ui_tr(ui, STR_V_CLOCK_UNSURE)};
        i18n_format(detail, sizeof detail, ui_tr(ui, STR_V_STAFF_DETAIL), args, 1);
    }
    int x = 2 * t->pad, w = ui->w - 4 * t->pad;
    int isz = ui_line_height(ui, FONT_HUGE) * 3 / 2;
    const char *about =
        v->session.title[0] && v->verdict != VERDICT_INVALID ? v->session.title : "";
    int h_title = ui_text_wrap_height(ui, w, FONT_HUGE, title, 2);
    int h_about = about[0] ? ui_text_wrap_height(ui, w, FONT_TITLE, about, 2) + t->gap : 0;
    int h_hint = ui_text_wrap_height(ui, w, FONT_LABEL, hint, 4);
    /* The staff line sits just above the button: the rest gets the room above it. */
    int h_detail = detail[0] ? ui_line_height(ui, FONT_SMALL) + t->gap : 0;
    int room = by - 2 * t->pad - h_detail;
    bool with_icon = isz + t->pad + h_title + t->pad + h_about + h_hint <= room;
    int used = (with_icon ? isz + t->pad : 0) + h_title + t->pad + h_about + h_hint;
    int y = t->pad + (room - used) / 3;
    if (y < t->pad)
        y = t->pad;
    if (with_icon) {
        ui_rect(ui, (struct rect){(ui->w - isz) / 2, y, isz, isz}, lk.fg, isz / 2, 0);
        ui_icon(ui,
                (struct rect){(ui->w - isz) / 2 + isz / 5, y + isz / 5, isz * 3 / 5, isz * 3 / 5},
                lk.icon, lk.bg);
        y += isz + t->pad;
    }
    y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_HUGE, lk.fg, title, 2, true);
    y += t->pad;
    if (about[0])
        y +=
            ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_TITLE, lk.fg, about, 2, true) + t->gap;
    int hint_lines = (by - t->gap - h_detail - y) / ui_line_height(ui, FONT_LABEL);
    if (hint_lines > 4)
        hint_lines = 4;
    if (hint_lines < 1)
        hint_lines = 1;
    ui_text_wrap(ui, (struct rect){x, y, w, by - t->gap - y}, FONT_LABEL, lk.fg, hint, hint_lines,
                 true);
    if (detail[0]) {
        int dw = ui_text_width(ui, FONT_SMALL, detail);
        if (dw > w)
            dw = w;
        ui_text(ui, (ui->w - dw) / 2, by - t->gap - ui_line_height(ui, FONT_SMALL), FONT_SMALL,
                lk.fg, detail, w);
    }
}
