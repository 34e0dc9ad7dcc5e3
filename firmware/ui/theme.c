/* Colours and sizes as data. Every text/background pair meets WCAG AA (4.5:1) and the
** high-contrast theme AAA (7:1); the ratios are checked by tests/unit/test_ui.c. */
#include "ui/ui.h"

static const struct theme normal = {
    .bg = 0xF4F1EAFF,
    .surface = 0xFFFFFFFF,
    .surface_alt = 0xEAE5DAFF,
    .text = 0x1D1D1BFF,
    .text_muted = 0x4D4B46FF,
    .primary = 0x1F5FADFF,
    .primary_text = 0xFFFFFFFF,
    .primary_pressed = 0x123E73FF,
    .secondary = 0xE3DDD0FF,
    .secondary_text = 0x1D1D1BFF,
    .border = 0x7D786DFF,
    .focus = 0x1F5FADFF,
    .ok = 0x1B6E35FF,
    .ok_text = 0xFFFFFFFF,
    .warn = 0x8F4E00FF,
    .warn_text = 0xFFFFFFFF,
    .bad = 0xB3261EFF,
    .bad_text = 0xFFFFFFFF,
    .header = 0x0F3B66FF,
    .header_text = 0xFFFFFFFF,
    .key = 0xFFFFFFFF,
    .key_pressed = 0xC9D9EEFF,
    .key_text = 0x1D1D1BFF,
};

static const struct theme contrast = {
    .bg = 0x000000FF,
    .surface = 0x000000FF,
    .surface_alt = 0x1A1A1AFF,
    .text = 0xFFFFFFFF,
    .text_muted = 0xE6E6E6FF,
    .primary = 0xFFD400FF,
    .primary_text = 0x000000FF,
    .primary_pressed = 0xFFFFFFFF,
    .secondary = 0x000000FF,
    .secondary_text = 0xFFFFFFFF,
    .border = 0xFFFFFFFF,
    .focus = 0xFFD400FF,
    .ok = 0x7CF08BFF,
    .ok_text = 0x000000FF,
    .warn = 0xFFB347FF,
    .warn_text = 0x000000FF,
    .bad = 0xFF8A80FF,
    .bad_text = 0x000000FF,
    .header = 0x000000FF,
    .header_text = 0xFFFFFFFF,
    .key = 0x000000FF,
    .key_pressed = 0x4D4D4DFF,
    .key_text = 0xFFFFFFFF,
};

/* Sizes are designed for 1280 x 800 (a 10" panel, about 6 px per mm: a 12 mm touch target is
** 72 px) and scaled with the window; body text never goes under 24 px. */
void theme_make(struct theme *t, int w, int h, bool large_text, bool high_contrast)
{
    *t = high_contrast ? contrast : normal;
    double sx = w / 1280.0, sy = h / 800.0, s = sx < sy ? sx : sy;
    if (s < 0.6)
        s = 0.6;
    static const int base_px[FONT_COUNT] = {23, 26, 26, 28, 40, 64};
    double grow = large_text ? 1.3 : 1.0;
    for (int i = 0; i < FONT_COUNT; i++) {
        int px = (int)(base_px[i] * s * grow + 0.5);
        int min = i == FONT_SMALL ? 22 : 24;
        t->font_px[i] = px < min ? min : px;
    }
    t->pad = (int)(24 * s);
    t->gap = (int)(14 * s);
    t->radius = (int)(14 * s);
    t->touch_min = (int)(76 * s) < 64 ? 64 : (int)(76 * s);
}
