/* Translated strings. The texts live in assets/i18n/<lang>.ini ([strings] key = text), never in
** C: adding a language is adding a file. A key missing from a language falls back to French,
** then to the key itself, so a missing translation shows up plainly instead of crashing.
**
** Placeholders are {1}, {2}, ... filled by i18n_format(); never printf formats, since the
** files are data. */
#ifndef BORNE_I18N_H
#define BORNE_I18N_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* X(id, key): every string the kiosk shows. */
#define I18N_STRINGS(X)                                                                            \
    X(WELCOME, "welcome")                                                                          \
    X(HOME_HINT, "home_hint")                                                                      \
    X(TODAY, "today")                                                                              \
    X(TOMORROW, "tomorrow")                                                                        \
    X(NO_SESSION_DAY, "no_session_day")                                                            \
    X(PAGE_PREV, "page_prev")                                                                      \
    X(PAGE_NEXT, "page_next")                                                                      \
    X(PAGE_OF, "page_of")                                                                          \
    X(LARGE_TEXT, "large_text")                                                                    \
    X(CONTRAST, "contrast")                                                                        \
    X(BACK, "back")                                                                                \
    X(HOME, "home")                                                                                \
    X(SEATS_LEFT_ONE, "seats_left_one")                                                            \
    X(SEATS_LEFT, "seats_left")                                                                    \
    X(SEATS_OF, "seats_of")                                                                        \
    X(FULL, "full")                                                                                \
    X(RESERVED, "reserved")                                                                        \
    X(STARTED, "started")                                                                          \
    X(KIND_WORKSHOP, "kind_workshop")                                                              \
    X(KIND_CONFERENCE, "kind_conference")                                                          \
    X(KIND_THEMATIC, "kind_thematic")                                                              \
    X(KIND_COACHING, "kind_coaching")                                                              \
    X(RUN_BY, "run_by")                                                                            \
    X(RUN_BY_CENTRE, "run_by_centre")                                                              \
    X(WHEN, "when")                                                                                \
    X(TIME_RANGE, "time_range")                                                                    \
    X(REGISTER, "register")                                                                        \
    X(FULL_LONG, "full_long")                                                                      \
    X(RESERVED_LONG, "reserved_long")                                                              \
    X(STARTED_LONG, "started_long")                                                                \
    X(FORM_TITLE, "form_title")                                                                    \
    X(FIRST_NAME, "first_name")                                                                    \
    X(LAST_NAME, "last_name")                                                                      \
    X(EMAIL, "email")                                                                              \
    X(PHONE, "phone")                                                                              \
    X(OPTIONAL, "optional")                                                                        \
    X(OPTIONAL_FIELDS, "optional_fields")                                                          \
    X(PRIVACY, "privacy")                                                                          \
    X(CONTINUE, "continue")                                                                        \
    X(SPACE, "space")                                                                              \
    X(ERR_REQUIRED, "err_required")                                                                \
    X(ERR_TOO_LONG, "err_too_long")                                                                \
    X(ERR_BAD_CHAR, "err_bad_char")                                                                \
    X(ERR_BAD_EMAIL, "err_bad_email")                                                              \
    X(ERR_BAD_PHONE, "err_bad_phone")                                                              \
    X(ERR_JUST_FULL, "err_just_full")                                                              \
    X(ERR_CLOSED, "err_closed")                                                                    \
    X(CONFIRM_TITLE, "confirm_title")                                                              \
    X(CONFIRM_HINT, "confirm_hint")                                                                \
    X(NOT_GIVEN, "not_given")                                                                      \
    X(EDIT, "edit")                                                                                \
    X(CONFIRM, "confirm")                                                                          \
    X(DONE_TITLE, "done_title")                                                                    \
    X(DONE_EXISTING, "done_existing")                                                              \
    X(YOUR_CODE, "your_code")                                                                      \
    X(CODE_HINT, "code_hint")                                                                      \
    X(EXISTING_HINT, "existing_hint")                                                              \
    X(ARRIVE_HINT, "arrive_hint")                                                                  \
    X(FINISH, "finish")                                                                            \
    X(FAULT_TITLE, "fault_title")                                                                  \
    X(FAULT_HINT, "fault_hint")                                                                    \
    X(FAULT_DETAIL, "fault_detail")                                                                \
    X(DAY_0, "day_0")                                                                              \
    X(DAY_1, "day_1")                                                                              \
    X(DAY_2, "day_2")                                                                              \
    X(DAY_3, "day_3")                                                                              \
    X(DAY_4, "day_4")                                                                              \
    X(DAY_5, "day_5")                                                                              \
    X(DAY_6, "day_6")                                                                              \
    X(DAY_SHORT_0, "day_short_0")                                                                  \
    X(DAY_SHORT_1, "day_short_1")                                                                  \
    X(DAY_SHORT_2, "day_short_2")                                                                  \
    X(DAY_SHORT_3, "day_short_3")                                                                  \
    X(DAY_SHORT_4, "day_short_4")                                                                  \
    X(DAY_SHORT_5, "day_short_5")                                                                  \
    X(DAY_SHORT_6, "day_short_6")                                                                  \
    X(MONTH_1, "month_1")                                                                          \
    X(MONTH_2, "month_2")                                                                          \
    X(MONTH_3, "month_3")                                                                          \
    X(MONTH_4, "month_4")                                                                          \
    X(MONTH_5, "month_5")                                                                          \
    X(MONTH_6, "month_6")                                                                          \
    X(MONTH_7, "month_7")                                                                          \
    X(MONTH_8, "month_8")                                                                          \
    X(MONTH_9, "month_9")                                                                          \
    X(MONTH_10, "month_10")                                                                        \
    X(MONTH_11, "month_11")                                                                        \
    X(MONTH_12, "month_12")                                                                        \
    X(DATE_LONG, "date_long")                                                                      \
    X(DATE_SHORT, "date_short")                                                                    \
    X(CODE_BUTTON, "code_button")                                                                  \
    X(SCAN_HINT, "scan_hint")                                                                      \
    X(PRINTER_DOWN, "printer_down")                                                                \
    X(TICKET_PRINTING, "ticket_printing")                                                          \
    X(TICKET_PRINTED, "ticket_printed")                                                            \
    X(TICKET_FAILED, "ticket_failed")                                                              \
    X(TICKET_ON_SCREEN, "ticket_on_screen")                                                        \
    X(PRINTER_PAPER_OUT, "printer_paper_out")                                                      \
    X(PRINTER_OFFLINE, "printer_offline")                                                          \
    X(PRINTER_ERROR, "printer_error")                                                              \
    X(CHECKED_IN_NOW, "checked_in_now")                                                            \
    X(CODE_TITLE, "code_title")                                                                    \
    X(CODE_ENTRY_HINT, "code_entry_hint")                                                          \
    X(CODE_SUBMIT, "code_submit")                                                                  \
    X(ERR_BAD_CODE, "err_bad_code")                                                                \
    X(ERR_CODE_CHAR, "err_code_char")                                                              \
    X(ERR_CODE_LONG, "err_code_long")                                                              \
    X(VERDICT_OK, "verdict_ok")                                                                    \
    X(V_WELCOME, "v_welcome")                                                                      \
    X(V_WELCOME_ANON, "v_welcome_anon")                                                            \
    X(V_WELCOME_HINT, "v_welcome_hint")                                                            \
    X(V_ALREADY, "v_already")                                                                      \
    X(V_ALREADY_HINT, "v_already_hint")                                                            \
    X(V_EARLY, "v_early")                                                                          \
    X(V_EARLY_HINT, "v_early_hint")                                                                \
    X(V_OVER, "v_over")                                                                            \
    X(V_OVER_HINT, "v_over_hint")                                                                  \
    X(V_NOT_TODAY, "v_not_today")                                                                  \
    X(V_NOT_TODAY_HINT, "v_not_today_hint")                                                        \
    X(V_CANCELLED, "v_cancelled")                                                                  \
    X(V_CANCELLED_HINT, "v_cancelled_hint")                                                        \
    X(V_SESSION_CANCELLED_HINT, "v_session_cancelled_hint")                                        \
    X(V_INVALID, "v_invalid")                                                                      \
    X(V_INVALID_HINT, "v_invalid_hint")                                                            \
    X(V_UNKNOWN_CODE_HINT, "v_unknown_code_hint")                                                  \
    X(V_OTHER_CENTRE_HINT, "v_other_centre_hint")                                                  \
    X(V_STAFF_DETAIL, "v_staff_detail")                                                            \
    X(V_CLOCK_UNSURE, "v_clock_unsure")                                                            \
    X(TICKET_FOR, "ticket_for")                                                                    \
    X(TICKET_CODE_LABEL, "ticket_code_label")                                                      \
    X(TICKET_ARRIVAL, "ticket_arrival")                                                            \
    X(STAFF_PIN_TITLE, "staff_pin_title")                                                          \
    X(STAFF_PIN_HINT, "staff_pin_hint")                                                            \
    X(STAFF_PIN_WRONG, "staff_pin_wrong")                                                          \
    X(STAFF_PIN_LOCKED, "staff_pin_locked")                                                        \
    X(STAFF_PIN_CHECKING, "staff_pin_checking")                                                    \
    X(STAFF_PIN_OK, "staff_pin_ok")                                                                \
    X(STAFF_CANCEL, "staff_cancel")                                                                \
    X(STAFF_CLOSE, "staff_close")                                                                  \
    X(STAFF_TAB_SYNC, "staff_tab_sync")                                                            \
    X(STAFF_TAB_KIOSK, "staff_tab_kiosk")                                                          \
    X(STAFF_TAB_SESSIONS, "staff_tab_sessions")                                                    \
    X(STAFF_SERVER, "staff_server")                                                                \
    X(STAFF_ONLINE, "staff_online")                                                                \
    X(STAFF_ONLINE_SITE, "staff_online_site")                                                      \
    X(STAFF_OFFLINE, "staff_offline")                                                              \
    X(STAFF_NOT_ENROLLED, "staff_not_enrolled")                                                    \
    X(STAFF_LAST_SYNC, "staff_last_sync")                                                          \
    X(STAFF_NEVER, "staff_never")                                                                  \
    X(STAFF_AGO_NOW, "staff_ago_now")                                                              \
    X(STAFF_AGO_MIN, "staff_ago_min")                                                              \
    X(STAFF_AGO_HOURS, "staff_ago_hours")                                                          \
    X(STAFF_AGO_DAYS, "staff_ago_days")                                                            \
    X(STAFF_PENDING, "staff_pending")                                                              \
    X(STAFF_PENDING_REFUSED, "staff_pending_refused")                                              \
    X(STAFF_LAST_ERROR, "staff_last_error")                                                        \
    X(STAFF_NO_ERROR, "staff_no_error")                                                            \
    X(STAFF_ERR_NETWORK, "staff_err_network")                                                      \
    X(STAFF_ERR_UNAUTHORIZED, "staff_err_unauthorized")                                            \
    X(STAFF_ERR_SERVER, "staff_err_server")                                                        \
    X(STAFF_ERR_REFUSED, "staff_err_refused")                                                      \
    X(STAFF_ERR_DISK, "staff_err_disk")                                                            \
    X(STAFF_ERR_CERT, "staff_err_cert")                                                            \
    X(STAFF_ERR_CERT_EXPIRED, "staff_err_cert_expired")                                            \
    X(STAFF_ERR_OTHER, "staff_err_other")                                                          \
    X(STAFF_SYNC_NOW, "staff_sync_now")                                                            \
    X(STAFF_SYNC_RUNNING, "staff_sync_running")                                                    \
    X(STAFF_SYNC_ASKED, "staff_sync_asked")                                                        \
    X(STAFF_SYNC_DONE, "staff_sync_done")                                                          \
    X(STAFF_SYNC_DONE_PENDING, "staff_sync_done_pending")                                          \
    X(STAFF_SYNC_FAILED, "staff_sync_failed")                                                      \
    X(STAFF_PRINTER, "staff_printer")                                                              \
    X(STAFF_PRINTER_NONE, "staff_printer_none")                                                    \
    X(STAFF_PRINTER_UNKNOWN, "staff_printer_unknown")                                              \
    X(STAFF_PRINTER_OK, "staff_printer_ok")                                                        \
    X(STAFF_PRINTER_LOW, "staff_printer_low")                                                      \
    X(STAFF_PRINTER_OUT, "staff_printer_out")                                                      \
    X(STAFF_PRINTER_OFFLINE, "staff_printer_offline")                                              \
    X(STAFF_PRINTER_ERROR, "staff_printer_error")                                                  \
    X(STAFF_CLOCK, "staff_clock")                                                                  \
    X(STAFF_CLOCK_OK, "staff_clock_ok")                                                            \
    X(STAFF_CLOCK_UNSURE, "staff_clock_unsure")                                                    \
    X(STAFF_DISK, "staff_disk")                                                                    \
    X(STAFF_DISK_UNKNOWN, "staff_disk_unknown")                                                    \
    X(STAFF_DISK_LOW, "staff_disk_low")                                                            \
    X(STAFF_MB, "staff_mb")                                                                        \
    X(STAFF_GB, "staff_gb")                                                                        \
    X(STAFF_SITE, "staff_site")                                                                    \
    X(STAFF_SESSIONS_COUNT, "staff_sessions_count")                                                \
    X(STAFF_NO_SESSION, "staff_no_session")                                                        \
    X(STAFF_REGISTERED, "staff_registered")                                                        \
    X(STAFF_CHECKED_IN, "staff_checked_in")                                                        \
    X(STAFF_SEATS, "staff_seats")                                                                  \
    X(STAFF_MORE_SESSIONS, "staff_more_sessions")                                                  \
    X(DONE_WAITLIST_TITLE, "done_waitlist_title")                                                  \
    X(DONE_WAITLIST_HINT, "done_waitlist_hint")                                                    \
    X(TICKET_WAITLIST, "ticket_waitlist")                                                          \
    X(V_WAITLIST, "v_waitlist")                                                                    \
    X(V_WAITLIST_HINT, "v_waitlist_hint")                                                          \
    X(TICKET_PRINTED_WAITLIST, "ticket_printed_waitlist")                                          \
    X(TICKET_FAILED_WAITLIST, "ticket_failed_waitlist")                                            \
    X(TICKET_ON_SCREEN_WAITLIST, "ticket_on_screen_waitlist")                                      \
    X(TICKET_ARRIVAL_WAITLIST, "ticket_arrival_waitlist")

enum i18n_id {
#define I18N_ENUM(id, key) STR_##id,
    I18N_STRINGS(I18N_ENUM)
#undef I18N_ENUM
        STR_COUNT
};

#define I18N_LANG_MAX 4

/* The strings of every language, loaded once at start. Fixed size: no allocation. */
struct i18n {
    char *text[I18N_LANG_MAX][STR_COUNT]; /* point into pool */
    char pool[48 * 1024];
    size_t pool_used;
    int n_langs;
};

/* Load dir/<code>.ini for each code of codes[] (n of them, the first being the fallback)
** into tr. Errors: BORNE_ERR_CANT_OPEN if a file cannot be read, BORNE_ERR_INVALID if one is
** malformed or too large; errmsg says which and where. */
enum borne_err i18n_load(struct i18n *tr, const char *dir, const char *const *codes, int n,
                         char *errmsg, size_t errmsg_cap);

/* The text of id in language lang (an index into the codes given to i18n_load). Never NULL. */
const char *i18n_get(const struct i18n *tr, int lang, enum i18n_id id);

/* Copy template into out, replacing {1}..{4} by args[0..3] (NULL args are empty). Returns out;
** the result is cut to cap - 1 bytes at a code point boundary. */
char *i18n_format(char *out, size_t cap, const char *template, const char *const *args, int n_args);

#endif
