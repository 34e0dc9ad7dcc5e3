/* Turning what a QR scanner sends into scans: pure decoders, no I/O, no allocation, no clock.
**
** A scan is a short line of printable ASCII (a ticket payload "B1" + ~170 base32 characters,
** or any other barcode) ended by Enter. It reaches the kiosk three ways, and each has a decoder
** here that feeds the same assembler:
**
**   scan_keys_feed()      a scanner in keyboard mode read from its evdev device: Linux key codes
**                         (<linux/input.h>), press/release/autorepeat, Shift and Caps Lock;
**   scan_keys_feed_hid()  the same scanner seen as key presses in the SDL window: USB HID usage
**                         ids (the values of SDL_Scancode) and a Shift flag;
**   scan_line_feed()      a scanner in serial mode: bytes from a tty, lines ended by CR, LF or
**                         CRLF.
**
** Both key decoders read key *positions* with their own US map, never the system's layout: a
** scanner types the key positions of a US keyboard, so on a French AZERTY kiosk the key of '2'
** must still give '2', not 'é'. That is the reason they exist.
**
** What the assembler accepts (the same for all three):
**   - only printable ASCII 0x20-0x7E; a line holding anything else (bytes >= 0x80, control
**     characters, keys with no character) is dropped whole, the usual sign of a serial line at
**     the wrong baud rate or of someone at the keyboard;
**   - at most SCAN_MAX - 1 characters, counted after leading spaces (which are not kept) and
**     before trailing spaces (which are trimmed at the end); a longer line is dropped whole and
**     the next one starts clean;
**   - CR and LF both end a line. An empty line, or one of spaces only, is IGNORED (SCAN_NONE,
**     no reason): a bare Enter, or the LF of a CRLF, is not an event worth a log line. So CRLF,
**     LFCR and CRCRLF all give one scan;
**   - a pause longer than gap_reset_ms between two characters (the end of line counts as one)
**     throws the partial line away: a half-read code or a cat on the keyboard must not become
**     the start of the next scan.
**
** A dropped line is reported once, when it is over: at its end of line, or at the first
** character after the pause that ended it (that character starts the next line). The result
** then says SCAN_DROPPED, *why says which rule (one of the SCAN_WHY_ strings below, static), and
** out holds a preview for a log line: at most the first SCAN_PREVIEW_MAX characters kept,
** never the whole scan, because a scan is a ticket.
**
** Time is fed in (now_ms, any monotonic clock in milliseconds), so tests replay timing exactly.
** The structs are caller-owned; their fields are private. Not thread-safe: one decoder per
** source, used by one thread. */
#ifndef BORNE_SCANNER_SCAN_H
#define BORNE_SCANNER_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCAN_MAX 512       /* longest scan kept, bytes incl. NUL; a longer line is dropped whole */
#define SCAN_PREVIEW_MAX 8 /* characters of a dropped line shown in its log line */

/* Why a line was dropped (the *why of SCAN_DROPPED). Compare with strcmp(): the same text may
** sit at two addresses. */
#define SCAN_WHY_TOO_LONG "too long"
#define SCAN_WHY_NOT_ASCII "byte above 0x7F"             /* wrong baud rate, binary data */
#define SCAN_WHY_CONTROL "control character"             /* wrong baud rate, or a tab suffix */
#define SCAN_WHY_PAUSE "pause in the middle of a scan"   /* longer than gap_reset_ms */
#define SCAN_WHY_UNKNOWN_KEY "key without a character"   /* F1, Tab, an arrow, Backspace... */
#define SCAN_WHY_CTRL_ALT "key with Ctrl or Alt"         /* evdev only */
#define SCAN_WHY_EVENTS_LOST "key events lost by kernel" /* evdev SYN_DROPPED */

enum scan_result {
    SCAN_NONE = 0, /* keep feeding; out is "" */
    SCAN_DONE,     /* out holds a complete scan: 1 to SCAN_MAX - 1 printable characters */
    SCAN_DROPPED,  /* a line was thrown away: *why says which rule, out holds its preview */
};

/* The line being assembled. */
struct scan_assembler {
    char buf[SCAN_MAX];  /* the line so far, leading spaces skipped; not NUL-terminated */
    size_t len;          /* characters in buf */
    const char *refused; /* non-NULL: the line broke this rule; swallow it until its end */
    bool in_line;        /* a character of the current line was seen: the pause timer runs */
    int64_t last_ms;     /* when that last character came */
    int gap_reset_ms;    /* longest pause inside a line; 0 or less: no limit */
};

/* Make a an empty assembler. gap_reset_ms is the longest pause allowed between two
** characters of one line; 0 (or less) means never reset on a pause. */
void scan_assembler_init(struct scan_assembler *a, int gap_reset_ms);

/* Feed one character: a byte 0..255 (a value outside that range counts as a byte above 0x7F),
** '\n' or '\r' for the end of a line. now_ms is when it came; it may repeat but should not go
** back (a clock going back is taken as no pause). out (SCAN_MAX bytes) is always written: ""
** for SCAN_NONE, the scan for SCAN_DONE, the preview for SCAN_DROPPED. why may be NULL; else
** it is set to NULL, or for SCAN_DROPPED to a static reason. One call gives at most one
** result: a pause drop is reported by the call whose character comes after the pause. */
enum scan_result scan_assembler_put(struct scan_assembler *a, int ch, int64_t now_ms,
                                    char out[SCAN_MAX], const char **why);

/* A scanner in keyboard mode: the assembler plus the modifier state of the device. */
struct scan_keys {
    struct scan_assembler a;
    unsigned held; /* Shift, Ctrl and Alt keys held down (evdev), one bit per key */
    bool caps;     /* Caps Lock is on (evdev; toggled by each press) */
};

/* Make k empty: no modifier held, Caps Lock off (a scanner starts that way; it does not see
** the system's Caps Lock LED). gap_reset_ms as for scan_assembler_init(). */
void scan_keys_init(struct scan_keys *k, int gap_reset_ms);

/* Feed one evdev event (struct input_event's type, code, value). Only EV_KEY presses (value 1)
** type characters; releases (0) and autorepeats (2) only update modifiers, and a release
** without its press is harmless. Shift and Caps Lock give capitals (Caps Lock letters only, as
** on a US keyboard); keypad digits are digits whatever Num Lock says; Enter and keypad Enter
** end the line. Modifier keys (Shift, Ctrl, Alt, Meta, Caps/Num/Scroll Lock) type nothing. A key
** with no character (Tab, F1, arrows...) or a character typed with Ctrl or Alt held spoils the
** line; so does EV_SYN/SYN_DROPPED (the kernel lost events, the line may miss characters),
** which also forgets the held modifiers. Other event types (EV_SYN, EV_MSC) are ignored.
** out and why as for scan_assembler_put(). */
enum scan_result scan_keys_feed(struct scan_keys *k, uint16_t type, uint16_t code, int32_t value,
                                int64_t now_ms, char out[SCAN_MAX], const char **why);

/* Feed one key press seen by SDL: hid_usage is the USB HID usage id of the key (keyboard page 7,
** the value of its SDL_Scancode), shift whether the key is shifted. Call it on key down only
** (not for repeats). shift is the effective state for this key: the caller folds in Caps Lock
** for letters if it wants to, because k's own caps is the evdev device's, not the window's.
** Modifier keys (225 Left Shift, 57 Caps Lock, ...) type nothing and are ignored; keys with no
** character (0 unknown, Escape, Tab, F-keys...) spoil the line. out and why as above. */
enum scan_result scan_keys_feed_hid(struct scan_keys *k, int hid_usage, bool shift, int64_t now_ms,
                                    char out[SCAN_MAX], const char **why);

/* A scanner in serial mode: bytes as read from its tty. */
struct scan_line {
    struct scan_assembler a;
};

/* Make l empty. gap_reset_ms as for scan_assembler_init(). */
void scan_line_init(struct scan_line *l, int gap_reset_ms);

/* Feed n bytes of buf (NULL allowed when n is 0), all read at now_ms. Returns how many bytes
** were consumed: it stops right after a byte that completed a scan or reported a drop, so the
** caller handles that one (*res, out, *why as for scan_assembler_put()) and calls again with
** the rest; when all n bytes are consumed without result, *res is SCAN_NONE. A scan split over
** several reads, at any byte, comes out the same as in one. */
size_t scan_line_feed(struct scan_line *l, const uint8_t *buf, size_t n, int64_t now_ms,
                      enum scan_result *res, char out[SCAN_MAX], const char **why);

#endif
