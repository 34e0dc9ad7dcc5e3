/* borne-server: the central sync server of the Borne kiosks, and its administrator's commands.
** Wiring only: options are read here, the work is done in db.c, http.c, api.c, admin.c,
** import.c and export.c. Exit status: 0 done, 1 failed or refused (a message says why), 2 usage. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/admin_io.h"
#include "server/server.h"

static const char usage_text[] =
    "usage: borne-server COMMAND [options]\n"
    "\n"
    "  migrate                          apply the schema migrations not applied yet\n"
    "  serve [--listen ADDR:PORT] [--threads N] [--tls-cert F --tls-key F]\n"
    "        [--allotment N] [--port-file F]\n"
    "                                   serve the sync API (default 127.0.0.1:8080, 8 threads,\n"
    "                                   2 seats per kiosk and session); port 0: any free port\n"
    "  site-add ID NAME [--timezone TZ] add a site (default time zone Europe/Paris)\n"
    "  enrol-code SITE [--hours N]      make a one-time enrolment code (valid 72 hours)\n"
    "  devices [SITE]                   list the enrolled devices\n"
    "  revoke DEVICE_ID                 revoke a device: its token and its tickets are refused\n"
    "  import-csv SITE FILE             import a catalogue of sessions (CSV)\n"
    "  import-ics SITE FILE             import a catalogue of sessions (iCalendar)\n"
    "  export registrations|attendance --site S --from YYYY-MM-DD --to YYYY-MM-DD\n"
    "                                   write a CSV export to standard output\n"
    "  help                             this text\n"
    "\n"
    "Every command that uses the database takes --db CONNINFO (a libpq conninfo string or\n"
    "URI); without it, BORNE_SERVER_DB, then libpq's own PGHOST, PGDATABASE... are used.\n";

static int usage(const char *complaint)
{
    if (complaint)
        fprintf(stderr, "borne-server: %s\n", complaint);
    fputs(usage_text, stderr);
    return 2;
}

/* The options a command accepts, by name (without "--"), and where their values go. */
struct option_slot {
    const char *name;
    const char **value;
};

#define MAX_POSITIONAL 4

/* Reads argv[first..] into the command's option slots and up to max_pos positional
** arguments. false (after a message) for an unknown option, a missing value, or too many
** positionals. */
static bool parse_args(int argc, char **argv, int first, struct option_slot *slots,
                       const char **pos, int max_pos, int *n_pos)
{
    *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            if (*n_pos >= max_pos) {
                fprintf(stderr, "borne-server: unexpected argument \"%s\"\n", a);
                return false;
            }
            pos[(*n_pos)++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        struct option_slot *slot = NULL;
        for (struct option_slot *s = slots; s->name; s++)
            if (strlen(s->name) == name_len && strncmp(s->name, name, name_len) == 0)
                slot = s;
        if (!slot) {
            fprintf(stderr, "borne-server: unknown option \"%.*s\" for %s\n", (int)(name_len + 2),
                    a, argv[1]);
            return false;
        }
        if (eq) {
            *slot->value = eq + 1;
        } else if (i + 1 < argc) {
            *slot->value = argv[++i];
        } else {
            fprintf(stderr, "borne-server: option %s needs a value\n", a);
            return false;
        }
    }
    return true;
}

static bool parse_int(const char *text, int lo, int hi, int *out)
{
    if (!text || !*text)
        return false;
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = (int)v;
    return true;
}

static PGconn *connect_or_say(const char *db)
{
    char why[512];
    PGconn *conn = db_open(db, why, sizeof why);
    if (!conn)
        fprintf(stderr, "borne-server: cannot connect to the database: %s\n", why);
    return conn;
}

static int cmd_serve(const char *db, const char *listen, const char *threads, const char *tls_cert,
                     const char *tls_key, const char *allotment, const char *port_file)
{
    struct serve_options o = {.conninfo = db,
                              .listen = listen ? listen : "127.0.0.1:8080",
                              .threads = 8,
                              .tls_cert = tls_cert,
                              .tls_key = tls_key,
                              .allotment = API_ALLOTMENT_DEFAULT,
                              .port_file = port_file};
    if (threads && !parse_int(threads, 1, 256, &o.threads))
        return usage("--threads: a number from 1 to 256");
    if (allotment && !parse_int(allotment, 0, API_ALLOTMENT_MAX, &o.allotment))
        return usage("--allotment: a number from 0 to 1000");
    PGconn *conn = connect_or_say(db);
    if (!conn)
        return 1;
    char why[512];
    int rc = db_schema_check(conn, why, sizeof why);
    PQfinish(conn);
    if (rc != 0) {
        fprintf(stderr, "borne-server: will not serve: %s\n", why);
        return 1;
    }
    return server_serve(&o);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage("no command");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "borne-server: libsodium cannot start\n");
        return 1;
    }

    const char *db = getenv("BORNE_SERVER_DB");
    const char *listen = NULL, *threads = NULL, *tls_cert = NULL, *tls_key = NULL;
    const char *allotment = NULL, *port_file = NULL, *timezone = NULL, *hours = NULL;
    const char *site = NULL, *from = NULL, *to = NULL;
    const char *pos[MAX_POSITIONAL] = {0};
    int n_pos = 0;

    struct option_slot only_db[] = {{"db", &db}, {NULL, NULL}};
    struct option_slot serve_opts[] = {{"db", &db},
                                       {"listen", &listen},
                                       {"threads", &threads},
                                       {"tls-cert", &tls_cert},
                                       {"tls-key", &tls_key},
                                       {"allotment", &allotment},
                                       {"port-file", &port_file},
                                       {NULL, NULL}};
    struct option_slot site_opts[] = {{"db", &db}, {"timezone", &timezone}, {NULL, NULL}};
    struct option_slot code_opts[] = {{"db", &db}, {"hours", &hours}, {NULL, NULL}};
    struct option_slot export_opts[] = {
        {"db", &db}, {"site", &site}, {"from", &from}, {"to", &to}, {NULL, NULL}};

    struct {
        const char *name;
        struct option_slot *opts;
        int min_pos, max_pos;
    } const commands[] = {
        {"migrate", only_db, 0, 0},    {"serve", serve_opts, 0, 0},
        {"site-add", site_opts, 2, 2}, {"enrol-code", code_opts, 1, 1},
        {"devices", only_db, 0, 1},    {"revoke", only_db, 1, 1},
        {"import-csv", only_db, 2, 2}, {"import-ics", only_db, 2, 2},
        {"export", export_opts, 1, 1},
    };
    int which = -1;
    for (int i = 0; i < (int)(sizeof commands / sizeof commands[0]); i++)
        if (!strcmp(cmd, commands[i].name))
            which = i;
    if (which < 0) {
        fprintf(stderr, "borne-server: unknown command \"%s\"\n", cmd);
        return usage(NULL);
    }
    if (!parse_args(argc, argv, 2, commands[which].opts, pos, commands[which].max_pos, &n_pos))
        return usage(NULL);
    if (n_pos < commands[which].min_pos)
        return usage("missing argument");
    if (!db)
        db = "";

    if (!strcmp(cmd, "serve"))
        return cmd_serve(db, listen, threads, tls_cert, tls_key, allotment, port_file);

    int hours_n = 72;
    if (!strcmp(cmd, "enrol-code") && hours && !parse_int(hours, 1, 24 * 365, &hours_n))
        return usage("--hours: a number of hours from 1 to 8760");
    if (!strcmp(cmd, "export")) {
        if (strcmp(pos[0], "registrations") != 0 && strcmp(pos[0], "attendance") != 0)
            return usage("export: registrations or attendance");
        if (!site || !from || !to)
            return usage("export needs --site, --from and --to");
    }

    PGconn *conn = connect_or_say(db);
    if (!conn)
        return 1;
    int rc;
    if (!strcmp(cmd, "migrate")) {
        rc = db_migrate(conn, stdout, stderr) == 0 ? 0 : 1;
    } else {
        /* Every other command needs the schema it was written for. */
        char why[512];
        int check = db_schema_check(conn, why, sizeof why);
        if (check != 0) {
            fprintf(stderr, "borne-server: %s\n", why);
            rc = 1;
        } else if (!strcmp(cmd, "site-add")) {
            rc = admin_site_add(conn, pos[0], pos[1], timezone, stdout, stderr) ? 1 : 0;
        } else if (!strcmp(cmd, "enrol-code")) {
            rc = admin_enrol_code(conn, pos[0], hours_n, stdout, stderr) ? 1 : 0;
        } else if (!strcmp(cmd, "devices")) {
            rc = admin_devices(conn, n_pos ? pos[0] : NULL, stdout, stderr) ? 1 : 0;
        } else if (!strcmp(cmd, "revoke")) {
            rc = admin_revoke(conn, pos[0], stdout, stderr) ? 1 : 0;
        } else if (!strcmp(cmd, "import-csv")) {
            rc = admin_import_csv(conn, pos[0], pos[1], stdout, stderr) ? 1 : 0;
        } else if (!strcmp(cmd, "import-ics")) {
            rc = admin_import_ics(conn, pos[0], pos[1], stdout, stderr) ? 1 : 0;
        } else {
            rc = admin_export(conn, pos[0], site, from, to, stdout, stderr) ? 1 : 0;
        }
    }
    fflush(stdout);
    PQfinish(conn);
    return rc;
}
