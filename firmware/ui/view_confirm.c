/* Before anything is recorded: the visitor checks what they typed and for which session. */
#include <stdio.h>

#include "ui/ui.h"

/* "Label : value" on one line; an empty value is said to be not given. */
static int row(struct ui *ui, int x, int y, int w, enum i18n_id label, const char *value,
               bool tight)
{
    const struct theme *t = &ui->theme;
    int lw = ui_text(ui, x, y, FONT_BODY, t->text_muted, ui_tr(ui, label), w / 3);
    int vx = x + (tight || lw > w / 4 ? lw : w / 4) + t->gap;
    if (value[0])
        ui_text(ui, vx, y, FONT_BODY_BOLD, t->text, value, x + w - vx);
    else
        ui_text(ui, vx, y, FONT_BODY, t->text_muted, ui_tr(ui, STR_NOT_GIVEN), x + w - vx);
    return y + ui_line_height(ui, FONT_BODY_BOLD) + t->gap;
}

void view_confirm(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int y = ui_top_bar(ui, ui_tr(ui, STR_CONFIRM_TITLE), true) + t->pad;
    int x = t->pad, w = ui->w - 2 * t->pad;
    ui_text(ui, x, y, FONT_BODY, t->text, ui_tr(ui, STR_CONFIRM_HINT), w);
    y += ui_line_height(ui, FONT_BODY) + t->gap;

    int band_h = t->touch_min * 3 / 2;
    struct rect card = {x, y, w, ui->h - t->pad - band_h - t->pad - y};
    ui_rect(ui, card, t->surface, t->radius, 0);
    ui_rect(ui, card, t->border, t->radius, 2);
    int cx = x + t->pad, cw = w - 2 * t->pad, cy = y + t->pad;
    /* What must fit: the session (title, date) and the four values. Where the card is short
    ** (a 7" screen, large text), the title takes one line and the values two columns. */
    int row_h = ui_line_height(ui, FONT_BODY_BOLD) + t->gap;
    int title_lh = ui_line_height(ui, FONT_TITLE);
    int room = card.h - 2 * t->pad - ui_line_height(ui, FONT_BODY_BOLD) - t->pad;
    int title_lines = room >= 2 * title_lh + 4 * row_h ? 2 : 1;
    bool columns = room < title_lines * title_lh + 4 * row_h;
    if (s->selected >= 0 && (size_t)s->selected < s->n_sessions) {
        const struct session *ses = &s->catalogue[s->selected];
        cy += ui_text_wrap(ui, (struct rect){cx, cy, cw, 0}, FONT_TITLE, t->text, ses->title,
                           title_lines, false);
        char date[64], from[8], line[160];
        ui_date_long(ui, ses->starts_at, date, sizeof date);
        ui_time(ses->starts_at, from, sizeof from);
        snprintf(line, sizeof line, "%s, %s · %s", date, from, ses->room_name);
        ui_text(ui, cx, cy, FONT_BODY_BOLD, t->text, line, cw);
        cy += ui_line_height(ui, FONT_BODY_BOLD) + t->pad;
    }
    ui_rect(ui, (struct rect){cx, cy - t->gap, cw, 2}, t->surface_alt, 0, 0);
    static const enum i18n_id labels[FIELD_COUNT] = {STR_FIRST_NAME, STR_LAST_NAME, STR_EMAIL,
                                                     STR_PHONE};
    /* In two columns the contact gets the wider one: an e-mail address is the longest value
    ** and the one a visitor most needs to read whole. */
    int left = columns ? (cw - t->pad) * 2 / 5 : cw;
    for (int f = 0; f < FIELD_COUNT; f++) {
        bool right = columns && f >= FIELD_EMAIL;
        int rowi = columns ? f % 2 : f;
        row(ui, right ? cx + left + t->pad : cx, cy + rowi * row_h,
            right ? cw - left - t->pad : left, labels[f], s->form.value[f], columns);
    }

    int by = ui->h - t->pad - band_h, bw = (w - t->pad) / 2;
    if (ui_button(ui, "edit", (struct rect){x, by, bw, band_h}, ui_tr(ui, STR_EDIT), ICON_BACK,
                  STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_BACK});
    if (ui_button(ui, "confirm", (struct rect){x + bw + t->pad, by, bw, band_h},
                  ui_tr(ui, STR_CONFIRM), ICON_CHECK, STYLE_PRIMARY))
        ui_emit(ui, (struct action){.kind = ACT_CONFIRM});
}
