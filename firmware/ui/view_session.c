/* One session: what it is, when, where, who runs it, seats left, and "Je m'inscris". */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* An icon and one line of text; returns the y below it. */
static int info_line(struct ui *ui, int x, int y, int w, enum ui_icon icon, enum ui_font font,
                     uint32_t color, const char *s)
{
    int lh = ui_line_height(ui, font), isz = lh * 2 / 3;
    ui_icon(ui, (struct rect){x, y + (lh - isz) / 2, isz, isz}, icon, color);
    ui_text(ui, x + isz + ui->theme.gap, y, font, color, s, w - isz - ui->theme.gap);
    return y + lh + ui->theme.gap / 2;
}

/* A coloured box with a message: why a person cannot register, or what just happened. */
static int notice_box(struct ui *ui, struct rect r, uint32_t bg, uint32_t fg, const char *msg)
{
    const struct theme *t = &ui->theme;
    int lh = ui_line_height(ui, FONT_BODY_BOLD);
    int h = 2 * t->gap + lh * 3;
    ui_rect(ui, (struct rect){r.x, r.y, r.w, h}, bg, t->radius, 0);
    ui_icon(ui, (struct rect){r.x + t->gap, r.y + t->gap, lh, lh}, ICON_WARNING, fg);
    ui_text_wrap(ui, (struct rect){r.x + 2 * t->gap + lh, r.y + t->gap, r.w - 3 * t->gap - lh, h},
                 FONT_BODY_BOLD, fg, msg, 3, false);
    return h;
}

void view_session(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    if (s->selected < 0 || (size_t)s->selected >= s->n_sessions) {
        ui_top_bar(ui, "", true);
        return;
    }
    const struct session *ses = &s->catalogue[s->selected];
    int y = ui_top_bar(ui, ui_tr(ui, (enum i18n_id)(STR_KIND_WORKSHOP + ses->kind)), true);
    int x = t->pad, w = ui->w - 2 * t->pad;
    y += t->pad;
    y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_TITLE, t->text, ses->title, 2, false);
    y += t->gap;

    char date[64], from[8], to[8], range[48], when[128], line[200];
    ui_date_long(ui, ses->starts_at, date, sizeof date);
    ui_time(ses->starts_at, from, sizeof from);
    ui_time(ses->ends_at, to, sizeof to);
    const char *ft[] = {from, to};
    i18n_format(range, sizeof range, ui_tr(ui, STR_TIME_RANGE), ft, 2);
    const char *dw[] = {date, range};
    i18n_format(when, sizeof when, ui_tr(ui, STR_WHEN), dw, 2);
    y = info_line(ui, x, y, w, ICON_CLOCK, FONT_BODY_BOLD, t->text, when);
    y = info_line(ui, x, y, w, ICON_PLACE, FONT_BODY, t->text, ses->room_name);
    if (ses->organiser[0]) {
        const char *o[] = {ses->organiser};
        i18n_format(line, sizeof line, ui_tr(ui, STR_RUN_BY), o, 1);
    } else {
        snprintf(line, sizeof line, "%s", ui_tr(ui, STR_RUN_BY_CENTRE));
    }
    y = info_line(ui, x, y, w, ICON_PERSON, FONT_BODY, t->text, line);

    if (session_state_at(ses, s->now) == SESSION_OPEN) {
        char a[12], b[12];
        snprintf(a, sizeof a, "%d", session_seats_left(ses));
        snprintf(b, sizeof b, "%d", ses->capacity);
        const char *ab[] = {a, b};
        i18n_format(line, sizeof line, ui_tr(ui, STR_SEATS_OF), ab, 2);
        y = info_line(ui, x, y, w, ICON_CHECK, FONT_BODY_BOLD, t->ok, line);
    }
    y += t->gap;

    /* The bottom band: the one thing to do, or why it cannot be done. */
    int band_h = t->touch_min * 3 / 2;
    int band_y = ui->h - t->pad - band_h;
    int lh = ui_line_height(ui, FONT_BODY);
    int desc_h = band_y - t->gap - y;
    enum session_state st = session_state_at(ses, s->now);
    bool notice =
        s->notice == NOTICE_JUST_FULL || s->notice == NOTICE_CLOSED || s->notice == NOTICE_RESERVED;
    enum i18n_id notice_id = s->notice == NOTICE_JUST_FULL ? STR_ERR_JUST_FULL : STR_ERR_CLOSED;
    /* A session no longer open says the notice in its bottom band, in place of the reason. */
    if (notice && st == SESSION_OPEN) {
        /* What just happened matters more than the description: it goes right above the
        ** bottom band, and the description gets what is left above it, if anything. */
        int h = 2 * t->gap + ui_line_height(ui, FONT_BODY_BOLD) * 3;
        int ny = band_y - lh / 2 - t->gap - h;
        if (ny < y)
            ny = y;
        notice_box(ui, (struct rect){x, ny, w, 0}, t->bad, t->bad_text, ui_tr(ui, notice_id));
        desc_h = ny - t->gap - y;
    }
    if (desc_h > lh) {
        ui_rect(ui, (struct rect){x, y, w, desc_h}, t->surface, t->radius, 0);
        ui_text_wrap(ui, (struct rect){x + t->pad, y + t->gap, w - 2 * t->pad, desc_h}, FONT_BODY,
                     t->text, ses->description, (desc_h - t->gap) / lh, false);
    }

    if (st == SESSION_OPEN) {
        int bw = ui->w / 3 < 380 ? 380 : ui->w / 3;
        struct rect b = {ui->w - t->pad - bw, band_y, bw, band_h};
        if (ui_button(ui, "register", b, ui_tr(ui, STR_REGISTER), ICON_NEXT, STYLE_PRIMARY))
            ui_emit(ui, (struct action){.kind = ACT_START_FORM});
        return;
    }
    char msg[320];
    if (notice) {
        snprintf(msg, sizeof msg, "%s", ui_tr(ui, notice_id));
    } else if (st == SESSION_RESERVED) {
        const char *g[] = {ses->reserved_for};
        i18n_format(msg, sizeof msg, ui_tr(ui, STR_RESERVED_LONG), g, 1);
    } else {
        snprintf(msg, sizeof msg, "%s",
                 ui_tr(ui, st == SESSION_FULL ? STR_FULL_LONG : STR_STARTED_LONG));
    }
    uint32_t bg = st == SESSION_FULL ? t->bad : st == SESSION_RESERVED ? t->warn : t->surface_alt;
    uint32_t fg = st == SESSION_FULL       ? t->bad_text
                  : st == SESSION_RESERVED ? t->warn_text
                                           : t->text;
    struct rect b = {x, band_y - lh / 2, w, band_h + lh / 2};
    ui_rect(ui, b, bg, t->radius, 0);
    int isz = ui_line_height(ui, FONT_BODY_BOLD);
    ui_icon(ui, (struct rect){b.x + t->pad, b.y + (b.h - isz) / 2, isz, isz}, ICON_WARNING, fg);
    int tx = b.x + 2 * t->pad + isz;
    ui_text_wrap(ui, (struct rect){tx, b.y + t->gap, b.x + b.w - t->pad - tx, b.h}, FONT_BODY_BOLD,
                 fg, msg, 3, false);
}
