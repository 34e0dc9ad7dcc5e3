/* borne: the kiosk program. Command line and wiring only; see firmware/app/kiosk.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/kiosk.h"
#include "client/sync.h"
#include "platform/platform.h"
#include "printer/printer.h"

static void usage(FILE *f)
{
    fputs("usage: borne [options]\n"
          "       borne reprint CODE [--db PATH] [--config PATH] [--printer URI] [--lang fr|en]\n"
          "                          print ticket CODE again (staff), logged as a reprint\n"
          "       borne sync [--db PATH] [--config PATH]\n"
          "                          one sync cycle with the server; exit 0 only on success\n"
          "       borne enrol URL CODE [--label TEXT] [--db PATH] [--config PATH]\n"
          "                          enrol this kiosk with the server at URL (one-time CODE)\n"
          "       borne pin-hash     read a staff PIN (4 to 12 digits) on stdin, print the\n"
          "                          [staff] pin_hash line of the configuration\n"
          "  --windowed WxH      a window of W x H pixels instead of fullscreen\n"
          "  --demo              fill an empty database with the demo catalogue\n"
          "  --demo-large        the same, about 200 sessions (benchmarks)\n"
          "  --db PATH           the SQLite database (default: borne.db)\n"
          "  --config PATH       an INI configuration file\n"
          "  --printer URI       usb:/dev/usb/lp0, tcp:HOST:9100, file:PATH or none\n"
          "  --scanner-serial TTY  a serial-mode QR scanner\n"
          "  --scanner-evdev DEV   a keyboard-mode QR scanner, read with an exclusive grab\n"
          "  --now YYYY-MM-DDTHH:MM  fix the clock's start (demos, tests)\n"
          "  --lang fr|en        the start language\n"
          "  --replay SCRIPT     run a replay script headless and exit (see docs/testing.md)\n"
          "  --screenshots DIR   where the replay writes its screenshots\n"
          "  --bench-first-frame print the time from process start to the first frame, exit\n"
          "  --exit-after MS     leave after MS milliseconds (benchmarks)\n",
          f);
}

static const char *assets_dir(void)
{
    const char *env = getenv("BORNE_ASSETS");
    return env && env[0] ? env : BORNE_ASSETS_DIR;
}

int main(int argc, char **argv)
{
    struct kiosk_options o;
    /* No configuration needed to make the line that goes into it. */
    if (argc == 2 && strcmp(argv[1], "pin-hash") == 0)
        return kiosk_pin_hash_command(stdin, stdout, stderr);
    kiosk_options_default(&o);
    o.assets_dir = assets_dir();
    const char *fonts = getenv("BORNE_FONTS");
    o.fonts_dir = fonts && fonts[0] ? fonts : "/usr/share/fonts/truetype/open-sans";

    /* The configuration first, so that the command line overrides it. */
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--config") == 0) {
            char why[300];
            if (!kiosk_config_load(&o, argv[i + 1], why, sizeof why)) {
                fprintf(stderr, "borne: configuration: %s\n", why);
                return 2;
            }
        }
    }
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "sync") == 0) {
        o.command = "sync";
        first = 2;
    } else if (argc > 1 && strcmp(argv[1], "enrol") == 0) {
        if (argc < 4 || argv[2][0] == '-' || argv[3][0] == '-') {
            fprintf(stderr, "borne: enrol needs the server's URL and the enrolment code "
                            "(see --help)\n");
            return 2;
        }
        o.command = "enrol";
        o.enrol_url = argv[2];
        o.enrol_code = argv[3];
        first = 4;
    } else if (argc > 1 && strcmp(argv[1], "reprint") == 0) {
        if (argc < 3) {
            fprintf(stderr, "borne: reprint needs the ticket's code (see --help)\n");
            return 2;
        }
        o.reprint_code = argv[2];
        first = 3;
    }
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--demo") == 0) {
            o.demo = true, takes = false;
        } else if (strcmp(a, "--demo-large") == 0) {
            o.demo = o.demo_large = true, takes = false;
        } else if (strcmp(a, "--bench-first-frame") == 0) {
            o.bench_first_frame = true, takes = false;
        } else if (!v) {
            fprintf(stderr, "borne: %s needs a value (see --help)\n", a);
            return 2;
        } else if (strcmp(a, "--windowed") == 0) {
            if (sscanf(v, "%dx%d", &o.win_w, &o.win_h) != 2 || o.win_w < 320 || o.win_h < 240) {
                fprintf(stderr, "borne: --windowed wants WxH, such as 1280x800\n");
                return 2;
            }
            o.fullscreen = false;
        } else if (strcmp(a, "--db") == 0) {
            o.db_path = v;
        } else if (strcmp(a, "--config") == 0) {
            /* read above */
        } else if (strcmp(a, "--printer") == 0) {
            o.printer_uri = v; /* checked by the kiosk, which says what is wrong with it */
        } else if (strcmp(a, "--scanner-serial") == 0) {
            o.scanner_serial = v;
        } else if (strcmp(a, "--scanner-evdev") == 0) {
            o.scanner_evdev = v;
        } else if (strcmp(a, "--now") == 0) {
            if (!platform_parse_local_time(v, &o.fixed_now)) {
                fprintf(stderr, "borne: --now wants YYYY-MM-DDTHH:MM, such as 2026-11-23T09:30\n");
                return 2;
            }
        } else if (strcmp(a, "--lang") == 0) {
            if (strcmp(v, "fr") != 0 && strcmp(v, "en") != 0) {
                fprintf(stderr, "borne: --lang wants fr or en\n");
                return 2;
            }
            o.lang = v[0] == 'f' ? LANG_FR : LANG_EN;
        } else if (strcmp(a, "--replay") == 0) {
            o.replay_path = v;
        } else if (strcmp(a, "--screenshots") == 0) {
            o.shots_dir = v;
        } else if (strcmp(a, "--label") == 0 && o.command) {
            o.enrol_label = v;
        } else if (strcmp(a, "--exit-after") == 0) {
            o.exit_after_ms = atoi(v);
        } else {
            fprintf(stderr, "borne: unknown option %s (see --help)\n", a);
            return 2;
        }
        if (takes)
            i++;
    }
    if (o.printer_uri && strcmp(o.printer_uri, "none") != 0) {
        struct printer_uri u;
        char why[200];
        if (printer_uri_parse(o.printer_uri, &u, why, sizeof why) != BORNE_OK) {
            fprintf(stderr, "borne: printer %s: %s\n", o.printer_uri, why);
            return 2;
        }
    }
    sync_global_init(); /* before any thread */
    if (o.replay_path) {
        /* Headless unless the caller chose a video driver (e.g. x11 under Xvfb). */
        setenv("SDL_VIDEODRIVER", "offscreen", 0);
        o.fullscreen = false;
    }
    return kiosk_run(&o);
}
