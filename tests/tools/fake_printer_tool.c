/* A fake network printer as a process, for the "# setup:" lines of replay scripts:
**
**   fake_printer_tool MODE PORT_FILE [RECORD_FILE]
**
** MODE: ready, paper-low, paper-out, silent, off. Listens on 127.0.0.1 on a port of the
** kernel's choosing, writes "tcp:127.0.0.1:PORT" to PORT_FILE, answers the printer's status
** queries as an Epson printer in that mode would (tests/fake_printer.h), and on SIGTERM or
** SIGINT writes the job bytes it received to RECORD_FILE and exits. */
#include <signal.h>

#include "fake_printer.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        enum fake_mode mode;
    } modes[] = {{"ready", FAKE_READY},
                 {"paper-low", FAKE_PAPER_LOW},
                 {"paper-out", FAKE_PAPER_OUT},
                 {"silent", FAKE_SILENT},
                 {"off", FAKE_OFF}};
    if (argc < 3) {
        fprintf(stderr, "usage: fake_printer_tool MODE PORT_FILE [RECORD_FILE]\n");
        return 2;
    }
    int m = -1;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(argv[1], modes[i].name) == 0)
            m = (int)i;
    if (m < 0) {
        fprintf(stderr, "fake_printer_tool: unknown mode %s\n", argv[1]);
        return 2;
    }
    struct fake_printer f;
    memset(&f, 0, sizeof f);
    if (fake_printer_start(&f, modes[m].mode, 0) != 0) {
        fprintf(stderr, "fake_printer_tool: cannot listen\n");
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    /* Written whole under another name, then renamed: a reader never sees half a line. */
    char tmp[600], uri[64];
    snprintf(tmp, sizeof tmp, "%s.part", argv[2]);
    fake_printer_uri(&f, uri, sizeof uri);
    FILE *pf = fopen(tmp, "w");
    if (!pf || fprintf(pf, "%s\n", uri) < 0 || fclose(pf) != 0 || rename(tmp, argv[2]) != 0) {
        fprintf(stderr, "fake_printer_tool: cannot write %s\n", argv[2]);
        fake_printer_stop(&f);
        return 1;
    }
    /* Polled rather than pause(): the signal may land on the printer's thread. */
    while (!stop)
        usleep(20000);
    int rc = 0;
    if (argc > 3) {
        FILE *rf = fopen(argv[3], "wb");
        pthread_mutex_lock(&f.mu);
        if (!rf || fwrite(f.buf, 1, f.len, rf) != f.len)
            rc = 1;
        pthread_mutex_unlock(&f.mu);
        if (rf && fclose(rf) != 0)
            rc = 1;
    }
    fake_printer_stop(&f);
    return rc;
}
