/* The registration form: first name, name, optional e-mail and phone, typed on an on-screen
** AZERTY keyboard that has the French accented letters. The keyboard follows the field: names
** get letters and accents (capitals come by themselves at the start of a name), the e-mail
** gets digits and @, the phone a keypad. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

enum key_kind { KEY_CHAR = 0, KEY_BKSP, KEY_SHIFT, KEY_SPACE, KEY_CONTINUE, KEY_ACCENTS };

struct key {
    const char *lower, *upper; /* what is typed, and shown; upper when shift is on */
    enum key_kind kind;
    int weight; /* width in quarter-units */
};

#define K(l, u)                                                                                    \
    {                                                                                              \
        l, u, KEY_CHAR, 4                                                                          \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, NULL, KEY_CHAR, 0                                                                    \
    }

/* Rows of keys; a layout is a list of rows, so that layouts share them. */
static const struct key azerty_1[] = {K("a", "A"),
                                      K("z", "Z"),
                                      K("e", "E"),
                                      K("r", "R"),
                                      K("t", "T"),
                                      K("y", "Y"),
                                      K("u", "U"),
                                      K("i", "I"),
                                      K("o", "O"),
                                      K("p", "P"),
                                      {NULL, NULL, KEY_BKSP, 6},
                                      END};
static const struct key azerty_2[] = {
    K("q", "Q"), K("s", "S"), K("d", "D"), K("f", "F"), K("g", "G"), K("h", "H"), K("j", "J"),
    K("k", "K"), K("l", "L"), K("m", "M"), K("'", "'"), K("-", "-"), END};
static const struct key azerty_3[] = {{NULL, NULL, KEY_SHIFT, 6},
                                      K("w", "W"),
                                      K("x", "X"),
                                      K("c", "C"),
                                      K("v", "V"),
                                      K("b", "B"),
                                      K("n", "N"),
                                      K(".", "."),
                                      END};
/* The same with the key to the accents' layer, for small screens. */
static const struct key azerty_3_small[] = {{NULL, NULL, KEY_SHIFT, 6},
                                            K("w", "W"),
                                            K("x", "X"),
                                            K("c", "C"),
                                            K("v", "V"),
                                            K("b", "B"),
                                            K("n", "N"),
                                            K(".", "."),
                                            {"é à ç", "abc", KEY_ACCENTS, 10},
                                            END};
/* The accents French names need. */
static const struct key accents[] = {
    K("é", "É"), K("è", "È"), K("ê", "Ê"), K("ë", "Ë"), K("à", "À"), K("â", "Â"), K("ç", "Ç"),
    K("ù", "Ù"), K("û", "Û"), K("ô", "Ô"), K("î", "Î"), K("ï", "Ï"), K("œ", "Œ"), END};
static const struct key accents_1_small[] = {
    K("é", "É"), K("è", "È"), K("ê", "Ê"), K("ë", "Ë"),
    K("à", "À"), K("â", "Â"), K("ç", "Ç"), {NULL, NULL, KEY_BKSP, 6},
    END};
static const struct key accents_2_small[] = {K("ù", "Ù"), K("û", "Û"), K("ô", "Ô"),
                                             K("î", "Î"), K("ï", "Ï"), K("œ", "Œ"),
                                             K("'", "'"), K("-", "-"), END};
static const struct key space_row[] = {
    {NULL, NULL, KEY_SPACE, 24}, {NULL, NULL, KEY_CONTINUE, 16}, END};

/* The e-mail: no capitals (no Shift key), digits, @. */
static const struct key digits[] = {K("1", "1"),
                                    K("2", "2"),
                                    K("3", "3"),
                                    K("4", "4"),
                                    K("5", "5"),
                                    K("6", "6"),
                                    K("7", "7"),
                                    K("8", "8"),
                                    K("9", "9"),
                                    K("0", "0"),
                                    {NULL, NULL, KEY_BKSP, 6},
                                    END};
static const struct key mail_1[] = {K("a", "a"), K("z", "z"), K("e", "e"), K("r", "r"),
                                    K("t", "t"), K("y", "y"), K("u", "u"), K("i", "i"),
                                    K("o", "o"), K("p", "p"), K("@", "@"), END};
static const struct key mail_2[] = {K("q", "q"), K("s", "s"), K("d", "d"), K("f", "f"),
                                    K("g", "g"), K("h", "h"), K("j", "j"), K("k", "k"),
                                    K("l", "l"), K("m", "m"), K(".", "."), END};
static const struct key mail_3[] = {K("w", "w"), K("x", "x"), K("c", "c"), K("v", "v"), K("b", "b"),
                                    K("n", "n"), K("-", "-"), K("_", "_"), END};
static const struct key mail_3_small[] = {K("w", "w"), K("x", "x"), K("c", "c"),
                                          K("v", "v"), K("b", "b"), K("n", "n"),
                                          K("-", "-"), K("_", "_"), {NULL, NULL, KEY_CONTINUE, 12},
                                          END};
static const struct key domains[] = {{".fr", ".fr", KEY_CHAR, 8},
                                     {".com", ".com", KEY_CHAR, 8},
                                     {NULL, NULL, KEY_CONTINUE, 16},
                                     END};

/* The phone: a keypad. */
static const struct key pad_1[] = {K("1", "1"), K("2", "2"), K("3", "3"), END};
static const struct key pad_2[] = {K("4", "4"), K("5", "5"), K("6", "6"), END};
static const struct key pad_3[] = {K("7", "7"), K("8", "8"), K("9", "9"), END};
static const struct key pad_4[] = {K("+", "+"), K("0", "0"), {NULL, NULL, KEY_BKSP, 4}, END};
static const struct key pad_continue[] = {{NULL, NULL, KEY_CONTINUE, 12}, END};
static const struct key pad_1_small[] = {
    K("1", "1"), K("2", "2"), K("3", "3"), {NULL, NULL, KEY_BKSP, 4}, END};
static const struct key pad_2_small[] = {K("4", "4"), K("5", "5"), K("6", "6"), K("+", "+"), END};
static const struct key pad_3_small[] = {K("7", "7"), K("8", "8"), K("9", "9"), K("0", "0"), END};
static const struct key pad_continue_small[] = {{NULL, NULL, KEY_CONTINUE, 16}, END};

#define LAYOUT_ROWS_MAX 5

struct layout {
    const struct key *rows[LAYOUT_ROWS_MAX];
    int n_rows;
};

/* Full-size screens: five rows. Small ones (a 7" panel, large text): four, the accents on a
** layer of their own behind "é à ç". */
static const struct layout names = {{azerty_1, azerty_2, azerty_3, accents, space_row}, 5};
static const struct layout names_small = {{azerty_1, azerty_2, azerty_3_small, space_row}, 4};
static const struct layout accents_small = {
    {accents_1_small, accents_2_small, azerty_3_small, space_row}, 4};
static const struct layout mail = {{digits, mail_1, mail_2, mail_3, domains}, 5};
static const struct layout mail_small = {{digits, mail_1, mail_2, mail_3_small}, 4};
static const struct layout phone = {{pad_1, pad_2, pad_3, pad_4, pad_continue}, 5};
static const struct layout phone_small = {
    {pad_1_small, pad_2_small, pad_3_small, pad_continue_small}, 4};

#undef K
#undef END

static void key_id(const struct key *k, char *id, size_t cap)
{
    switch (k->kind) {
    case KEY_CHAR:
        snprintf(id, cap, "key:%s", k->lower);
        return;
    case KEY_BKSP:
        snprintf(id, cap, "key:bksp");
        return;
    case KEY_SHIFT:
        snprintf(id, cap, "key:shift");
        return;
    case KEY_SPACE:
        snprintf(id, cap, "key:space");
        return;
    case KEY_CONTINUE:
        snprintf(id, cap, "continue");
        return;
    case KEY_ACCENTS:
        snprintf(id, cap, "key:accents");
        return;
    }
}

/* Keys are as tall as a touch target must be; rows are spaced by half a gap. */
static int key_height(const struct ui *ui)
{
    return ui->theme.touch_min - 4;
}

static int keyboard_height(const struct ui *ui, int n_rows)
{
    return n_rows * key_height(ui) + (n_rows - 1) * (ui->theme.gap / 2);
}

static void keyboard(struct ui *ui, const struct app_state *s, struct rect area, bool small)
{
    const struct theme *t = &ui->theme;
    const int kgap = t->gap / 2;
    const struct layout *lay;
    switch (s->form.focus) {
    case FIELD_EMAIL:
        lay = small ? &mail_small : &mail;
        break;
    case FIELD_PHONE:
        lay = small ? &phone_small : &phone;
        /* A keypad as wide as a keyboard would have keys a metre apart: keep it compact. */
        area.x += area.w / 4;
        area.w /= 2;
        break;
    default:
        lay = small ? (s->form.accents ? &accents_small : &names_small) : &names;
        break;
    }
    const struct key *const *rows = lay->rows;
    const int n_rows = lay->n_rows;
    int kh = key_height(ui);
    if (n_rows * kh + (n_rows - 1) * kgap > area.h)
        kh = (area.h - (n_rows - 1) * kgap) / n_rows; /* a window smaller than any kiosk */

    /* One unit (four quarters of weight) for every row: the row that needs the most room sets
    ** it, so that keys have the same size on every row and the widest row just fits. */
    int unit = 1 << 20;
    for (int r = 0; r < n_rows; r++) {
        int weight = 0, n = 0;
        for (; rows[r][n].weight; n++)
            weight += rows[r][n].weight;
        int u = (area.w - (n - 1) * kgap) * 4 / weight;
        if (u < unit)
            unit = u;
    }
    if (unit > t->touch_min * 2 && s->form.focus != FIELD_PHONE)
        unit = t->touch_min * 2;
    int y = area.y;
    for (int r = 0; r < n_rows; r++, y += kh + kgap) {
        int n = 0;
        for (; rows[r][n].weight; n++)
            ;
        int row_w = 0;
        for (int k = 0; k < n; k++)
            row_w += rows[r][k].weight * unit / 4 + (k ? kgap : 0);
        int x = area.x + (area.w - row_w) / 2;
        for (int k = 0; k < n; k++) {
            const struct key *key = &rows[r][k];
            int kw = key->weight * unit / 4;
            char id[UI_ID_MAX];
            key_id(key, id, sizeof id);
            struct rect rc = {x, y, kw, kh};
            x += kw + kgap;
            switch (key->kind) {
            case KEY_CHAR: {
                const char *txt = s->form.shift ? key->upper : key->lower;
                if (ui_button(ui, id, rc, txt, -1, STYLE_KEY))
                    ui_emit(ui, (struct action){.kind = ACT_TEXT, .text = txt});
                break;
            }
            case KEY_BKSP:
                if (ui_button(ui, id, rc, NULL, ICON_BACKSPACE, STYLE_KEY))
                    ui_emit(ui, (struct action){.kind = ACT_BACKSPACE});
                break;
            case KEY_SHIFT:
                if (ui_button(ui, id, rc, NULL, ICON_SHIFT,
                              s->form.shift ? STYLE_TOGGLE_ON : STYLE_KEY))
                    ui_emit(ui, (struct action){.kind = ACT_SHIFT});
                break;
            case KEY_SPACE:
                if (ui_button(ui, id, rc, ui_tr(ui, STR_SPACE), -1, STYLE_KEY))
                    ui_emit(ui, (struct action){.kind = ACT_TEXT, .text = " "});
                break;
            case KEY_CONTINUE:
                if (ui_button(ui, id, rc, ui_tr(ui, STR_CONTINUE), ICON_NEXT, STYLE_PRIMARY))
                    ui_emit(ui, (struct action){.kind = ACT_SUBMIT_FORM});
                break;
            case KEY_ACCENTS:
                if (ui_button(ui, id, rc, s->form.accents ? key->upper : key->lower, -1,
                              s->form.accents ? STYLE_TOGGLE_ON : STYLE_KEY))
                    ui_emit(ui, (struct action){.kind = ACT_ACCENTS});
                break;
            }
        }
    }
}

/* A text field: label above the box (or inside it, compact), the value's end visible with a
** caret when focused. */
static void field(struct ui *ui, const struct app_state *s, enum field f, struct rect r,
                  bool compact)
{
    const struct theme *t = &ui->theme;
    static const enum i18n_id labels[FIELD_COUNT] = {STR_FIRST_NAME, STR_LAST_NAME, STR_EMAIL,
                                                     STR_PHONE};
    char label[96], id[24];
    if ((f == FIELD_EMAIL || f == FIELD_PHONE) && !compact)
        snprintf(label, sizeof label, "%s (%s)", ui_tr(ui, labels[f]), ui_tr(ui, STR_OPTIONAL));
    else
        snprintf(label, sizeof label, "%s", ui_tr(ui, labels[f]));
    int lh = ui_line_height(ui, compact ? FONT_SMALL : FONT_BODY_BOLD);
    struct rect box = {r.x, r.y + lh + 2, r.w, r.h - lh - 2};
    if (compact)
        box = r;
    snprintf(id, sizeof id, "field:%d", (int)f);
    if (ui_area(ui, id, r)) /* the label too: a bigger target */
        ui_emit(ui, (struct action){.kind = ACT_FOCUS, .arg = (int)f});
    bool focus = s->form.focus == f;
    bool wrong = focus && s->notice != NOTICE_NONE;
    ui_rect(ui, box, t->surface, t->radius / 2, 0);
    ui_rect(ui, box, wrong ? t->bad : focus ? t->focus : t->border, t->radius / 2, focus ? 4 : 2);
    const char *v = s->form.value[f];
    /* Compact: the label stands inside the box above the value; in a box too short for both
    ** (a 7" screen), it is shown while the field is empty, as a placeholder. */
    bool two_lines = box.h >= lh + ui_line_height(ui, FONT_LABEL) + 4;
    if (compact && two_lines)
        ui_text(ui, r.x + t->gap, r.y + 4, FONT_SMALL, t->text_muted, label, r.w - 2 * t->gap);
    else if (compact && !v[0])
        ui_text(ui, r.x + t->gap, r.y + (r.h - lh) / 2, FONT_SMALL, t->text_muted, label,
                r.w - 2 * t->gap);
    else if (!compact)
        ui_text(ui, r.x, r.y, FONT_BODY_BOLD, t->text, label, r.w);

    int pad = t->gap, vw = box.w - 2 * pad - 6;
    int vy = box.y + (box.h - ui_line_height(ui, FONT_LABEL)) / 2;
    if (compact && two_lines)
        vy = box.y + 2 + lh + (box.h - lh - ui_line_height(ui, FONT_LABEL)) / 2;
    int w = ui_text_width(ui, FONT_LABEL, v);
    int x = box.x + pad;
    if (w > vw) {
        /* Show the end of a long value, where the typing happens. */
        const char *p = v;
        while (*p && ui_text_width(ui, FONT_LABEL, p) + ui_text_width(ui, FONT_LABEL, "…") > vw) {
            p++;
            while (((unsigned char)*p & 0xC0) == 0x80)
                p++;
        }
        x += ui_text(ui, x, vy, FONT_LABEL, t->text_muted, "…", 0);
        w = ui_text(ui, x, vy, FONT_LABEL, t->text, p, 0);
    } else {
        ui_text(ui, x, vy, FONT_LABEL, t->text, v, 0);
    }
    if (focus)
        ui_rect(ui, (struct rect){x + w + 2, vy + 4, 3, ui_line_height(ui, FONT_LABEL) - 8},
                t->focus, 0, 0);
}

static enum i18n_id notice_text(enum notice n)
{
    switch (n) {
    case NOTICE_REQUIRED:
        return STR_ERR_REQUIRED;
    case NOTICE_TOO_LONG:
        return STR_ERR_TOO_LONG;
    case NOTICE_BAD_CHAR:
        return STR_ERR_BAD_CHAR;
    case NOTICE_BAD_EMAIL:
        return STR_ERR_BAD_EMAIL;
    case NOTICE_BAD_PHONE:
        return STR_ERR_BAD_PHONE;
    default:
        return STR_ERR_CLOSED;
    }
}

void view_form(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    char title[300];
    snprintf(title, sizeof title, "%s", ui_tr(ui, STR_FORM_TITLE));
    if (s->selected >= 0 && (size_t)s->selected < s->n_sessions)
        snprintf(title, sizeof title, "%s : %s", ui_tr(ui, STR_FORM_TITLE),
                 s->catalogue[s->selected].title);
    int y = ui_top_bar(ui, title, true) + t->gap / 2;
    int x = t->pad, w = ui->w - 2 * t->pad;

    /* From the bottom up: the keyboard gets full-size keys, the message line two lines, and
    ** the fields what is left. Where that is too little for fields with their label above (a
    ** 7" screen, large text), the four fields stand in one row with the label inside; where
    ** even that does not fit, the accents go on a layer of their own and the keyboard has
    ** four rows. Keys never shrink below a fingertip. */
    int lh = ui_line_height(ui, FONT_BODY);
    int msg_h = 2 * lh + t->gap / 2;
    int lh_label = ui_line_height(ui, FONT_BODY_BOLD);
    int need_2x2 = 2 * (lh_label + 2 + t->touch_min * 2 / 3) + t->gap / 2;
    int need_row = ui_line_height(ui, FONT_SMALL) + ui_line_height(ui, FONT_LABEL) + t->gap;
    if (need_row < t->touch_min)
        need_row = t->touch_min;
    int room5 = ui->h - t->gap / 2 - keyboard_height(ui, 5) - t->gap / 2 - msg_h - t->gap - y;
    bool compact = room5 < need_2x2, small = compact && room5 < need_row;
    int kb_y = ui->h - t->gap / 2 - keyboard_height(ui, small ? 4 : 5);
    int msg_y = kb_y - t->gap / 2 - msg_h;
    int fields_h = msg_y - t->gap / 2 - y;
    if (compact) {
        int fw = (w - 3 * t->gap) / 4;
        for (int f = 0; f < FIELD_COUNT; f++)
            field(ui, s, (enum field)f, (struct rect){x + f * (fw + t->gap), y, fw, fields_h},
                  true);
    } else {
        int fh = (fields_h - t->gap / 2) / 2, fw = (w - t->pad) / 2;
        for (int f = 0; f < FIELD_COUNT; f++)
            field(
                ui, s, (enum field)f,
                (struct rect){x + (f % 2) * (fw + t->pad), y + (f / 2) * (fh + t->gap / 2), fw, fh},
                false);
    }

    if (s->notice != NOTICE_NONE) {
        char msg[256], n[12];
        static const enum i18n_id labels[FIELD_COUNT] = {STR_FIRST_NAME, STR_LAST_NAME, STR_EMAIL,
                                                         STR_PHONE};
        snprintf(n, sizeof n, "%d",
                 s->form.focus == FIELD_EMAIL   ? BORNE_EMAIL_MAX_CHARS
                 : s->form.focus == FIELD_PHONE ? BORNE_PHONE_MAX_CHARS
                                                : BORNE_NAME_MAX_CHARS);
        const char *args[] = {s->notice == NOTICE_REQUIRED ? ui_tr(ui, labels[s->form.focus]) : n};
        i18n_format(msg, sizeof msg, ui_tr(ui, notice_text(s->notice)), args, 1);
        ui_rect(ui, (struct rect){x, msg_y, w, msg_h}, t->bad, t->radius / 2, 0);
        ui_icon(ui, (struct rect){x + t->gap, msg_y + (msg_h - lh) / 2, lh, lh}, ICON_WARNING,
                t->bad_text);
        int tx = x + 2 * t->gap + lh, tw = x + w - t->gap - tx;
        int used = ui_text_wrap_height(ui, tw, FONT_BODY, msg, 2);
        ui_text_wrap(ui, (struct rect){tx, msg_y + (msg_h - used) / 2, tw, 0}, FONT_BODY,
                     t->bad_text, msg, 2, false);
    } else {
        char msg[400], d[12];
        snprintf(d, sizeof d, "%d", s->purge_days);
        const char *args[] = {d};
        size_t n = 0;
        if (compact) /* the labels no longer say it */
            n = (size_t)snprintf(msg, sizeof msg, "%s ", ui_tr(ui, STR_OPTIONAL_FIELDS));
        i18n_format(msg + n, sizeof msg - n, ui_tr(ui, STR_PRIVACY), args, 1);
        ui_text_wrap(ui, (struct rect){x, msg_y + t->gap / 4, w, msg_h}, FONT_SMALL, t->text_muted,
                     msg, 2, false);
    }
    keyboard(ui, s, (struct rect){x, kb_y, w, ui->h - kb_y}, small);
}
