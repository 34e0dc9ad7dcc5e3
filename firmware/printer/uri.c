/* Printer addresses and state names. See printer.h.
**
** The address comes from a service file or the configuration, typed by a technician: every
** refusal says what is wrong and what a right one looks like, because the kiosk's start-up log
** is all they will see. */
#include "printer/printer.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Longer than any valid address (a path of 255 bytes plus its scheme): refused before the
** text is looked at, so that the reasons below never quote megabytes. */
#define URI_TEXT_MAX 300

static enum borne_err refuse(struct printer_uri *out, char *why, size_t why_cap, const char *fmt,
                             ...)
{
    memset(out, 0, sizeof *out);
    if (why && why_cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_cap, fmt, ap);
        va_end(ap);
    }
    return BORNE_ERR_INVALID;
}

static bool has_prefix(const char *text, const char *prefix)
{
    return strncasecmp(text, prefix, strlen(prefix)) == 0;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A port: 1 to 5 decimal digits and nothing else, value 1..65535. */
static bool parse_port(const char *s, int *port)
{
    size_t len = strlen(s);
    if (len == 0 || len > 5)
        return false;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = v;
    return true;
}

static enum borne_err parse_tcp(const char *rest, struct printer_uri *out, char *why,
                                size_t why_cap)
{
    const char *host = rest, *host_end, *port;
    bool v6 = false;

    if (rest[0] == '/' && rest[1] == '/')
        return refuse(out, why, why_cap,
                      "write tcp:HOST:PORT without \"//\", such as "
                      "tcp:192.168.1.50:9100");
    if (rest[0] == '[') {
        v6 = true;
        host = rest + 1;
        host_end = strchr(host, ']');
        if (!host_end)
            return refuse(out, why, why_cap, "tcp: \"[\" without \"]\" (write tcp:[ADDRESS]:PORT)");
        if (host_end[1] != ':')
            return refuse(out, why, why_cap,
                          "tcp: needs a port after the address, such as "
                          "tcp:[fd00::50]:9100");
        port = host_end + 2;
    } else {
        host_end = strchr(host, ':');
        if (!host_end)
            return refuse(out, why, why_cap, "tcp: needs a port, such as tcp:192.168.1.50:9100");
        port = host_end + 1;
        if (strchr(port, ':'))
            return refuse(out, why, why_cap,
                          "tcp: an IPv6 address goes in brackets, such as "
                          "tcp:[fd00::50]:9100");
    }

    size_t host_len = (size_t)(host_end - host);
    if (host_len == 0)
        return refuse(out, why, why_cap, "tcp: needs a host before the port");
    if (host_len >= sizeof out->host)
        return refuse(out, why, why_cap, "tcp: host name too long (at most %zu bytes)",
                      sizeof out->host - 1);
    bool colon = false;
    for (size_t i = 0; i < host_len; i++) {
        char c = host[i];
        /* Names and IPv4: letters, digits, dot, dash (underscore seen on some LANs). IPv6 in
        ** brackets: hex digits, colons, dots (a mapped IPv4), and a zone after "%". */
        bool ok = is_alnum(c) || c == '.' || c == '-' || c == '_' || (v6 && (c == ':' || c == '%'));
        if (!ok)
            return refuse(out, why, why_cap,
                          "tcp: the host has a character no host name has "
                          "(\"%c\")",
                          c);
        colon = colon || c == ':';
    }
    if (v6 && !colon)
        return refuse(out, why, why_cap, "tcp: brackets are for IPv6 addresses only");
    if (!parse_port(port, &out->port))
        return refuse(out, why, why_cap,
                      "tcp: the port must be a number from 1 to 65535 "
                      "(usually 9100)");
    memcpy(out->host, host, host_len);
    out->host[host_len] = '\0';
    out->kind = PRINTER_TCP;
    return BORNE_OK;
}

static enum borne_err parse_path(enum printer_kind kind, const char *path, struct printer_uri *out,
                                 char *why, size_t why_cap)
{
    const char *scheme = kind == PRINTER_USB ? "usb" : "file";
    size_t len = strlen(path);
    if (len == 0)
        return refuse(out, why, why_cap, "%s: needs a path, such as %s", scheme,
                      kind == PRINTER_USB ? "usb:/dev/usb/lp0" : "file:/tmp/tickets.bin");
    if (kind == PRINTER_USB && path[0] != '/')
        return refuse(out, why, why_cap,
                      "usb: the device path must be absolute, such as "
                      "usb:/dev/usb/lp0");
    if (len >= sizeof out->path)
        return refuse(out, why, why_cap, "%s: path too long (at most %zu bytes)", scheme,
                      sizeof out->path - 1);
    memcpy(out->path, path, len + 1);
    out->kind = kind;
    return BORNE_OK;
}

enum borne_err printer_uri_parse(const char *text, struct printer_uri *out, char *why,
                                 size_t why_cap)
{
    struct printer_uri scratch;
    if (!out)
        out = &scratch;
    memset(out, 0, sizeof *out);
    if (why && why_cap > 0)
        why[0] = '\0';

    if (!text || text[0] == '\0')
        return refuse(out, why, why_cap,
                      "no printer address (use usb:DEVICE, tcp:HOST:PORT, "
                      "file:PATH or none)");
    size_t len = strnlen(text, URI_TEXT_MAX + 1);
    if (len > URI_TEXT_MAX)
        return refuse(out, why, why_cap, "printer address too long (at most %d bytes)",
                      URI_TEXT_MAX);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7F)
            return refuse(out, why, why_cap,
                          "printer address has a control character at "
                          "byte %zu",
                          i + 1);

    if (strcasecmp(text, "none") == 0) {
        out->kind = PRINTER_NONE;
        return BORNE_OK;
    }
    if (has_prefix(text, "usb:"))
        return parse_path(PRINTER_USB, text + 4, out, why, why_cap);
    if (has_prefix(text, "file:"))
        return parse_path(PRINTER_FILE, text + 5, out, why, why_cap);
    if (has_prefix(text, "tcp:"))
        return parse_tcp(text + 4, out, why, why_cap);

    const char *colon = strchr(text, ':');
    int shown = colon ? (int)(colon - text) : (int)len;
    if (shown > 16)
        shown = 16;
    return refuse(out, why, why_cap,
                  "unknown printer type \"%.*s\" (use usb:DEVICE, "
                  "tcp:HOST:PORT, file:PATH or none)",
                  shown, text);
}

const char *printer_state_str(enum printer_state state)
{
    switch (state) {
    case PRINTER_UNKNOWN:
        return "unknown";
    case PRINTER_READY:
        return "ready";
    case PRINTER_PAPER_LOW:
        return "paper low";
    case PRINTER_PAPER_OUT:
        return "paper out";
    case PRINTER_OFFLINE:
        return "offline";
    case PRINTER_ERROR:
        return "error";
    case PRINTER_DISABLED:
        return "disabled";
    }
    return "invalid state";
}

enum printer_state printer_status_decode(uint8_t b)
{
    /* Epson's fixed bits: 1 and 4 set, 0 and 7 clear. Anything else is not an answer to
    ** DLE EOT 4 (an ASB byte, line noise, our own query echoed by a FIFO). */
    if ((b & 0x93) != 0x12)
        return PRINTER_UNKNOWN;
    if (b & 0x60)
        return PRINTER_PAPER_OUT;
    if (b & 0x0C)
        return PRINTER_PAPER_LOW;
    return PRINTER_READY;
}
