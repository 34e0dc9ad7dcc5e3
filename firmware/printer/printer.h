/* The kiosk's ESC/POS thermal printer: where it is (a URI), what state it is in, and sending it
** a job. The bytes of a job are opaque here (firmware/escpos makes them); the one command this
** module writes itself is the real-time status query DLE EOT 4 (0x10 0x04 0x04), whose one-byte
** answer says whether the paper is low or out.
**
** Transports:
**   usb:/dev/usb/lp0   Linux usblp character device (bidirectional printers answer status)
**   tcp:HOST:PORT      network printer, raw port (usually 9100); HOST a name, IPv4 or [IPv6]
**   file:PATH          appends the bytes to a file: demos and tests
**   none               no printer: jobs are dropped, the state is PRINTER_DISABLED
**
** Every call here is bounded by its timeout and may block that long: call them from the print
** worker (printer_worker.h), never from the UI thread. No call changes the process's signal
** dispositions: sockets are written with MSG_NOSIGNAL, and a SIGPIPE raised by a write to a
** device or a FIFO is blocked in the calling thread and consumed (the libpq way), so a kiosk
** that has not set SIGPIPE to SIG_IGN still survives a printer unplugged mid-job. */
#ifndef BORNE_PRINTER_H
#define BORNE_PRINTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The ESC/POS real-time status query "transmit paper sensor status". */
#define PRINTER_STATUS_QUERY "\x10\x04\x04"
#define PRINTER_STATUS_QUERY_LEN 3

/* Defaults of the timeouts below, in milliseconds. */
#define PRINTER_CONNECT_TIMEOUT_MS 2000
#define PRINTER_STATUS_TIMEOUT_MS 1000
#define PRINTER_JOB_TIMEOUT_MS 10000

/* The largest job printer_send() and the worker accept: a ticket with its QR raster is tens of
** KiB; anything near this limit is a bug upstream, not a ticket. */
#define PRINTER_JOB_MAX (16u * 1024u * 1024u)

enum printer_kind { PRINTER_NONE = 0, PRINTER_USB, PRINTER_TCP, PRINTER_FILE };

/* A parsed printer address. Only the fields of its kind are set; the others are zero. */
struct printer_uri {
    enum printer_kind kind;
    char path[256]; /* usb: device path (absolute); file: path of the file */
    char host[128]; /* tcp: name or address, without the brackets of an IPv6 address */
    int port;       /* tcp: 1..65535 */
};

enum printer_state {
    PRINTER_UNKNOWN = 0, /* not asked yet, or the printer does not answer status */
    PRINTER_READY,
    PRINTER_PAPER_LOW, /* near end: still prints */
    PRINTER_PAPER_OUT,
    PRINTER_OFFLINE,  /* cannot connect, not plugged, no answer */
    PRINTER_ERROR,    /* write failed mid-job, timeout */
    PRINTER_DISABLED, /* none */
};

struct printer_status {
    enum printer_state state;
    char detail[160]; /* for staff logs, English, always terminated */
};

/* How long each step may take, in milliseconds. job_ms bounds a whole printer_send() (connect,
** status queries and writes); connect_ms and status_ms bound those steps inside it, so that a
** printer that ignores status queries costs status_ms per job and not the whole job_ms. */
struct printer_timeouts {
    int connect_ms;
    int status_ms;
    int job_ms;
};

/* Parse a printer address as given on the command line or in the configuration.
** On success *out holds it. On failure the result is BORNE_ERR_INVALID, *out is zeroed, and
** when why is not NULL it receives a reason a technician understands ("tcp: needs a port, such
** as tcp:192.168.1.50:9100"), at most why_cap bytes, always terminated. Refused: NULL or empty
** text, control characters, unknown schemes, a usb: path that is not absolute, paths of 256
** bytes or more, a tcp: address without a port, a port outside 1..65535, an IPv6 address
** without brackets, a host of 128 bytes or more or with characters no host name has. The
** scheme and "none" are matched without case. */
enum borne_err printer_uri_parse(const char *text, struct printer_uri *out, char *why,
                                 size_t why_cap);

/* A short English name of a state for logs ("paper low"); never NULL. */
const char *printer_state_str(enum printer_state state);

/* Ask the printer what state it is in, within timeout_ms in all (connection included).
** file: READY when the file can be appended to (its folder exists and is writable), OFFLINE
** otherwise. tcp: connects and sends DLE EOT 4; READY, PAPER_LOW or PAPER_OUT from the
** answer, UNKNOWN when the printer says nothing in time (many ignore status on port 9100),
** OFFLINE when the connection is refused, unreachable or times out. usb: opens the device
** (OFFLINE when it is not plugged in, or cannot be opened) and asks the same way; UNKNOWN when
** a unidirectional printer cannot answer. none: DISABLED.
** The result is BORNE_OK whenever *out holds a state, whichever it is: the state is the
** answer. BORNE_ERR_INVALID for a NULL argument or a uri of no known kind (out->state is then
** PRINTER_ERROR). Blocks for at most timeout_ms, plus a name lookup (getaddrinfo has no
** timeout: use an address rather than a name where the network may be down). */
enum borne_err printer_query(const struct printer_uri *u, int timeout_ms,
                             struct printer_status *out);

/* Send one job (n bytes, borrowed for the call) to the printer, within timeout_ms in all;
** connect and status steps use the default timeouts above when timeout_ms leaves room for them.
** tcp and usb first ask the status (one TCP connection per job carries the query, the job,
** and a closing query): if the paper is out or the printer cannot be reached, nothing is sent,
** so that no ticket half-prints, and the result is BORNE_ERR_IO with out->state PAPER_OUT or
** OFFLINE. Then every byte is written, with a deadline (a usblp printer out of paper simply
** stops taking bytes). After the job, a printer that answered the first query is asked again,
** so that out->state tells about paper that ran low during the job.
** Results:
**   BORNE_OK: every byte was taken; out->state is READY, PAPER_LOW, or UNKNOWN for a printer
**     that does not answer status; DISABLED for none (the bytes are dropped).
**   BORNE_ERR_IO: not printed, or not completely: out->state says why (PAPER_OUT, OFFLINE:
**     cannot connect or unplugged mid-job, ERROR: write failed or timed out) and out->detail
**     how many bytes of how many were sent. Also when all bytes were sent but the closing
**     query says the paper ran out: the ticket may be cut short.
**   BORNE_ERR_DISK_FULL: file: the file system is full (out->state ERROR).
**   BORNE_ERR_INVALID: NULL uri or out, bytes NULL, n of 0 or above PRINTER_JOB_MAX.
** A file: job is fsynced before BORNE_OK; a failed one is cut back out of a regular file. A
** failed tcp job's connection is reset rather than closed, so that the kernel does not deliver
** the rest of it later, when the printer wakes up. timeout_ms of 0 or less: the defaults. */
enum borne_err printer_send(const struct printer_uri *u, const uint8_t *bytes, size_t n,
                            int timeout_ms, struct printer_status *out);

/* printer_send() with each step's timeout given (see struct printer_timeouts); values of 0 or
** less take the defaults. This is what the print worker calls. */
enum borne_err printer_send_with(const struct printer_uri *u, const uint8_t *bytes, size_t n,
                                 const struct printer_timeouts *t, struct printer_status *out);

/* Decode an answer to DLE EOT 4 into READY, PAPER_LOW or PAPER_OUT; PRINTER_UNKNOWN when the
** byte is not a status byte (bits 1 and 4 set, bits 0 and 7 clear). Pure: tests use it. */
enum printer_state printer_status_decode(uint8_t status_byte);

#endif
