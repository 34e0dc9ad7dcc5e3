/* The scanner reader: one thread that reads the kiosk's QR scanner devices and calls back once
** per scan, so the UI thread never waits on a device (DESIGN.md, "The UI never waits on I/O").
**
** Two dedicated sources, either or both:
**   evdev   a scanner in keyboard mode, /dev/input/by-id/usb-...-event-kbd. It is grabbed
**           (EVIOCGRAB) so that its key presses do not also reach the window or a console, and
**           decoded by key position with scan_keys_feed() (scan.h), whatever the system layout.
**   serial  a scanner in serial mode, /dev/ttyACM0 or /dev/ttyUSB0, in raw mode at the
**           configured baud rate (a ttyACM ignores it), decoded with scan_line_feed().
** The third way, key presses in the SDL window, needs no thread: the kiosk feeds them to
** scan_keys_feed_hid() itself.
**
** Unplugging is routine: a source that cannot be opened, or that reports EOF, ENODEV or EIO, is
** closed and tried again every retry_ms until it comes back. The log says so once when it is
** lost and once when it is back, never once per retry.
**
** Tests: a FIFO or a pipe stands in for an evdev device (the grab fails with ENOTTY, which is
** logged and ignored) and for a serial line (tcsetattr fails with ENOTTY: likewise); a pty is
** the real thing for serial. */
#ifndef BORNE_SCANNER_SCANNER_H
#define BORNE_SCANNER_SCANNER_H

#include "core/err.h"
#include "scanner/scan.h"

#define SCANNER_GAP_RESET_MS 1000 /* default pause that throws a partial scan away */
#define SCANNER_RETRY_MS 1000     /* default period between two tries to open a lost device */

struct scanner_config {
    char evdev_path[256];  /* "" = none */
    char serial_path[256]; /* "" = none */
    int serial_baud;  /* 0 = 9600; one of 1200 2400 4800 9600 19200 38400 57600 115200 230400 */
    int gap_reset_ms; /* 0 = SCANNER_GAP_RESET_MS; less than 0 = no pause limit */
    int retry_ms;     /* 0 or less = SCANNER_RETRY_MS */
};

enum scan_source { SCAN_SOURCE_EVDEV = 0, SCAN_SOURCE_SERIAL, SCAN_SOURCE_KEYS };

/* A complete scan, on the reader thread. code (printable ASCII, 1 to SCAN_MAX - 1 characters)
** is borrowed for the call: copy it. Must not call scanner_stop(). */
typedef void (*scanner_scan_fn)(void *ctx, enum scan_source src, const char *code);

/* A line for staff logs, on the reader thread (and, for a refused configuration, on the
** caller's, from scanner_start()): a device opened, lost, back, a grab refused, a scan dropped.
** A scan's content never appears in full, since it is a ticket: at most its first
** SCAN_PREVIEW_MAX characters. Dropped scans are told at most 10 times a minute per source
** (a serial line at the wrong baud rate drops them all day); the rest are counted, and the
** count is told with the first drop of a later minute. line is borrowed for the call. Must not
** call scanner_stop(). */
typedef void (*scanner_log_fn)(void *ctx, const char *line);

struct scanner;

/* Start the reader thread for the sources of cfg (copied). on_scan is required; on_log may be
** NULL (no logs); both and ctx must stay valid until scanner_stop() returned. The devices are
** opened by the thread, not here: one that is missing at start is picked up when it appears.
** On success *out is the new reader, owned by the caller (scanner_stop() ends and frees it).
** On failure *out is NULL (when out is not NULL):
**   BORNE_ERR_INVALID   NULL cfg, on_scan or out; no source at all; a path not terminated
**                       within its field; a baud rate not in the list (said through on_log);
**   BORNE_ERR_NOMEM;
**   BORNE_ERR_INTERNAL  the wake-up descriptor or the thread could not be made.
** The thread runs with every signal blocked, so that signals go to the kiosk's main thread. */
enum borne_err scanner_start(const struct scanner_config *cfg, scanner_scan_fn on_scan,
                             scanner_log_fn on_log, void *ctx, struct scanner **out);

/* Stop the thread, close the devices (which releases the grab) and free s. Returns promptly
** whatever the devices are doing: the thread sleeps in poll() on them and a wake-up
** descriptor. A partial scan is forgotten. NULL is accepted. After it returns, neither callback
** is called again. */
void scanner_stop(struct scanner *s);

#endif
