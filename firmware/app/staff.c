/* The staff panel in the kiosk: the PIN checked off the UI thread, the panel's data read from
** the store and the file system, and the `borne pin-hash` command.
**
** A PIN check runs Argon2id over 32 MiB: slow on purpose, a few hundred milliseconds on a
** Pi 3, far too long for the loop (DESIGN.md: the UI never waits). It runs on a short thread
** of its own, like sync.c's seat request, and answers with an SDL event of type ev_staff. The
** check's record is owned by the kiosk (k->pin_check), not by the event: an event lost at exit
** leaks nothing, and kiosk_staff_close() joins the thread. */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <termios.h>
#include <unistd.h>

#include "app/kiosk_int.h"

struct pin_check {
    struct kiosk *k;
    pthread_t thread;
    char hash[KIOSK_PIN_HASH_MAX];
    char pin[STAFF_PIN_MAX + 1]; /* wiped by the thread once checked */
    bool right;
};

/* ---- hashing ------------------------------------------------------------------------------ */

enum borne_err kiosk_pin_hash(const char *pin, char *out, size_t cap)
{
    if (out && cap)
        out[0] = '\0';
    if (!out || cap < crypto_pwhash_STRBYTES || cap < KIOSK_PIN_HASH_MAX || !staff_pin_valid(pin))
        return BORNE_ERR_INVALID;
    if (sodium_init() < 0)
        return BORNE_ERR_INTERNAL;
    char tmp[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(tmp, pin, strlen(pin), KIOSK_PIN_OPSLIMIT, KIOSK_PIN_MEMLIMIT) != 0)
        return BORNE_ERR_NOMEM; /* libsodium's only failure here: the memory */
    memcpy(out, tmp, sizeof tmp);
    return BORNE_OK;
}

bool kiosk_pin_hash_valid(const char *hash)
{
    if (!hash || strncmp(hash, "$argon2id$", 10) != 0 || strlen(hash) >= KIOSK_PIN_HASH_MAX ||
        sodium_init() < 0)
        return false;
    /* -1: not a string libsodium can read; 0 or 1: readable (1: other parameters, which a
    ** check still honours). */
    return crypto_pwhash_str_needs_rehash(hash, KIOSK_PIN_OPSLIMIT, KIOSK_PIN_MEMLIMIT) != -1;
}

bool kiosk_pin_verify(const char *hash, const char *pin)
{
    if (!kiosk_pin_hash_valid(hash) || !staff_pin_valid(pin))
        return false;
    return crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0;
}

/* One line of in into buf, without its end of line; false on end of file or a line too long
** for a PIN (what is left of it is read and dropped). */
static bool read_line(FILE *in, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, in))
        return false;
    size_t n = strcspn(buf, "\r\n");
    bool whole = buf[n] != '\0' || feof(in);
    buf[n] = '\0';
    if (!whole) {
        int c;
        while ((c = fgetc(in)) != EOF && c != '\n')
            ;
    }
    return whole;
}

int kiosk_pin_hash_command(FILE *in, FILE *out, FILE *err)
{
    char pin[64], hash[KIOSK_PIN_HASH_MAX];
    int fd = fileno(in);
    struct termios old, quiet;
    bool tty = fd >= 0 && isatty(fd) && tcgetattr(fd, &old) == 0;
    if (tty) {
        fprintf(err, "Code du personnel (4 à 12 chiffres) : ");
        fflush(err);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    bool got = read_line(in, pin, sizeof pin);
    if (tty) {
        tcsetattr(fd, TCSAFLUSH, &old);
        fputc('\n', err);
    }
    int rc = 0;
    if (!got || !staff_pin_valid(pin)) {
        fprintf(err, "borne: pin-hash: the PIN must be 4 to 12 digits, on one line\n");
        rc = 1;
    } else if (kiosk_pin_hash(pin, hash, sizeof hash) != BORNE_OK) {
        fprintf(err, "borne: pin-hash: not enough memory to hash the PIN (%u MiB needed)\n",
                KIOSK_PIN_MEMLIMIT / (1024 * 1024));
        rc = 2;
    } else {
        fprintf(out, "pin_hash = %s\n", hash);
        fprintf(err, "borne: paste this line in the [staff] section of the configuration\n");
    }
    sodium_memzero(pin, sizeof pin);
    return rc;
}

/* ---- in the kiosk -------------------------------------------------------------------------- */

void kiosk_staff_open(struct kiosk *k)
{
    struct staff_state *st = &k->state->staff;
    k->ev_staff = SDL_RegisterEvents(1);
    if (k->ev_staff == (Uint32)-1)
        k->ev_staff = 0;
    if (!k->opt.staff_pin_hash) {
        fprintf(stderr, "borne: staff panel disabled: no [staff] pin_hash in the configuration "
                        "(make one with `borne pin-hash`)\n");
        if (k->opt.staff_badge)
            fprintf(stderr, "borne: [staff] badge ignored: the badge only opens the PIN prompt\n");
        return;
    }
    if (!k->ev_staff) {
        fprintf(stderr, "borne: staff panel disabled: no SDL event type left\n");
        return;
    }
    st->enabled = true;
    if (k->opt.staff_badge)
        snprintf(st->badge, sizeof st->badge, "%s", k->opt.staff_badge);
    fprintf(stderr, "borne: staff panel: hold the top-left corner of the start screen for %d s%s\n",
            STAFF_HOLD_MS / 1000, st->badge[0] ? ", or scan the staff badge" : "");
}

static void *check_thread(void *arg)
{
    struct pin_check *c = arg;
    c->right = kiosk_pin_verify(c->hash, c->pin);
    sodium_memzero(c->pin, sizeof c->pin);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = c->k->ev_staff;
    e.user.data1 = c;
    /* A full queue empties within moments (the loop is running): without this event the
    ** prompt would wait for ever, so it is worth a few tries. */
    for (int i = 0; i < 100 && SDL_PushEvent(&e) != 1; i++)
        SDL_Delay(10);
    return NULL;
}

/* The check could not start: said as an error, not as a wrong PIN, so it costs no try. */
static void check_failed(struct kiosk *k, const char *why)
{
    fprintf(stderr, "borne: the staff PIN cannot be checked: %s\n", why);
    kiosk_dispatch(k, (struct action){.kind = ACT_PIN_CHECKED, .err = BORNE_ERR_INTERNAL});
}

void kiosk_staff_verify(struct kiosk *k)
{
    struct staff_state *st = &k->state->staff;
    if (k->pin_check || !k->opt.staff_pin_hash || !k->ev_staff) {
        check_failed(k, k->pin_check ? "a check is under way" : "no PIN hash");
        return;
    }
    struct pin_check *c = calloc(1, sizeof *c);
    if (!c) {
        check_failed(k, "out of memory");
        return;
    }
    c->k = k;
    snprintf(c->hash, sizeof c->hash, "%s", k->opt.staff_pin_hash);
    memcpy(c->pin, st->pin, sizeof c->pin);
    c->pin[STAFF_PIN_MAX] = '\0';
    if (pthread_create(&c->thread, NULL, check_thread, c) != 0) {
        sodium_memzero(c->pin, sizeof c->pin);
        free(c);
        check_failed(k, "no thread");
        return;
    }
    k->pin_check = c;
}

void kiosk_staff_event(struct kiosk *k, const SDL_Event *e)
{
    struct pin_check *c = e->user.data1;
    if (!c || c != k->pin_check)
        return;
    pthread_join(c->thread, NULL);
    bool right = c->right;
    free(c);
    k->pin_check = NULL;
    kiosk_dispatch(k, (struct action){.kind = ACT_PIN_CHECKED, .arg = right});
    /* The log says what happened, never the PIN. */
    const struct staff_state *st = &k->state->staff;
    if (right)
        fprintf(stderr, "borne: staff PIN right%s\n",
                k->state->screen == SCREEN_STAFF ? ": staff panel opened" : "");
    else if (st->lock.locked_until_ms)
        fprintf(stderr, "borne: staff PIN wrong %d times in a row: locked for %d minutes\n",
                STAFF_TRIES_MAX, STAFF_LOCK_MS / 60000);
    else
        fprintf(stderr, "borne: staff PIN wrong (%d in a row)\n", st->lock.failures);
}

void kiosk_staff_close(struct kiosk *k)
{
    if (!k->pin_check)
        return;
    pthread_join(k->pin_check->thread, NULL);
    free(k->pin_check);
    k->pin_check = NULL;
    if (k->ev_staff)
        SDL_FlushEvent(k->ev_staff); /* its pointer is freed: nobody may read it */
}

/* Free bytes for an unprivileged process on the file system of the database's folder; -1 if
** unknown. */
static int64_t disk_free(const char *db_path)
{
    char dir[1024];
    const char *slash = db_path ? strrchr(db_path, '/') : NULL;
    if (!db_path || !slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == db_path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - db_path), db_path);
    struct statvfs v;
    if (statvfs(dir, &v) != 0) {
        fprintf(stderr, "borne: free space of %s unknown: %s\n", dir, strerror(errno));
        return -1;
    }
    return (int64_t)v.f_bavail * (int64_t)v.f_frsize;
}

void kiosk_staff_load(struct kiosk *k)
{
    struct staff_data *d = calloc(1, sizeof *d);
    if (!d) {
        fprintf(stderr, "borne: staff panel: out of memory\n");
        return;
    }
    int64_t now = k->state->now;
    d->disk_free_bytes = disk_free(k->opt.db_path);
    d->clock_unsure = kiosk_clock_unsure(k);
    /* Today's sessions, the ones over included: k->load_buf is free between two effects. */
    size_t n = 0;
    enum borne_err err = store_sessions_between(k->st, app_day_start(now, 0), app_day_start(now, 1),
                                                k->load_buf, APP_CATALOGUE_MAX, &n);
    if (err != BORNE_OK) {
        fprintf(stderr, "borne: staff panel: today's sessions cannot be read: %s (%s)\n",
                borne_err_str(err), store_errmsg(k->st));
        n = 0;
    }
    d->n_sessions = n < STAFF_SESSIONS_MAX ? n : STAFF_SESSIONS_MAX;
    d->n_more = n - d->n_sessions;
    for (size_t i = 0; i < d->n_sessions; i++) {
        const struct session *ses = &k->load_buf[i];
        struct staff_session *o = &d->sessions[i];
        snprintf(o->title, sizeof o->title, "%s", ses->title);
        snprintf(o->room, sizeof o->room, "%s", ses->room_name);
        o->starts_at = ses->starts_at;
        o->ends_at = ses->ends_at;
        o->capacity = ses->capacity;
        o->seats_taken = ses->seats_taken;
        /* A count that cannot be read shows as "?", not as a reassuring 0. */
        if (store_registration_count(k->st, ses->id, &o->registered) != BORNE_OK)
            o->registered = -1;
        if (store_checkin_count(k->st, ses->id, &o->checked_in) != BORNE_OK)
            o->checked_in = -1;
    }
    kiosk_dispatch(k, (struct action){.kind = ACT_STAFF_DATA, .staff = d});
    free(d);
}
