/* libFuzzer target for the scanner decoders: whatever a serial line or a keyboard-mode scanner
** sends must come out as clean scans or as drops with a reason, never a crash, an unterminated
** string or a byte a scan may not hold.
**
** The input is used twice:
**   - as bytes from a serial scanner, fed to scan_line_feed() in chunks of pseudo-random sizes
**     (seeded from the input, so a crash replays). Besides the invariants below, the results
**     must match a reference written here from scan.h's rules (lines ended by CR or LF,
**     printable ASCII only, leading spaces not counted, at most SCAN_MAX - 1 characters, empty
**     lines ignored): a chunking that changes a result is a bug;
**   - as 5-byte records (type, code, value, time step) of evdev events for scan_keys_feed(), or
**     of SDL key presses for scan_keys_feed_hid(), with a short gap so that pauses happen.
** Checked on every call: out is NUL-terminated within SCAN_MAX and printable ASCII; a scan is
** 1 to SCAN_MAX - 1 characters without a space at either end; a drop has a reason and a
** preview of at most SCAN_PREVIEW_MAX characters; SCAN_NONE leaves "" and no reason. */
#include <linux/input.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/scan.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool printable(int c)
{
    return c >= 0x20 && c <= 0x7E;
}

static void check_result(enum scan_result r, const char *out, const char *why)
{
    size_t len = 0;
    while (len < SCAN_MAX && out[len])
        len++;
    check(len < SCAN_MAX);
    for (size_t i = 0; i < len; i++)
        check(printable((unsigned char)out[i]));
    switch (r) {
    case SCAN_NONE:
        check(len == 0 && why == NULL);
        break;
    case SCAN_DONE:
        check(len > 0 && why == NULL);
        check(out[0] != ' ' && out[len - 1] != ' ');
        break;
    case SCAN_DROPPED:
        check(why != NULL && len <= SCAN_PREVIEW_MAX);
        break;
    default:
        check(false);
    }
}

/* What the reference says one line gives. */
struct expect {
    enum scan_result res;
    const char *why;
    const uint8_t *text; /* DONE: the scan; DROPPED: the preview */
    size_t len;
};

/* The reference: one complete line (without its end) by the rules of scan.h. */
static bool reference_line(const uint8_t *line, size_t n, struct expect *e)
{
    size_t first = 0, kept = 0;
    bool started = false;
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        if (line[i] >= 0x80)
            why = SCAN_WHY_NOT_ASCII;
        else if (!printable(line[i]))
            why = SCAN_WHY_CONTROL;
        else if (line[i] == ' ' && !started)
            continue;
        else if (kept == SCAN_MAX - 1)
            why = SCAN_WHY_TOO_LONG;
        if (why) {
            e->res = SCAN_DROPPED;
            e->why = why;
            e->text = line + first;
            e->len = kept < SCAN_PREVIEW_MAX ? kept : SCAN_PREVIEW_MAX;
            return true;
        }
        if (!started)
            first = i;
        started = true;
        kept++;
    }
    if (kept == 0)
        return false; /* empty or spaces only: ignored */
    while (line[first + kept - 1] == ' ')
        kept--;
    e->res = SCAN_DONE;
    e->why = NULL;
    e->text = line + first;
    e->len = kept;
    return true;
}

static uint32_t rng_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void fuzz_serial(const uint8_t *data, size_t size)
{
    /* The expected results, line by line. */
    struct expect *want = malloc((size + 1) * sizeof *want);
    if (!want)
        return;
    size_t n_want = 0, start = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] != '\r' && data[i] != '\n')
            continue;
        if (reference_line(data + start, i - start, &want[n_want]))
            n_want++;
        start = i + 1;
    }

    /* The decoder, in chunks of 1 to 64 bytes or the whole rest, no pause limit. */
    uint32_t seed = (uint32_t)size;
    for (size_t i = 0; i < size && i < 8; i++)
        seed = seed * 31u + data[i];
    struct scan_line l;
    scan_line_init(&l, 0);
    size_t off = 0, n_got = 0;
    int64_t now = 0;
    while (off < size) {
        uint32_t pick = rng_next(&seed);
        size_t chunk = pick % 8 == 0 ? size - off : 1 + pick % 64;
        if (chunk > size - off)
            chunk = size - off;
        size_t end = off + chunk;
        while (off < end) {
            enum scan_result r;
            const char *why;
            char out[SCAN_MAX];
            size_t used = scan_line_feed(&l, data + off, end - off, now, &r, out, &why);
            check(used >= 1 && used <= end - off);
            check(r != SCAN_NONE || used == end - off);
            check_result(r, out, why);
            if (r != SCAN_NONE) {
                check(n_got < n_want);
                const struct expect *e = &want[n_got++];
                check(r == e->res && (why == e->why || strcmp(why, e->why) == 0));
                check(strlen(out) == e->len && memcmp(out, e->text, e->len) == 0);
            }
            off += used;
        }
        now += pick % 3;
    }
    check(n_got == n_want);
    free(want);
}

static void fuzz_keys(const uint8_t *data, size_t size)
{
    struct scan_keys k;
    scan_keys_init(&k, 40);
    int64_t now = 0;
    for (size_t i = 0; i + 5 <= size; i += 5) {
        const uint8_t *r = data + i;
        char out[SCAN_MAX];
        const char *why = "unset";
        enum scan_result res;
        now += r[4];
        if (r[0] & 0x80) {
            res =
                scan_keys_feed_hid(&k, r[1] | (r[2] & 0x80 ? 0x100 : 0), r[2] & 1, now, out, &why);
        } else {
            static const uint16_t types[8] = {EV_SYN, EV_KEY, EV_KEY, EV_KEY,
                                              EV_KEY, EV_KEY, EV_MSC, 0};
            uint16_t type = types[r[0] & 7];
            if ((r[0] & 7) == 7)
                type = (uint16_t)(r[0] >> 3);
            uint16_t code = (uint16_t)(r[1] | ((r[2] & 3) << 8));
            int32_t value = r[3] < 200 ? (int32_t)(r[3] % 3) : (int32_t)(int8_t)r[3];
            res = scan_keys_feed(&k, type, code, value, now, out, &why);
        }
        check_result(res, out, why);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so that a read one past the input is caught by ASan. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    fuzz_serial(copy, size);
    fuzz_keys(copy, size);
    free(copy);
    return 0;
}
