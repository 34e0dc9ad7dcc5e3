/* Plays a scanner for end-to-end tests, through the very channels a real one uses:
**
**   scanner_feed evdev PATH TEXT   write TEXT then Enter to PATH (a FIFO the kiosk reads as its
**                                  evdev device) as the kernel's struct input_event records of
**                                  a US-layout keyboard: key down and up, Shift for capitals
**   scanner_feed serial LINKFILE TEXT   open a pty, write the slave's path to LINKFILE, wait
**                                  for the kiosk to open it, then send TEXT and CR LF through it
**
** The key map here is written from the US layout independently of firmware/scanner. */
#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

static int key_of(char c, int *shift)
{
    static const char *const row_digits = "1234567890";
    static const int digit_keys[] = {KEY_1, KEY_2, KEY_3, KEY_4, KEY_5,
                                     KEY_6, KEY_7, KEY_8, KEY_9, KEY_0};
    static const char *const letters = "qwertyuiopasdfghjklzxcvbnm";
    static const int letter_keys[] = {KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O,
                                      KEY_P, KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K,
                                      KEY_L, KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M};
    *shift = 0;
    const char *p = strchr(row_digits, c);
    if (c && p)
        return digit_keys[p - row_digits];
    if (c >= 'A' && c <= 'Z') {
        *shift = 1;
        c = (char)(c - 'A' + 'a');
    }
    p = strchr(letters, c);
    if (c && p)
        return letter_keys[p - letters];
    if (c == '-')
        return KEY_MINUS;
    if (c == '.')
        return KEY_DOT;
    if (c == ' ')
        return KEY_SPACE;
    return -1;
}

static void ev(int fd, int type, int code, int value)
{
    struct input_event e;
    memset(&e, 0, sizeof e);
    gettimeofday(&e.time, NULL);
    e.type = (unsigned short)type;
    e.code = (unsigned short)code;
    e.value = value;
    if (write(fd, &e, sizeof e) != (ssize_t)sizeof e) {
        perror("scanner_feed: write");
        exit(1);
    }
}

static void press(int fd, int key)
{
    ev(fd, EV_KEY, key, 1);
    ev(fd, EV_SYN, SYN_REPORT, 0);
    ev(fd, EV_KEY, key, 0);
    ev(fd, EV_SYN, SYN_REPORT, 0);
}

static int feed_evdev(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY); /* a FIFO: waits for the kiosk to open it */
    if (fd < 0) {
        perror(path);
        return 1;
    }
    for (const char *c = text; *c; c++) {
        int shift, key = key_of(*c, &shift);
        if (key < 0) {
            fprintf(stderr, "scanner_feed: no key for '%c'\n", *c);
            return 2;
        }
        if (shift)
            ev(fd, EV_KEY, KEY_LEFTSHIFT, 1);
        press(fd, key);
        if (shift)
            ev(fd, EV_KEY, KEY_LEFTSHIFT, 0);
    }
    press(fd, KEY_ENTER);
    close(fd);
    return 0;
}

static int feed_serial(const char *link, const char *text)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0) {
        perror("scanner_feed: pty");
        return 1;
    }
    const char *slave = ptsname(m);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.part", link);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", slave) < 0 || fclose(f) != 0 || rename(tmp, link) != 0) {
        perror(link);
        return 1;
    }
    /* The kiosk opens the slave and puts it in raw mode; what is written before that could be
    ** flushed, so wait until the slave's settings say raw (ICANON off), at most 20 s. */
    for (int i = 0; i < 400; i++) {
        struct termios t;
        int s = open(slave, O_RDWR | O_NOCTTY);
        if (s >= 0 && tcgetattr(s, &t) == 0 && !(t.c_lflag & ICANON)) {
            close(s);
            break;
        }
        if (s >= 0)
            close(s);
        usleep(50000);
    }
    usleep(200000);
    size_t n = strlen(text);
    if (write(m, text, n) != (ssize_t)n || write(m, "\r\n", 2) != 2) {
        perror("scanner_feed: write");
        return 1;
    }
    sleep(5); /* keep the master open while the kiosk reads: a hang-up would be an unplug */
    close(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: scanner_feed evdev FIFO TEXT | serial LINKFILE TEXT\n");
        return 2;
    }
    if (strcmp(argv[1], "evdev") == 0)
        return feed_evdev(argv[2], argv[3]);
    if (strcmp(argv[1], "serial") == 0)
        return feed_serial(argv[2], argv[3]);
    fprintf(stderr, "scanner_feed: unknown source %s\n", argv[1]);
    return 2;
}
