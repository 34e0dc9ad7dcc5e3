/* The immediate-mode widget layer: draw list building, hit testing, text layout. */
#include "ui/ui.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char ellipsis[] = "\xE2\x80\xA6"; /* … */

const char *ui_tr(const struct ui *ui, enum i18n_id id)
{
    return i18n_get(ui->tr, ui->lang, id);
}

void ui_emit(struct ui *ui, struct action a)
{
    if (ui->n_actions < UI_ACTIONS_MAX)
        ui->actions[ui->n_actions++] = a;
}

static struct draw_cmd *push(struct ui *ui, enum draw_kind kind)
{
    struct draw_list *dl = ui->dl;
    if (dl->n >= DRAW_CMDS_MAX) {
        dl->overflow = true;
        return NULL;
    }
    struct draw_cmd *c = &dl->cmds[dl->n++];
    memset(c, 0, sizeof *c);
    c->kind = (uint8_t)kind;
    return c;
}

static void set_rect(struct draw_cmd *c, struct rect r)
{
    c->x = (int16_t)r.x;
    c->y = (int16_t)r.y;
    c->w = (int16_t)r.w;
    c->h = (int16_t)r.h;
}

void ui_rect(struct ui *ui, struct rect r, uint32_t color, int radius, int border)
{
    struct draw_cmd *c = push(ui, DRAW_RECT);
    if (!c)
        return;
    set_rect(c, r);
    c->color = color;
    c->radius = (uint8_t)(radius > 255 ? 255 : radius);
    c->border = (int16_t)border;
}

void ui_icon(struct ui *ui, struct rect r, enum ui_icon icon, uint32_t color)
{
    struct draw_cmd *c = push(ui, DRAW_ICON);
    if (!c)
        return;
    set_rect(c, r);
    c->icon = (uint8_t)icon;
    c->color = color;
}

int ui_font_face(enum ui_font font)
{
    switch (font) {
    case FONT_SMALL:
    case FONT_BODY:
        return 0;
    case FONT_BODY_BOLD:
    case FONT_LABEL:
        return 1;
    case FONT_TITLE:
    case FONT_HUGE:
        return 2;
    }
    return 0;
}

int ui_line_height(const struct ui *ui, enum ui_font font)
{
    return ui->metrics.line_height(ui->metrics.ctx, ui_font_face(font), ui->theme.font_px[font]);
}

static int width_n(const struct ui *ui, enum ui_font font, const char *s, size_t len)
{
    if (len == 0)
        return 0;
    return ui->metrics.width(ui->metrics.ctx, ui_font_face(font), ui->theme.font_px[font], s, len);
}

int ui_text_width(const struct ui *ui, enum ui_font font, const char *s)
{
    return width_n(ui, font, s, strlen(s));
}

static size_t utf8_back(const char *s, size_t pos)
{
    while (pos > 0 && ((unsigned char)s[pos - 1] & 0xC0) == 0x80)
        pos--;
    return pos > 0 ? pos - 1 : 0;
}

/* Append len bytes of s (plus an optional ellipsis) to the arena as one text command. */
static int text_cmd(struct ui *ui, int x, int y, enum ui_font font, uint32_t color, const char *s,
                    size_t len, bool add_ellipsis)
{
    struct draw_list *dl = ui->dl;
    size_t total = len + (add_ellipsis ? sizeof ellipsis - 1 : 0);
    if (total == 0)
        return 0;
    if (dl->text_len + total > DRAW_TEXT_MAX) {
        dl->overflow = true;
        return 0;
    }
    struct draw_cmd *c = push(ui, DRAW_TEXT);
    if (!c)
        return 0;
    memcpy(dl->text + dl->text_len, s, len);
    if (add_ellipsis)
        memcpy(dl->text + dl->text_len + len, ellipsis, sizeof ellipsis - 1);
    c->text_off = (uint32_t)dl->text_len;
    c->text_len = (uint32_t)total;
    dl->text_len += total;
    c->face = (uint8_t)ui_font_face(font);
    c->px = (int16_t)ui->theme.font_px[font];
    c->color = color;
    c->x = (int16_t)x;
    c->y = (int16_t)y;
    c->h = (int16_t)ui_line_height(ui, font);
    c->w = (int16_t)width_n(ui, font, dl->text + c->text_off, total);
    return c->w;
}

/* How many bytes of s fit in max_w with an ellipsis after them. */
static size_t fit_with_ellipsis(const struct ui *ui, enum ui_font font, const char *s, size_t len,
                                int max_w)
{
    int ew = width_n(ui, font, ellipsis, sizeof ellipsis - 1);
    size_t n = len;
    while (n > 0 && width_n(ui, font, s, n) + ew > max_w)
        n = utf8_back(s, n);
    return n;
}

int ui_text(struct ui *ui, int x, int y, enum ui_font font, uint32_t color, const char *s,
            int max_w)
{
    size_t len = strlen(s);
    if (max_w <= 0 || width_n(ui, font, s, len) <= max_w)
        return text_cmd(ui, x, y, font, color, s, len, false);
    return text_cmd(ui, x, y, font, color, s, fit_with_ellipsis(ui, font, s, len, max_w), true);
}

/* The longest prefix of s[0..len) that fits max_w, broken after a space when there is one. */
static size_t line_break(const struct ui *ui, enum ui_font font, const char *s, size_t len,
                         int max_w, size_t *skip)
{
    *skip = 0;
    if (width_n(ui, font, s, len) <= max_w)
        return len;
    size_t best_space = 0, n = 0;
    while (n < len) {
        size_t next = n + 1;
        while (next < len && ((unsigned char)s[next] & 0xC0) == 0x80)
            next++;
        if (width_n(ui, font, s, next) > max_w)
            break;
        n = next;
        if (n < len && s[n] == ' ')
            best_space = n;
    }
    if (best_space > 0) {
        *skip = 1;
        return best_space;
    }
    if (n > 0)
        return n;
    /* Not even one character fits: take the first whole character anyway (a word wider than
    ** the line is cut, never lost, and a character is never split). */
    n = 1;
    while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
        n++;
    return n;
}

int ui_text_wrap(struct ui *ui, struct rect r, enum ui_font font, uint32_t color, const char *s,
                 int max_lines, bool centre)
{
    int lh = ui_line_height(ui, font), y = r.y, lines = 0;
    const char *p = s;
    while (*p && lines < max_lines) {
        const char *nl = strchr(p, '\n');
        size_t para = nl ? (size_t)(nl - p) : strlen(p), skip;
        size_t n = line_break(ui, font, p, para, r.w, &skip);
        bool last = lines == max_lines - 1;
        bool more = n + skip < para || (nl && nl[1]);
        int w;
        if (last && more) {
            size_t rest = strlen(p);
            size_t k = fit_with_ellipsis(ui, font, p, n < rest ? n : rest, r.w);
            w = width_n(ui, font, p, k) + width_n(ui, font, ellipsis, sizeof ellipsis - 1);
            text_cmd(ui, centre ? r.x + (r.w - w) / 2 : r.x, y, font, color, p, k, true);
        } else {
            w = width_n(ui, font, p, n);
            text_cmd(ui, centre ? r.x + (r.w - w) / 2 : r.x, y, font, color, p, n, false);
        }
        y += lh;
        lines++;
        p += n + skip;
        if ((size_t)(p - s) >= strlen(s))
            break;
        if (nl && p == nl)
            p++;
    }
    return y - r.y;
}

int ui_text_wrap_height(struct ui *ui, int w, enum ui_font font, const char *s, int max_lines)
{
    /* Lay it out for real, then take the commands back: one code path for measure and draw. */
    size_t n = ui->dl->n, text_len = ui->dl->text_len;
    bool overflow = ui->dl->overflow;
    int h = ui_text_wrap(ui, (struct rect){0, 0, w, 0}, font, 0, s, max_lines, false);
    ui->dl->n = n;
    ui->dl->text_len = text_len;
    ui->dl->overflow = overflow;
    return h;
}

static bool inside(struct rect r, int x, int y)
{
    return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

/* Register a tappable widget; returns true when this frame's release completes a tap on it. */
bool ui_area(struct ui *ui, const char *id, struct rect r)
{
    if (ui->n_widgets < UI_WIDGETS_MAX) {
        struct ui_widget *w = &ui->widgets[ui->n_widgets++];
        snprintf(w->id, sizeof w->id, "%s", id);
        w->r = r;
    }
    if (ui->pressing && inside(r, ui->px, ui->py))
        snprintf(ui->pressed_id, sizeof ui->pressed_id, "%s", id);
    return ui->releasing && inside(r, ui->px, ui->py) && strcmp(ui->pressed_id, id) == 0;
}

bool ui_is_pressed(const struct ui *ui, const char *id)
{
    return !ui->releasing && ui->pressed_id[0] && strcmp(ui->pressed_id, id) == 0;
}

bool ui_find_widget(const struct ui *ui, const char *id, struct rect *out)
{
    for (size_t i = 0; i < ui->n_widgets; i++) {
        if (strcmp(ui->widgets[i].id, id) == 0) {
            *out = ui->widgets[i].r;
            return true;
        }
    }
    return false;
}

bool ui_button(struct ui *ui, const char *id, struct rect r, const char *label, int icon,
               enum ui_style style)
{
    const struct theme *t = &ui->theme;
    bool fired = style != STYLE_DISABLED && ui_area(ui, id, r);
    bool pressed = style != STYLE_DISABLED && ui_is_pressed(ui, id);
    uint32_t bg, fg, border = 0;
    enum ui_font font = FONT_LABEL;
    switch (style) {
    case STYLE_PRIMARY:
        bg = pressed ? t->primary_pressed : t->primary;
        fg = pressed && t->primary_pressed == 0xFFFFFFFF ? 0x000000FF : t->primary_text;
        break;
    case STYLE_TAB_ON:
    case STYLE_TOGGLE_ON:
        bg = t->primary;
        fg = t->primary_text;
        break;
    case STYLE_KEY:
        bg = pressed ? t->key_pressed : t->key;
        fg = t->key_text;
        border = t->border;
        font = FONT_LABEL;
        break;
    case STYLE_DISABLED:
        bg = t->surface_alt;
        fg = t->text_muted;
        break;
    default:
        bg = pressed ? t->key_pressed : t->secondary;
        fg = t->secondary_text;
        border = t->border;
        break;
    }
    ui_rect(ui, r, bg, t->radius, 0);
    if (border)
        ui_rect(ui, r, border, t->radius, pressed ? 4 : 2);
    if (style == STYLE_TAB || style == STYLE_TAB_ON) {
        font = FONT_BODY_BOLD;
        if (label && ui_text_width(ui, font, label) > r.w - t->gap)
            font = FONT_SMALL; /* "Aujourd'hui" whole in small type beats "Aujou…" */
    }
    int lh = ui_line_height(ui, font);
    int isz = lh * 3 / 4;
    int tw = label ? ui_text_width(ui, font, label) : 0;
    int total = tw + (icon >= 0 ? isz + (tw ? t->gap / 2 : 0) : 0);
    if (total > r.w - t->gap)
        total = r.w - t->gap;
    int x = r.x + (r.w - total) / 2;
    if (icon >= 0) {
        ui_icon(ui, (struct rect){x, r.y + (r.h - isz) / 2, isz, isz}, (enum ui_icon)icon, fg);
        x += isz + (tw ? t->gap / 2 : 0);
    }
    if (label && label[0])
        ui_text(ui, x, r.y + (r.h - lh) / 2, font, fg, label, r.x + r.w - t->gap / 2 - x);
    return fired;
}

void ui_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    snprintf(out, cap, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static void date_words(const struct ui *ui, int64_t t, bool lng, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    localtime_r(&tt, &tm);
    char mday[8];
    snprintf(mday, sizeof mday, "%d", tm.tm_mday);
    const char *args[3] = {
        ui_tr(ui, (enum i18n_id)((lng ? STR_DAY_0 : STR_DAY_SHORT_0) + tm.tm_wday)), mday,
        ui_tr(ui, (enum i18n_id)(STR_MONTH_1 + tm.tm_mon))};
    i18n_format(out, cap, ui_tr(ui, lng ? STR_DATE_LONG : STR_DATE_SHORT), args, 3);
}

void ui_date_long(const struct ui *ui, int64_t t, char *out, size_t cap)
{
    date_words(ui, t, true, out, cap);
}

void ui_date_short(const struct ui *ui, int64_t t, char *out, size_t cap)
{
    date_words(ui, t, false, out, cap);
}

int ui_top_bar(struct ui *ui, const char *title, bool with_back)
{
    const struct theme *t = &ui->theme;
    int bh = t->touch_min + 2 * t->gap;
    ui_rect(ui, (struct rect){0, 0, ui->w, bh}, t->header, 0, 0);
    if (t->header == 0x000000FF)
        ui_rect(ui, (struct rect){0, bh - 2, ui->w, 2}, t->border, 0, 0);
    int bw = ui->w / 6 < 200 ? 200 : ui->w / 6;
    int x = t->pad;
    if (with_back) {
        if (ui_button(ui, "back", (struct rect){x, t->gap, bw, t->touch_min}, ui_tr(ui, STR_BACK),
                      ICON_BACK, STYLE_SECONDARY))
            ui_emit(ui, (struct action){.kind = ACT_BACK});
        x += bw + t->gap;
    }
    if (ui_button(ui, "home", (struct rect){ui->w - t->pad - bw, t->gap, bw, t->touch_min},
                  ui_tr(ui, STR_HOME), ICON_HOME, STYLE_SECONDARY))
        ui_emit(ui, (struct action){.kind = ACT_HOME});
    int lh = ui_line_height(ui, FONT_TITLE);
    int tx = x + t->gap, tw = ui->w - t->pad - bw - t->gap - tx;
    ui_text(ui, tx, (bh - lh) / 2, FONT_TITLE, t->header_text, title, tw);
    return bh;
}

void ui_frame(struct ui *ui, const struct app_state *s)
{
    struct draw_list *dl = ui->dl;
    dl->n = 0;
    dl->text_len = 0;
    dl->overflow = false;
    dl->qr = NULL;
    dl->qr_side = 0;
    ui->n_widgets = 0;
    ui->n_actions = 0;
    ui->lang = s->lang;
    theme_make(&ui->theme, ui->w, ui->h, s->large_text, s->high_contrast);
    if (ui->pressing)
        ui->pressed_id[0] = '\0';
    ui_rect(ui, (struct rect){0, 0, ui->w, ui->h}, ui->theme.bg, 0, 0);
    switch (s->screen) {
    case SCREEN_HOME:
        view_home(ui, s);
        break;
    case SCREEN_SESSION:
        view_session(ui, s);
        break;
    case SCREEN_FORM:
        view_form(ui, s);
        break;
    case SCREEN_CONFIRM:
        view_confirm(ui, s);
        break;
    case SCREEN_DONE:
        view_done(ui, s);
        break;
    case SCREEN_FAULT:
        view_fault(ui, s);
        break;
    case SCREEN_VERDICT:
        view_verdict(ui, s);
        break;
    case SCREEN_CODE:
        view_code(ui, s);
        break;
    case SCREEN_STAFF_PIN:
        view_staff_pin(ui, s);
        break;
    case SCREEN_STAFF:
        view_staff(ui, s);
        break;
    }
    if (ui->releasing)
        ui->pressed_id[0] = '\0';
}

void ui_qr(struct ui *ui, struct rect r, const uint8_t *modules, int side)
{
    struct draw_list *dl = ui->dl;
    if (!modules || side <= 0 || dl->qr) {
        dl->overflow = dl->qr != NULL; /* two QR codes in a frame: a view's bug */
        return;
    }
    dl->qr = modules;
    dl->qr_side = side;
    ui_rect(ui, r, 0xFFFFFFFF, 0, 0); /* a QR reads dark on light, whatever the theme */
    if (dl->n < DRAW_CMDS_MAX)
        dl->cmds[dl->n++] = (struct draw_cmd){.kind = DRAW_QR,
                                              .x = (int16_t)r.x,
                                              .y = (int16_t)r.y,
                                              .w = (int16_t)r.w,
                                              .h = (int16_t)r.h,
                                              .color = 0x000000FF};
    else
        dl->overflow = true;
}
