/* The staff PIN prompt: a big digit keypad on the right, what is going on and the digits
** (shown as dots) on the left, so that the keys keep a full finger's height even on an
** 800 x 480 screen. While the PIN is being checked, or after too many wrong ones, the keys are
** shown but do nothing, and the sentence above the dots says why. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* The bar at the top: the title, and "Annuler" on the right. Returns the y below it. */
static int bar(struct ui *ui)
{
    const struct theme *t = &ui->theme;
    int bh = t->touch_min + 2 * t->gap;
    ui_rect(ui, (struct rect){0, 0, ui->w, bh}, t->header, 0, 0);
    if (t->header == 0x000000FF)
        ui_rect(ui, (struct rect){0, bh - 2, ui->w, 2}, t->border, 0, 0);
    const char *cancel = ui_tr(ui, STR_STAFF_CANCEL);
    int lh = ui_line_height(ui, FONT_LABEL);
    int bw = ui_text_width(ui, FONT_LABEL, cancel) + lh * 3 / 4 + 2 * t->pad;
    if (bw < ui->w / 6)
        bw = ui->w / 6;
    struct rect r = {ui->w - t->pad - bw, t->gap, bw, t->touch_min};
    if (ui_button(ui, "staff:cancel", r, cancel, ICON_BACK, STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_HOME});
    int th = ui_line_height(ui, FONT_TITLE);
    ui_text(ui, t->pad, (bh - th) / 2, FONT_TITLE, t->header_text, ui_tr(ui, STR_STAFF_PIN_TITLE),
            r.x - 2 * t->pad);
    return bh;
}

/* The sentence above the dots, and its colour. */
static bool message(struct ui *ui, const struct app_state *s, char *out, size_t cap)
{
    const struct staff_state *st = &s->staff;
    bool locked = st->lock.locked_until_ms && s->now_ms < st->lock.locked_until_ms;
    if (st->checking) {
        snprintf(out, cap, "%s", ui_tr(ui, STR_STAFF_PIN_CHECKING));
        return false;
    }
    if (locked) {
        char until[8];
        ui_time(st->locked_until, until, sizeof until);
        const char *args[] = {until};
        i18n_format(out, cap, ui_tr(ui, STR_STAFF_PIN_LOCKED), args, 1);
        return true;
    }
    if (st->wrong) {
        char left[16];
        int n = STAFF_TRIES_MAX - st->lock.failures;
        snprintf(left, sizeof left, "%d", n > 0 ? n : 0);
        const char *args[] = {left};
        i18n_format(out, cap, ui_tr(ui, STR_STAFF_PIN_WRONG), args, 1);
        return true;
    }
    snprintf(out, cap, "%s", ui_tr(ui, STR_STAFF_PIN_HINT));
    return false;
}

void view_staff_pin(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    const struct staff_state *st = &s->staff;
    int y0 = bar(ui) + t->pad;
    int bottom = ui->h - t->pad;
    bool locked = st->lock.locked_until_ms && s->now_ms < st->lock.locked_until_ms;
    bool keys_off = locked || st->checking;

    /* The keypad: the right half, four rows of three, as on a phone. */
    int col_w = (ui->w - 2 * t->pad - t->pad) / 2;
    int kx = ui->w - t->pad - col_w;
    int kh = (bottom - y0 - 3 * t->gap) / 4;
    if (kh > t->touch_min * 3 / 2)
        kh = t->touch_min * 3 / 2;
    int kw = (col_w - 2 * t->gap) / 3;
    if (kw > kh * 2)
        kw = kh * 2;
    int pad_w = 3 * kw + 2 * t->gap;
    kx += (col_w - pad_w) / 2;
    static const char *const labels[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    for (int i = 0; i < 12; i++) {
        struct rect r = {kx + (i % 3) * (kw + t->gap), y0 + (i / 3) * (kh + t->gap), kw, kh};
        if (i == 9) {
            if (ui_button(ui, "pin:erase", r, NULL, ICON_BACKSPACE,
                          keys_off ? STYLE_DISABLED : STYLE_KEY))
                ui_emit(ui, (struct action){.kind = ACT_BACKSPACE});
            continue;
        }
        if (i == 11) {
            bool ready = !keys_off && staff_pin_valid(st->pin);
            if (ui_button(ui, "pin:ok", r, ui_tr(ui, STR_STAFF_PIN_OK), ICON_CHECK,
                          ready ? STYLE_PRIMARY : STYLE_DISABLED))
                ui_emit(ui, (struct action){.kind = ACT_PIN_SUBMIT});
            continue;
        }
        int digit = i == 10 ? 0 : i + 1;
        char id[16];
        snprintf(id, sizeof id, "pin:%d", digit);
        if (ui_button(ui, id, r, labels[digit], -1, keys_off ? STYLE_DISABLED : STYLE_KEY))
            ui_emit(ui, (struct action){.kind = ACT_PIN_DIGIT, .arg = digit});
    }

    /* The left half: the sentence in a slot of fixed height (the dots never move under the
    ** eyes), then the dots. */
    int x = t->pad, w = col_w;
    char msg[300];
    bool bad = message(ui, s, msg, sizeof msg);
    int lh = ui_line_height(ui, FONT_BODY_BOLD);
    int slot = 3 * lh;
    ui_text_wrap(ui, (struct rect){x, y0, w, slot}, bad ? FONT_BODY_BOLD : FONT_BODY,
                 bad ? t->bad : t->text, msg, 3, false);
    int fy = y0 + slot + t->gap;
    int fh = t->touch_min;
    struct rect field = {x, fy, w, fh};
    ui_rect(ui, field, t->surface, t->radius, 0);
    ui_rect(ui, field, bad ? t->bad : t->focus, t->radius, 3);
    size_t n = strlen(st->pin);
    int d = fh / 3, step = d + d / 2;
    while (d > 6 && (int)STAFF_PIN_MAX * step > w - 2 * t->pad) {
        d--;
        step = d + d / 2;
    }
    int dx = x + (w - ((int)n * step - (step - d))) / 2;
    for (size_t i = 0; i < n; i++)
        ui_rect(ui, (struct rect){dx + (int)i * step, fy + (fh - d) / 2, d, d}, t->text, d / 2, 0);
}
