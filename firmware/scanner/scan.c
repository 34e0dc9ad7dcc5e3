/* Scan decoders: the assembler and the three front ends that feed it. See scan.h.
**
** The key maps are the US layout's, indexed by key position (Linux key code or USB HID usage),
** because that is what a scanner in keyboard mode types whatever the system's layout is. */
#include "scanner/scan.h"

#include <linux/input.h>
#include <string.h>

/* What a key types: unshifted and shifted; both 0 when it types nothing. */
struct key_chars {
    char plain, shifted;
};

/* US layout by Linux key code. Keypad keys type the same with or without Shift: a scanner
** sending keypad digits means digits, and Num Lock is the system's, not the scanner's. */
static const struct key_chars evdev_map[128] = {
    [KEY_1] = {'1', '!'},          [KEY_2] = {'2', '@'},           [KEY_3] = {'3', '#'},
    [KEY_4] = {'4', '$'},          [KEY_5] = {'5', '%'},           [KEY_6] = {'6', '^'},
    [KEY_7] = {'7', '&'},          [KEY_8] = {'8', '*'},           [KEY_9] = {'9', '('},
    [KEY_0] = {'0', ')'},          [KEY_MINUS] = {'-', '_'},       [KEY_EQUAL] = {'=', '+'},
    [KEY_Q] = {'q', 'Q'},          [KEY_W] = {'w', 'W'},           [KEY_E] = {'e', 'E'},
    [KEY_R] = {'r', 'R'},          [KEY_T] = {'t', 'T'},           [KEY_Y] = {'y', 'Y'},
    [KEY_U] = {'u', 'U'},          [KEY_I] = {'i', 'I'},           [KEY_O] = {'o', 'O'},
    [KEY_P] = {'p', 'P'},          [KEY_LEFTBRACE] = {'[', '{'},   [KEY_RIGHTBRACE] = {']', '}'},
    [KEY_A] = {'a', 'A'},          [KEY_S] = {'s', 'S'},           [KEY_D] = {'d', 'D'},
    [KEY_F] = {'f', 'F'},          [KEY_G] = {'g', 'G'},           [KEY_H] = {'h', 'H'},
    [KEY_J] = {'j', 'J'},          [KEY_K] = {'k', 'K'},           [KEY_L] = {'l', 'L'},
    [KEY_SEMICOLON] = {';', ':'},  [KEY_APOSTROPHE] = {'\'', '"'}, [KEY_GRAVE] = {'`', '~'},
    [KEY_BACKSLASH] = {'\\', '|'}, [KEY_Z] = {'z', 'Z'},           [KEY_X] = {'x', 'X'},
    [KEY_C] = {'c', 'C'},          [KEY_V] = {'v', 'V'},           [KEY_B] = {'b', 'B'},
    [KEY_N] = {'n', 'N'},          [KEY_M] = {'m', 'M'},           [KEY_COMMA] = {',', '<'},
    [KEY_DOT] = {'.', '>'},        [KEY_SLASH] = {'/', '?'},       [KEY_SPACE] = {' ', ' '},
    [KEY_KPASTERISK] = {'*', '*'}, [KEY_KP7] = {'7', '7'},         [KEY_KP8] = {'8', '8'},
    [KEY_KP9] = {'9', '9'},        [KEY_KPMINUS] = {'-', '-'},     [KEY_KP4] = {'4', '4'},
    [KEY_KP5] = {'5', '5'},        [KEY_KP6] = {'6', '6'},         [KEY_KPPLUS] = {'+', '+'},
    [KEY_KP1] = {'1', '1'},        [KEY_KP2] = {'2', '2'},         [KEY_KP3] = {'3', '3'},
    [KEY_KP0] = {'0', '0'},        [KEY_KPDOT] = {'.', '.'},       [KEY_KPSLASH] = {'/', '/'},
    [KEY_KPEQUAL] = {'=', '='},    [KEY_KPCOMMA] = {',', ','},
};

/* US layout by USB HID usage id (keyboard page 7), the values of SDL_Scancode. */
static const struct key_chars hid_map[134] = {
    [4] = {'a', 'A'},  [5] = {'b', 'B'},   [6] = {'c', 'C'},   [7] = {'d', 'D'},  [8] = {'e', 'E'},
    [9] = {'f', 'F'},  [10] = {'g', 'G'},  [11] = {'h', 'H'},  [12] = {'i', 'I'}, [13] = {'j', 'J'},
    [14] = {'k', 'K'}, [15] = {'l', 'L'},  [16] = {'m', 'M'},  [17] = {'n', 'N'}, [18] = {'o', 'O'},
    [19] = {'p', 'P'}, [20] = {'q', 'Q'},  [21] = {'r', 'R'},  [22] = {'s', 'S'}, [23] = {'t', 'T'},
    [24] = {'u', 'U'}, [25] = {'v', 'V'},  [26] = {'w', 'W'},  [27] = {'x', 'X'}, [28] = {'y', 'Y'},
    [29] = {'z', 'Z'}, [30] = {'1', '!'},  [31] = {'2', '@'},  [32] = {'3', '#'}, [33] = {'4', '$'},
    [34] = {'5', '%'}, [35] = {'6', '^'},  [36] = {'7', '&'},  [37] = {'8', '*'}, [38] = {'9', '('},
    [39] = {'0', ')'}, [44] = {' ', ' '},  [45] = {'-', '_'},  [46] = {'=', '+'}, [47] = {'[', '{'},
    [48] = {']', '}'}, [49] = {'\\', '|'}, [50] = {'\\', '|'}, /* non-US #: same key */
    [51] = {';', ':'}, [52] = {'\'', '"'}, [53] = {'`', '~'},  [54] = {',', '<'}, [55] = {'.', '>'},
    [56] = {'/', '?'}, [84] = {'/', '/'},  [85] = {'*', '*'},  [86] = {'-', '-'}, [87] = {'+', '+'},
    [89] = {'1', '1'}, [90] = {'2', '2'},  [91] = {'3', '3'},  [92] = {'4', '4'}, [93] = {'5', '5'},
    [94] = {'6', '6'}, [95] = {'7', '7'},  [96] = {'8', '8'},  [97] = {'9', '9'}, [98] = {'0', '0'},
    [99] = {'.', '.'}, [103] = {'=', '='}, [133] = {',', ','},
};

#define HID_ENTER 40
#define HID_KP_ENTER 88

/* Bits of scan_keys.held. */
enum {
    HELD_LSHIFT = 1,
    HELD_RSHIFT = 2,
    HELD_LCTRL = 4,
    HELD_RCTRL = 8,
    HELD_LALT = 16,
    HELD_RALT = 32
};
#define HELD_SHIFT (HELD_LSHIFT | HELD_RSHIFT)
#define HELD_CTRL_ALT (HELD_LCTRL | HELD_RCTRL | HELD_LALT | HELD_RALT)

#define END_OF_LINE (-1) /* step(): the line is over */

/* ---- the assembler --------------------------------------------------------------------------- */

static void line_reset(struct scan_assembler *a)
{
    a->len = 0;
    a->refused = NULL;
    a->in_line = false;
}

/* The start of the line kept so far, for the log line of a drop. buf holds printable
** characters only, so the preview is printable too. */
static void preview(const struct scan_assembler *a, char out[SCAN_MAX])
{
    size_t n = a->len < SCAN_PREVIEW_MAX ? a->len : SCAN_PREVIEW_MAX;
    memcpy(out, a->buf, n);
    out[n] = '\0';
}

static bool paused(const struct scan_assembler *a, int64_t now_ms)
{
    /* Unsigned difference: no overflow whatever the caller's clock says. */
    return a->in_line && a->gap_reset_ms > 0 && now_ms > a->last_ms &&
           (uint64_t)now_ms - (uint64_t)a->last_ms > (uint64_t)a->gap_reset_ms;
}

/* The one state machine behind every front end. ch is a printable character or END_OF_LINE;
** refuse, when not NULL, says the event is something a scan cannot hold (ch is then unused). */
static enum scan_result step(struct scan_assembler *a, int ch, const char *refuse, int64_t now_ms,
                             char out[SCAN_MAX], const char **why)
{
    enum scan_result res = SCAN_NONE;
    const char *reason = NULL;
    out[0] = '\0';

    /* The pause ends the previous line before this event is looked at. Reporting it here
    ** rather than later keeps to one result per call: this event starts a line, and a fresh
    ** line cannot end with a result of its own in the same step (its end of line would be an
    ** empty line, which is ignored). */
    if (paused(a, now_ms)) {
        if (a->refused || a->len > 0) {
            reason = a->refused ? a->refused : SCAN_WHY_PAUSE;
            preview(a, out);
            res = SCAN_DROPPED;
        }
        line_reset(a);
    }

    if (ch == END_OF_LINE && !refuse) {
        if (a->refused) {
            reason = a->refused;
            preview(a, out);
            res = SCAN_DROPPED;
        } else if (a->len > 0) {
            while (a->buf[a->len - 1] == ' ') /* stops: buf never starts with a space */
                a->len--;
            memcpy(out, a->buf, a->len);
            out[a->len] = '\0';
            res = SCAN_DONE;
        }
        line_reset(a);
    } else {
        a->in_line = true;
        a->last_ms = now_ms;
        if (a->refused)
            ; /* swallowed until the end of the line or a pause */
        else if (refuse)
            a->refused = refuse;
        else if (ch == ' ' && a->len == 0)
            ; /* leading space: not kept, not counted */
        else if (a->len == SCAN_MAX - 1)
            a->refused = SCAN_WHY_TOO_LONG;
        else
            a->buf[a->len++] = (char)ch;
    }
    if (why)
        *why = reason;
    return res;
}

void scan_assembler_init(struct scan_assembler *a, int gap_reset_ms)
{
    memset(a, 0, sizeof *a);
    a->gap_reset_ms = gap_reset_ms > 0 ? gap_reset_ms : 0;
}

enum scan_result scan_assembler_put(struct scan_assembler *a, int ch, int64_t now_ms,
                                    char out[SCAN_MAX], const char **why)
{
    if (ch == '\n' || ch == '\r')
        return step(a, END_OF_LINE, NULL, now_ms, out, why);
    if (ch < 0 || ch > 0x7F)
        return step(a, 0, SCAN_WHY_NOT_ASCII, now_ms, out, why);
    if (ch < 0x20 || ch == 0x7F)
        return step(a, 0, SCAN_WHY_CONTROL, now_ms, out, why);
    return step(a, ch, NULL, now_ms, out, why);
}

/* ---- keyboard mode ------------------------------------------------------------------------- */

void scan_keys_init(struct scan_keys *k, int gap_reset_ms)
{
    memset(k, 0, sizeof *k);
    scan_assembler_init(&k->a, gap_reset_ms);
}

static unsigned modifier_bit(uint16_t code)
{
    switch (code) {
    case KEY_LEFTSHIFT:
        return HELD_LSHIFT;
    case KEY_RIGHTSHIFT:
        return HELD_RSHIFT;
    case KEY_LEFTCTRL:
        return HELD_LCTRL;
    case KEY_RIGHTCTRL:
        return HELD_RCTRL;
    case KEY_LEFTALT:
        return HELD_LALT;
    case KEY_RIGHTALT:
        return HELD_RALT;
    default:
        return 0;
    }
}

static char typed(const struct key_chars *kc, bool shift, bool caps)
{
    bool letter = kc->plain >= 'a' && kc->plain <= 'z';
    return (letter ? shift != caps : shift) ? kc->shifted : kc->plain;
}

enum scan_result scan_keys_feed(struct scan_keys *k, uint16_t type, uint16_t code, int32_t value,
                                int64_t now_ms, char out[SCAN_MAX], const char **why)
{
    out[0] = '\0';
    if (why)
        *why = NULL;
    if (type == EV_SYN && code == SYN_DROPPED) {
        /* Releases may be among the lost events: forget what we thought was held. */
        k->held = 0;
        return step(&k->a, 0, SCAN_WHY_EVENTS_LOST, now_ms, out, why);
    }
    if (type != EV_KEY)
        return SCAN_NONE;

    unsigned bit = modifier_bit(code);
    if (bit) {
        if (value == 1)
            k->held |= bit;
        else if (value == 0)
            k->held &= ~bit;
        return SCAN_NONE;
    }
    if (code == KEY_CAPSLOCK) {
        if (value == 1)
            k->caps = !k->caps;
        return SCAN_NONE;
    }
    if (code == KEY_LEFTMETA || code == KEY_RIGHTMETA || code == KEY_NUMLOCK ||
        code == KEY_SCROLLLOCK)
        return SCAN_NONE;
    if (value != 1) /* a release (with or without its press) or an autorepeat */
        return SCAN_NONE;

    if (code == KEY_ENTER || code == KEY_KPENTER)
        return step(&k->a, END_OF_LINE, NULL, now_ms, out, why);
    if (k->held & HELD_CTRL_ALT)
        return step(&k->a, 0, SCAN_WHY_CTRL_ALT, now_ms, out, why);
    const struct key_chars *kc =
        code < sizeof evdev_map / sizeof evdev_map[0] ? &evdev_map[code] : NULL;
    if (!kc || !kc->plain)
        return step(&k->a, 0, SCAN_WHY_UNKNOWN_KEY, now_ms, out, why);
    return step(&k->a, typed(kc, (k->held & HELD_SHIFT) != 0, k->caps), NULL, now_ms, out, why);
}

enum scan_result scan_keys_feed_hid(struct scan_keys *k, int hid_usage, bool shift, int64_t now_ms,
                                    char out[SCAN_MAX], const char **why)
{
    out[0] = '\0';
    if (why)
        *why = NULL;
    /* Caps Lock, Scroll Lock, Num Lock, and Ctrl/Shift/Alt/GUI left and right: SDL reports
    ** their presses too, and they type nothing. */
    if (hid_usage == 57 || hid_usage == 71 || hid_usage == 83 ||
        (hid_usage >= 224 && hid_usage <= 231))
        return SCAN_NONE;
    if (hid_usage == HID_ENTER || hid_usage == HID_KP_ENTER)
        return step(&k->a, END_OF_LINE, NULL, now_ms, out, why);
    const struct key_chars *kc =
        hid_usage >= 0 && hid_usage < (int)(sizeof hid_map / sizeof hid_map[0])
            ? &hid_map[hid_usage]
            : NULL;
    if (!kc || !kc->plain)
        return step(&k->a, 0, SCAN_WHY_UNKNOWN_KEY, now_ms, out, why);
    return step(&k->a, typed(kc, shift, false), NULL, now_ms, out, why);
}

/* ---- serial mode --------------------------------------------------------------------------- */

void scan_line_init(struct scan_line *l, int gap_reset_ms)
{
    scan_assembler_init(&l->a, gap_reset_ms);
}

size_t scan_line_feed(struct scan_line *l, const uint8_t *buf, size_t n, int64_t now_ms,
                      enum scan_result *res, char out[SCAN_MAX], const char **why)
{
    *res = SCAN_NONE;
    out[0] = '\0';
    if (why)
        *why = NULL;
    for (size_t i = 0; i < n; i++) {
        enum scan_result r = scan_assembler_put(&l->a, buf[i], now_ms, out, why);
        if (r != SCAN_NONE) {
            *res = r;
            return i + 1;
        }
    }
    return n;
}
