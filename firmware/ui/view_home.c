/* The start screen: welcome, language and display switches, day tabs, session tiles. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* The badge at the bottom of a tile: what a visitor must know before touching it. */
static void tile_badge(struct ui *ui, const struct session *ses, int64_t now, char *out, size_t cap,
                       uint32_t *bg, uint32_t *fg)
{
    const struct theme *t = &ui->theme;
    enum session_state st = session_state_at(ses, now);
    *bg = t->surface_alt;
    *fg = t->text;
    switch (st) {
    case SESSION_OPEN: {
        int left = session_seats_left(ses);
        char n[12];
        snprintf(n, sizeof n, "%d", left);
        const char *args[] = {n};
        i18n_format(out, cap, ui_tr(ui, left == 1 ? STR_SEATS_LEFT_ONE : STR_SEATS_LEFT), args, 1);
        *bg = t->ok;
        *fg = t->ok_text;
        return;
    }
    case SESSION_FULL:
        snprintf(out, cap, "%s", ui_tr(ui, STR_FULL));
        *bg = t->bad;
        *fg = t->bad_text;
        return;
    case SESSION_RESERVED:
        snprintf(out, cap, "%s", ui_tr(ui, STR_RESERVED));
        *bg = t->warn;
        *fg = t->warn_text;
        return;
    default:
        snprintf(out, cap, "%s", ui_tr(ui, STR_STARTED));
        return;
    }
}

static void tile(struct ui *ui, const struct app_state *s, int index, struct rect r)
{
    const struct theme *t = &ui->theme;
    const struct session *ses = &s->catalogue[index];
    char id[UI_ID_MAX];
    snprintf(id, sizeof id, "tile:%s", ses->id);
    if (ui_area(ui, id, r))
        ui_emit(ui, (struct action){.kind = ACT_OPEN_SESSION, .arg = index});
    bool pressed = ui_is_pressed(ui, id);
    ui_rect(ui, r, pressed ? t->key_pressed : t->surface, t->radius, 0);
    ui_rect(ui, r, pressed ? t->focus : t->border, t->radius, pressed ? 4 : 2);

    int x = r.x + t->pad * 2 / 3, w = r.w - t->pad * 4 / 3, y = r.y + t->gap * 2 / 3;
    char from[8], to[8], range[48];
    ui_time(ses->starts_at, from, sizeof from);
    ui_time(ses->ends_at, to, sizeof to);
    const char *args[] = {from, to};
    i18n_format(range, sizeof range, ui_tr(ui, STR_TIME_RANGE), args, 2);
    int lh_small = ui_line_height(ui, FONT_SMALL);
    ui_icon(ui, (struct rect){x, y + lh_small / 6, lh_small * 2 / 3, lh_small * 2 / 3}, ICON_CLOCK,
            t->text);
    int tx = x + lh_small;
    int used = ui_text(ui, tx, y - 2, FONT_BODY_BOLD, t->text, range, w - lh_small);
    const char *kind = ui_tr(ui, (enum i18n_id)(STR_KIND_WORKSHOP + ses->kind));
    int kw = ui_text_width(ui, FONT_SMALL, kind);
    if (tx + used + t->gap + kw <= x + w)
        ui_text(ui, x + w - kw, y, FONT_SMALL, t->text_muted, kind, 0);
    y += ui_line_height(ui, FONT_BODY_BOLD); /* the title sits close under its time */

    /* Bottom row: the badge (seats, full, reserved) on the left, the room on the right. */
    int badge_h = ui_line_height(ui, FONT_SMALL) + t->gap;
    int bottom_y = r.y + r.h - t->gap - badge_h;
    int lines = (bottom_y - t->gap / 2 - y) / ui_line_height(ui, FONT_LABEL);
    if (lines < 1)
        lines = 1;
    ui_text_wrap(ui, (struct rect){x, y, w, bottom_y - y}, FONT_LABEL, t->text, ses->title,
                 lines > 3 ? 3 : lines, false);

    char badge[64];
    uint32_t bg, fg;
    tile_badge(ui, ses, s->now, badge, sizeof badge, &bg, &fg);
    int bw = ui_text_width(ui, FONT_SMALL, badge) + t->gap * 2;
    if (bw > w)
        bw = w;
    struct rect b = {x, bottom_y, bw, badge_h};
    ui_rect(ui, b, bg, badge_h / 2, 0);
    ui_text(ui, b.x + t->gap, b.y + t->gap / 2, FONT_SMALL, fg, badge, bw - 2 * t->gap);
    int room_w = w - bw - t->gap - lh_small;
    if (room_w > lh_small * 2) {
        int rw = ui_text_width(ui, FONT_SMALL, ses->room_name);
        if (rw > room_w)
            rw = room_w;
        int rx = x + w - rw;
        ui_icon(ui,
                (struct rect){rx - lh_small * 5 / 6, bottom_y + t->gap / 2 + lh_small / 6,
                              lh_small * 2 / 3, lh_small * 2 / 3},
                ICON_PLACE, t->text_muted);
        ui_text(ui, rx, bottom_y + t->gap / 2, FONT_SMALL, t->text_muted, ses->room_name, rw);
    }
}

static int header(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int row = t->touch_min;
    int hh = 2 * row + 3 * t->gap;
    ui_rect(ui, (struct rect){0, 0, ui->w, hh}, t->header, 0, 0);
    if (t->header == 0x000000FF)
        ui_rect(ui, (struct rect){0, hh - 2, ui->w, 2}, t->border, 0, 0);

    /* Languages are named in their own language, so that someone who cannot read the
    ** current one still finds theirs. */
    static const char *const names[LANG_COUNT] = {"Français", "English"};
    int lw = ui_text_width(ui, FONT_LABEL, "Français") + 2 * t->pad;
    int x = ui->w - t->pad - LANG_COUNT * lw - (LANG_COUNT - 1) * t->gap;
    for (int l = 0; l < LANG_COUNT; l++) {
        char id[16];
        snprintf(id, sizeof id, "lang:%d", l);
        if (ui_button(ui, id, (struct rect){x, t->gap, lw, row}, names[l], -1,
                      s->lang == (enum lang)l ? STYLE_TOGGLE_ON : STYLE_SECONDARY))
            ui_emit(ui, (struct action){.kind = ACT_SET_LANG, .arg = l});
        x += lw + t->gap;
    }
    int title_w = ui->w - 2 * t->pad - LANG_COUNT * (lw + t->gap);
    int lh = ui_line_height(ui, FONT_TITLE);
    ui_text(ui, t->pad, t->gap + (row - lh) / 2, FONT_TITLE, t->header_text, ui_tr(ui, STR_WELCOME),
            title_w);

    const char *large = ui_tr(ui, STR_LARGE_TEXT), *contrast = ui_tr(ui, STR_CONTRAST);
    int w1 = ui_text_width(ui, FONT_LABEL, large) + 2 * t->pad;
    int w2 = ui_text_width(ui, FONT_LABEL, contrast) + 2 * t->pad;
    int y2 = 2 * t->gap + row;
    x = ui->w - t->pad - w1 - w2 - t->gap;
    if (ui_button(ui, "large", (struct rect){x, y2, w1, row}, large, -1,
                  s->large_text ? STYLE_TOGGLE_ON : STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_TOGGLE_LARGE});
    if (ui_button(ui, "contrast", (struct rect){x + w1 + t->gap, y2, w2, row}, contrast, -1,
                  s->high_contrast ? STYLE_TOGGLE_ON : STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_TOGGLE_CONTRAST});
    char date[64];
    ui_date_long(ui, s->now, date, sizeof date);
    if (date[0] >= 'a' && date[0] <= 'z')
        date[0] = (char)(date[0] - 'a' + 'A');
    int hint_w = x - 2 * t->pad;
    int blh = ui_line_height(ui, FONT_BODY_BOLD);
    ui_text(ui, t->pad, y2 + (row - 2 * blh) / 2, FONT_BODY_BOLD, t->header_text, date, hint_w);
    /* A printer that cannot print is said before anyone registers: the ticket will be on
    ** the screen, to photograph. */
    bool printer_down = s->printer == PRINTER_HEALTH_PAPER_OUT ||
                        s->printer == PRINTER_HEALTH_OFFLINE || s->printer == PRINTER_HEALTH_ERROR;
    int hy = y2 + (row - 2 * blh) / 2 + blh;
    if (printer_down) {
        int bh = ui_line_height(ui, FONT_BODY_BOLD);
        ui_icon(ui, (struct rect){t->pad, hy + bh / 8, bh * 3 / 4, bh * 3 / 4}, ICON_WARNING,
                t->header_text);
        ui_text(ui, t->pad + bh, hy, FONT_BODY_BOLD, t->header_text, ui_tr(ui, STR_PRINTER_DOWN),
                hint_w - bh);
    } else {
        ui_text(ui, t->pad, hy, FONT_BODY, t->header_text, ui_tr(ui, STR_HOME_HINT), hint_w);
    }
    return hh;
}

static void day_tabs(struct ui *ui, const struct app_state *s, int y, int h)
{
    const struct theme *t = &ui->theme;
    int w = (ui->w - 2 * t->pad - (APP_DAYS - 1) * t->gap) / APP_DAYS;
    for (int d = 0; d < APP_DAYS; d++) {
        char label[48], id[16];
        if (d == 0)
            snprintf(label, sizeof label, "%s", ui_tr(ui, STR_TODAY));
        else if (d == 1)
            snprintf(label, sizeof label, "%s", ui_tr(ui, STR_TOMORROW));
        else
            ui_date_short(ui, app_day_start(s->now, d) + 12 * 3600, label, sizeof label);
        snprintf(id, sizeof id, "day:%d", d);
        struct rect r = {t->pad + d * (w + t->gap), y, w, h};
        if (ui_button(ui, id, r, label, -1, s->day == d ? STYLE_TAB_ON : STYLE_TAB))
            ui_emit(ui, (struct action){.kind = ACT_SELECT_DAY, .arg = d});
    }
}

void view_home(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int y = header(ui, s) + t->gap;
    day_tabs(ui, s, y, t->touch_min);
    y += t->touch_min + t->gap;

    int idx[APP_CATALOGUE_MAX];
    size_t n = app_sessions_of_day(s, s->day, idx, APP_CATALOGUE_MAX);
    int pager_h = t->touch_min + t->gap;
    int area_h = ui->h - y - pager_h - t->gap;
    int cols = s->large_text ? 2 : 3;
    if (ui->w < 900)
        cols = s->large_text ? 1 : 2;
    /* As many rows as tiles fit with their time, two lines of title and the badge. */
    int tile_min = ui_line_height(ui, FONT_BODY_BOLD) + 2 * ui_line_height(ui, FONT_LABEL) +
                   ui_line_height(ui, FONT_SMALL) + 3 * t->gap;
    int rows = (area_h + t->gap) / (tile_min + t->gap);
    if (rows < 1)
        rows = 1;
    if (rows > 3)
        rows = 3;
    int per_page = cols * rows;
    int pages = n == 0 ? 1 : (int)((n + (size_t)per_page - 1) / (size_t)per_page);
    int page = s->page < pages ? s->page : pages - 1;

    if (n == 0) {
        ui_text_wrap(ui, (struct rect){t->pad, y + area_h / 3, ui->w - 2 * t->pad, area_h},
                     FONT_LABEL, t->text, ui_tr(ui, STR_NO_SESSION_DAY), 4, true);
    }
    int tw = (ui->w - 2 * t->pad - (cols - 1) * t->gap) / cols;
    int th = (area_h - (rows - 1) * t->gap) / rows;
    for (int k = 0; k < per_page; k++) {
        size_t i = (size_t)(page * per_page + k);
        if (i >= n)
            break;
        struct rect r = {t->pad + (k % cols) * (tw + t->gap), y + (k / cols) * (th + t->gap), tw,
                         th};
        tile(ui, s, idx[i], r);
    }
    /* The bottom row: the way in for a visitor whose ticket will not scan, on the left; the
    ** pages of tiles, on the right. */
    int py = ui->h - pager_h;
    const char *code = ui_tr(ui, STR_CODE_BUTTON);
    int cw = ui_text_width(ui, FONT_LABEL, code) + 2 * t->pad;
    if (ui_button(ui, "code", (struct rect){t->pad, py, cw, t->touch_min}, code, -1,
                  STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_OPEN_CODE});
    int right = ui->w - t->pad; /* the pager's left edge, once drawn */
    if (pages > 1) {
        const char *prev = ui_tr(ui, STR_PAGE_PREV), *next = ui_tr(ui, STR_PAGE_NEXT);
        int icon = ui_line_height(ui, FONT_LABEL);
        int nw = ui_text_width(ui, FONT_LABEL, next) + icon + 2 * t->pad;
        int pw = page > 0 ? ui_text_width(ui, FONT_LABEL, prev) + icon + 2 * t->pad : 0;
        char a[12], b[12], label[48];
        snprintf(a, sizeof a, "%d", page + 1);
        snprintf(b, sizeof b, "%d", pages);
        const char *args[] = {a, b};
        i18n_format(label, sizeof label, ui_tr(ui, STR_PAGE_OF), args, 2);
        int lw = ui_text_width(ui, FONT_BODY, label);
        /* A narrow screen or large text: the page number goes first, then the buttons' words
        ** (arrows stay, at full touch size). The first page, the one most visitors see, has no
        ** "previous": its room goes to the hint. */
        int avail = right - (t->pad + cw + t->gap);
        if (nw + (pw ? pw + t->gap : 0) + lw + t->gap > avail)
            lw = 0;
        bool words = nw + (pw ? pw + t->gap : 0) + (lw ? lw + t->gap : 0) <= avail;
        if (!words) {
            nw = t->touch_min;
            pw = page > 0 ? t->touch_min : 0;
        }
        right -= nw;
        /* A button that does nothing confuses: an unusable one is not shown at all. */
        if (page < pages - 1 &&
            ui_button(ui, "page:next", (struct rect){right, py, nw, t->touch_min},
                      words ? next : NULL, ICON_NEXT, STYLE_PRIMARY))
            ui_emit(ui, (struct action){.kind = ACT_PAGE, .arg = +1});
        if (lw) {
            right -= t->gap + lw;
            ui_text(ui, right, py + (t->touch_min - ui_line_height(ui, FONT_BODY)) / 2, FONT_BODY,
                    t->text, label, 0);
        }
        if (pw) {
            right -= t->gap + pw;
            if (ui_button(ui, "page:prev", (struct rect){right, py, pw, t->touch_min},
                          words ? prev : NULL, ICON_PREV, STYLE_SECONDARY))
                ui_emit(ui, (struct action){.kind = ACT_PAGE, .arg = -1});
        }
    }
    /* Between them, when there is room: how a ticket is used. */
    int hx = t->pad + cw + t->pad, hw = right - t->pad - hx;
    /* Whole or not at all: half a sentence helps nobody. */
    const char *hint = ui_tr(ui, STR_SCAN_HINT);
    if (hw > ui->w / 6 &&
        ui_text_wrap_height(ui, hw, FONT_SMALL, hint, 8) <= 2 * ui_line_height(ui, FONT_SMALL))
        ui_text_wrap(ui, (struct rect){hx, py, hw, t->touch_min}, FONT_SMALL, t->text_muted, hint,
                     2, false);
}
