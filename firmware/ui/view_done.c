/* Registered: say so plainly, give the short code, say what to do next. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

void view_done(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int x = t->pad, w = ui->w - 2 * t->pad, y = t->pad * 2;
    int isz = ui_line_height(ui, FONT_HUGE);
    uint32_t mark = s->done_existing ? t->primary : t->ok;
    uint32_t mark_text = s->done_existing ? t->primary_text : t->ok_text;
    ui_rect(ui, (struct rect){(ui->w - isz) / 2, y, isz, isz}, mark, isz / 2, 0);
    ui_icon(ui, (struct rect){(ui->w - isz) / 2 + isz / 5, y + isz / 5, isz * 3 / 5, isz * 3 / 5},
            ICON_CHECK, mark_text);
    y += isz + t->pad;

    char line[400];
    const char *name[] = {s->done.first_name};
    i18n_format(line, sizeof line, ui_tr(ui, s->done_existing ? STR_DONE_EXISTING : STR_DONE_TITLE),
                name, 1);
    y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_TITLE, t->text, line, 2, true);
    y += t->gap;

    const struct session *ses = NULL;
    for (size_t i = 0; i < s->n_sessions; i++)
        if (strcmp(s->catalogue[i].id, s->done.session_id) == 0)
            ses = &s->catalogue[i];
    if (ses) {
        char date[64], from[8];
        ui_date_long(ui, ses->starts_at, date, sizeof date);
        ui_time(ses->starts_at, from, sizeof from);
        snprintf(line, sizeof line, "%s — %s, %s", ses->title, date, from);
        y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY_BOLD, t->text, line, 2, true);
    }
    y += t->pad;

    /* The code, big and spaced "ABCD-EFGH1", on a card: the one thing to keep. */
    char code[24];
    size_t n = strlen(s->done.short_code);
    snprintf(code, sizeof code, "%.*s-%s", (int)(n > 4 ? 4 : n), s->done.short_code,
             n > 4 ? s->done.short_code + 4 : "");
    int ch = ui_line_height(ui, FONT_HUGE) + ui_line_height(ui, FONT_BODY) + 3 * t->gap;
    int cw = ui_text_width(ui, FONT_HUGE, code) + 4 * t->pad;
    if (cw > w)
        cw = w;
    struct rect card = {(ui->w - cw) / 2, y, cw, ch};
    ui_rect(ui, card, t->surface, t->radius, 0);
    ui_rect(ui, card, t->focus, t->radius, 4);
    const char *label = ui_tr(ui, STR_YOUR_CODE);
    ui_text(ui, card.x + (cw - ui_text_width(ui, FONT_BODY, label)) / 2, y + t->gap, FONT_BODY,
            t->text_muted, label, cw);
    ui_text(ui, card.x + (cw - ui_text_width(ui, FONT_HUGE, code)) / 2,
            y + t->gap + ui_line_height(ui, FONT_BODY), FONT_HUGE, t->text, code, cw);
    y += ch + t->pad;

    y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY, t->text, ui_tr(ui, STR_CODE_HINT),
                      2, true);
    if (ses) {
        const char *room[] = {ses->room_name};
        i18n_format(line, sizeof line, ui_tr(ui, STR_ARRIVE_HINT), room, 1);
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY_BOLD, t->text, line, 2, true);
    }
    int bw = ui->w / 3, bh = t->touch_min * 3 / 2;
    if (ui_button(ui, "finish", (struct rect){(ui->w - bw) / 2, ui->h - t->pad - bh, bw, bh},
                  ui_tr(ui, STR_FINISH), ICON_HOME, STYLE_PRIMARY))
        ui_emit(ui, (struct action){.kind = ACT_HOME});
}
