/* Views, widgets and the draw list: what the screen shows, described without touching SDL.
**
** Immediate mode, after microui: a view is a function of the application state that calls
** widget functions (ui_button, ui_text...). Each widget appends draw commands to a fixed-size
** draw list and, when the frame carries a tap, reports whether the tap landed on it; the view
** then emits the matching action. The renderer (firmware/render) executes the draw list; nothing
** here allocates, and nothing here draws.
**
** A tap is a press and a release on the same widget: on press the widget is shown pressed
** (a person sees that the kiosk felt the touch), on release it fires once. */
#ifndef BORNE_UI_H
#define BORNE_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "i18n/i18n.h"

struct rect {
    int x, y, w, h;
};

enum ui_font {
    FONT_SMALL = 0, /* secondary lines; still >= 22 px */
    FONT_BODY,      /* body text, >= 24 px */
    FONT_BODY_BOLD,
    FONT_LABEL, /* buttons and keys */
    FONT_TITLE,
    FONT_HUGE, /* the short code, the big verdicts */
};
#define FONT_COUNT 6

enum ui_icon {
    ICON_BACK = 0,
    ICON_HOME,
    ICON_CHECK,
    ICON_WARNING,
    ICON_CLOCK,
    ICON_PLACE,
    ICON_PERSON,
    ICON_NEXT,
    ICON_PREV,
    ICON_BACKSPACE,
    ICON_SHIFT
};

/* DRAW_QR draws the list's QR (draw_list.qr) in the command's square, black on white, with
** its quiet zone: one per frame at most. */
enum draw_kind { DRAW_RECT = 0, DRAW_TEXT, DRAW_ICON, DRAW_QR };

/* One command. Colours are 0xRRGGBBAA. Text lives in the list's text arena. */
struct draw_cmd {
    uint8_t kind;
    uint8_t face;   /* DRAW_TEXT: 0 regular, 1 semibold, 2 bold */
    uint8_t icon;   /* DRAW_ICON */
    uint8_t radius; /* DRAW_RECT: rounded corners, px */
    int16_t px;     /* DRAW_TEXT: font size in pixels */
    int16_t x, y, w, h;
    int16_t border; /* DRAW_RECT: 0 = filled, else outline width in px */
    uint32_t color;
    uint32_t text_off, text_len;
};

#define DRAW_CMDS_MAX 2048
#define DRAW_TEXT_MAX (64 * 1024)

struct draw_list {
    struct draw_cmd cmds[DRAW_CMDS_MAX];
    size_t n;
    char text[DRAW_TEXT_MAX];
    size_t text_len;
    bool overflow;     /* a command did not fit: a bug in a view, logged by the renderer */
    const uint8_t *qr; /* borrowed from the state for the frame: qr_side^2 modules, 1 = dark */
    int qr_side;
};

/* Font metrics, provided by the renderer (SDL_ttf) or by a test. width() measures len bytes of
** s in the face (0 regular, 1 semibold, 2 bold) at px pixels; line_height() is the distance
** between two lines of it. */
struct ui_metrics {
    void *ctx;
    int (*width)(void *ctx, int face, int px, const char *s, size_t len);
    int (*line_height)(void *ctx, int face, int px);
};

/* The face each font uses. */
int ui_font_face(enum ui_font font);

/* Colours and sizes: data, separate from the widgets (LVGL's styles). */
struct theme {
    uint32_t bg, surface, surface_alt, text, text_muted, primary, primary_text, primary_pressed,
        secondary, secondary_text, border, focus, ok, ok_text, warn, warn_text, bad, bad_text,
        header, header_text, key, key_pressed, key_text;
    int font_px[FONT_COUNT];
    int pad, gap, radius, touch_min; /* px */
};

/* The theme for a window of w x h pixels and the visitor's choices. */
void theme_make(struct theme *t, int w, int h, bool large_text, bool high_contrast);

#define UI_WIDGETS_MAX 160
#define UI_ID_MAX 48

/* A widget a tap can reach, kept for the frame: the replay's "press ID" finds it here. */
struct ui_widget {
    char id[UI_ID_MAX];
    struct rect r;
};

#define UI_ACTIONS_MAX 8

/* The context of one frame. */
struct ui {
    struct draw_list *dl;
    struct theme theme;
    struct ui_metrics metrics;
    const struct i18n *tr;
    int lang;
    int w, h;

    /* Input of this frame: a press or a release at (x, y). */
    bool pressing, releasing;
    int px, py;
    char pressed_id[UI_ID_MAX]; /* widget held down since the press; kept between frames */

    struct ui_widget widgets[UI_WIDGETS_MAX];
    size_t n_widgets;
    struct action actions[UI_ACTIONS_MAX]; /* what this frame's tap asks for */
    size_t n_actions;
};

/* Describe the screen for state s into ui->dl (cleared first), and turn this frame's press or
** release into actions in ui->actions. */
void ui_frame(struct ui *ui, const struct app_state *s);

/* Find a widget of the last frame by id; false if there is none. */
bool ui_find_widget(const struct ui *ui, const char *id, struct rect *out);

/* --- for the views (ui/view_*.c) ------------------------------------------------------- */

enum ui_style {
    STYLE_PRIMARY = 0,
    STYLE_SECONDARY,
    STYLE_KEY,
    STYLE_TAB,
    STYLE_TAB_ON,
    STYLE_TILE,
    STYLE_FIELD,
    STYLE_FIELD_FOCUS,
    STYLE_TOGGLE_ON,
    STYLE_DISABLED
};

const char *ui_tr(const struct ui *ui, enum i18n_id id);
void ui_emit(struct ui *ui, struct action a);
void ui_rect(struct ui *ui, struct rect r, uint32_t color, int radius, int border);
void ui_icon(struct ui *ui, struct rect r, enum ui_icon icon, uint32_t color);
/* One line of text at (x, y) (top-left), cut with an ellipsis to fit max_w (0: no limit).
** Returns the width drawn. */
int ui_text(struct ui *ui, int x, int y, enum ui_font font, uint32_t color, const char *s,
            int max_w);
/* Text wrapped into r's width, at most max_lines lines (the last one ellipsised), honouring
** '\n'; centred when centre is set. Returns the height used. */
int ui_text_wrap(struct ui *ui, struct rect r, enum ui_font font, uint32_t color, const char *s,
                 int max_lines, bool centre);
int ui_text_width(const struct ui *ui, enum ui_font font, const char *s);
/* The height ui_text_wrap() would use for s in width w, without drawing anything. */
int ui_text_wrap_height(struct ui *ui, int w, enum ui_font font, const char *s, int max_lines);
int ui_line_height(const struct ui *ui, enum ui_font font);
/* A button: draws it (pressed when held) and returns true on the frame it is tapped. A
** STYLE_DISABLED button draws but never fires. icon < 0: none. */
bool ui_button(struct ui *ui, const char *id, struct rect r, const char *label, int icon,
               enum ui_style style);
/* An area that is tappable but draws nothing itself (a tile, a field). */
bool ui_area(struct ui *ui, const char *id, struct rect r);
bool ui_is_pressed(const struct ui *ui, const char *id);

/* A QR code of side x side modules (1 = dark) drawn in r (a square; the quiet zone is inside).
** The modules are borrowed until the frame is drawn. */
void ui_qr(struct ui *ui, struct rect r, const uint8_t *modules, int side);

/* Date words in the current language: "lundi 23 novembre", "lun. 23", "14:30". */
void ui_date_long(const struct ui *ui, int64_t t, char *out, size_t cap);
void ui_date_short(const struct ui *ui, int64_t t, char *out, size_t cap);
void ui_time(int64_t t, char *out, size_t cap);

/* The top bar every screen but the start screen has: Back, Home, and a title. Returns the
** y below it. */
int ui_top_bar(struct ui *ui, const char *title, bool with_back);

/* The views, one per screen. */
void view_home(struct ui *ui, const struct app_state *s);
void view_session(struct ui *ui, const struct app_state *s);
void view_form(struct ui *ui, const struct app_state *s);
void view_confirm(struct ui *ui, const struct app_state *s);
void view_done(struct ui *ui, const struct app_state *s);
void view_fault(struct ui *ui, const struct app_state *s);
void view_verdict(struct ui *ui, const struct app_state *s);
void view_code(struct ui *ui, const struct app_state *s);
void view_staff_pin(struct ui *ui, const struct app_state *s);
void view_staff(struct ui *ui, const struct app_state *s);

#endif
