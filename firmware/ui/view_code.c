/* "I cannot scan": the visitor types the short code printed under the QR. The keyboard has
** only the code's own 23 characters, so that no look-alike (O for 0, I for 1) can be typed,
** and the code shows as it is printed: ACDE-FHJKM. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

static const char keys[] = "ACDEFHJKMNPQRTUVWXY3479";
/* The same, each followed by its NUL: what a key types. */
static const char singles[] = "A\0"
                              "C\0"
                              "D\0"
                              "E\0"
                              "F\0"
                              "H\0"
                              "J\0"
                              "K\0"
                              "M\0"
                              "N\0"
                              "P\0"
                              "Q\0"
                              "R\0"
                              "T\0"
                              "U\0"
                              "V\0"
                              "W\0"
                              "X\0"
                              "Y\0"
                              "3\0"
                              "4\0"
                              "7\0"
                              "9\0";

static enum i18n_id notice_text(enum notice n)
{
    switch (n) {
    case NOTICE_BAD_CHAR:
        return STR_ERR_CODE_CHAR;
    case NOTICE_TOO_LONG:
        return STR_ERR_CODE_LONG;
    default:
        return STR_ERR_BAD_CODE;
    }
}

void view_code(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int y = ui_top_bar(ui, ui_tr(ui, STR_CODE_TITLE), true) + t->gap;
    int x = t->pad, w = ui->w - 2 * t->pad;

    /* A wrong code's notice takes the hint's place (the keys must keep their height on a
    ** small screen); the slot's height does not change, so no key moves under a finger. */
    bool wrong = s->notice != NOTICE_NONE;
    int slot_h = 2 * ui_line_height(ui, FONT_BODY_BOLD);
    if (wrong)
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY_BOLD, t->bad,
                     ui_tr(ui, notice_text(s->notice)), 2, false);
    else
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY, t->text,
                     ui_tr(ui, STR_CODE_ENTRY_HINT), 2, false);
    y += slot_h + t->gap;

    /* The field: typed characters, then underscores for what is left, in the printed groups. */
    char shown[40];
    size_t n = strlen(s->code), k = 0;
    for (size_t i = 0; i < BORNE_SHORT_CODE_LEN && k + 3 < sizeof shown; i++) {
        if (i == 4) /* as the ticket and the done screen print it: ACDE-FHJKM */
            shown[k++] = '-';
        shown[k++] = i < n ? s->code[i] : '_';
    }
    shown[k] = '\0';
    int fh = ui_line_height(ui, FONT_HUGE) + t->gap;
    if (fh < t->touch_min) /* the field's row holds the "Valider" button */
        fh = t->touch_min;
    int sub_w = ui->w / 4 > 220 ? ui->w / 4 : 220;
    int fw = w - sub_w - t->gap;
    struct rect field = {x, y, fw, fh};
    ui_rect(ui, field, t->surface, t->radius, 0);
    ui_rect(ui, field, wrong ? t->bad : t->focus, t->radius, 4);
    int cw = ui_text_width(ui, FONT_HUGE, shown);
    ui_text(ui, field.x + (fw - cw) / 2, y + t->gap / 2, FONT_HUGE, t->text, shown, fw);
    if (ui_button(ui, "submit-code", (struct rect){x + fw + t->gap, y, sub_w, fh},
                  ui_tr(ui, STR_CODE_SUBMIT), ICON_CHECK,
                  n == BORNE_SHORT_CODE_LEN ? STYLE_PRIMARY : STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_SUBMIT_CODE});
    y += fh + t->gap;

    /* 23 letters and digits and the erase key: 8 a row, 3 rows, so that an 800x480 screen
    ** still gives each key the touch minimum in height. */
    int cols = 8;
    int count = (int)sizeof keys - 1 + 1;
    int rows = (count + cols - 1) / cols;
    int kh = (ui->h - t->pad - y - (rows - 1) * t->gap) / rows;
    if (kh > t->touch_min * 3 / 2)
        kh = t->touch_min * 3 / 2;
    int kw = (w - (cols - 1) * t->gap) / cols;
    for (int i = 0; i < count; i++) {
        struct rect r = {x + (i % cols) * (kw + t->gap), y + (i / cols) * (kh + t->gap), kw, kh};
        if (i == count - 1) {
            if (ui_button(ui, "key:bksp", r, NULL, ICON_BACKSPACE, STYLE_KEY))
                ui_emit(ui, (struct action){.kind = ACT_BACKSPACE});
            continue;
        }
        char id[16], label[2] = {keys[i], '\0'};
        snprintf(id, sizeof id, "key:%c", keys[i]);
        if (ui_button(ui, id, r, label, -1, STYLE_KEY))
            ui_emit(ui, (struct action){.kind = ACT_TEXT, .text = &singles[2 * i]});
    }
}
