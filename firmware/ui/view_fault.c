/* Out of order: the kiosk cannot record anything safely. Say so, send the visitor to a
** person, and give staff the reason. No button: nothing here may lead to a registration. */
#include "ui/ui.h"

void view_fault(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int x = t->pad * 2, w = ui->w - 4 * t->pad, y = ui->h / 5;
    int isz = ui_line_height(ui, FONT_HUGE) * 3 / 2;
    ui_icon(ui, (struct rect){(ui->w - isz) / 2, y, isz, isz}, ICON_WARNING, t->warn);
    y += isz + t->pad;
    y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_TITLE, t->text,
                      ui_tr(ui, STR_FAULT_TITLE), 2, true);
    y += t->pad;
    y += ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_LABEL, t->text, ui_tr(ui, STR_FAULT_HINT),
                      3, true);
    char detail[256];
    const char *args[] = {s->fault};
    i18n_format(detail, sizeof detail, ui_tr(ui, STR_FAULT_DETAIL), args, 1);
    ui_text_wrap(ui, (struct rect){x, ui->h - t->pad - 2 * ui_line_height(ui, FONT_SMALL), w, 0},
                 FONT_SMALL, t->text_muted, detail, 2, true);
}
