/* Registered: say so plainly, give the short code, say what to do next. When the ticket could
** not be printed (or the kiosk has no printer), its QR code is shown large enough to be
** photographed, beside the short code, and the screen stays longer.
**
** A place on the waiting list (an enrolled kiosk offline, no seat left in its allotment) is
** said as clearly and as kindly: another title, an orange clock instead of the green tick, and
** in place of "when you arrive, scan" what happens next and that the desk has the answer. */
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "ui/ui.h"

/* The sentence under the code: where the ticket is. A waiting-list ticket is not scanned at
** the door (the kiosk would send its holder to the desk): it is shown at the desk. */
static void ticket_hint(struct ui *ui, const struct app_state *s, char *out, size_t cap)
{
    bool waitlist = s->done.status == REGISTRATION_WAITLIST && !s->done_existing;
    switch (s->ticket) {
    case TICKET_PRINTING:
        snprintf(out, cap, "%s", ui_tr(ui, STR_TICKET_PRINTING));
        return;
    case TICKET_PRINTED:
        snprintf(out, cap, "%s",
                 ui_tr(ui, waitlist ? STR_TICKET_PRINTED_WAITLIST : STR_TICKET_PRINTED));
        return;
    case TICKET_FAILED: {
        enum i18n_id why = s->printer == PRINTER_HEALTH_PAPER_OUT ? STR_PRINTER_PAPER_OUT
                           : s->printer == PRINTER_HEALTH_OFFLINE ? STR_PRINTER_OFFLINE
                                                                  : STR_PRINTER_ERROR;
        const char *args[] = {ui_tr(ui, why)};
        i18n_format(out, cap, ui_tr(ui, waitlist ? STR_TICKET_FAILED_WAITLIST : STR_TICKET_FAILED),
                    args, 1);
        return;
    }
    case TICKET_ON_SCREEN:
        snprintf(out, cap, "%s",
                 ui_tr(ui, waitlist ? STR_TICKET_ON_SCREEN_WAITLIST : STR_TICKET_ON_SCREEN));
        return;
    case TICKET_NONE:
        break;
    }
    snprintf(out, cap, "%s", ui_tr(ui, s->done_existing ? STR_EXISTING_HINT : STR_CODE_HINT));
}

void view_done(struct ui *ui, const struct app_state *s)
{
    const struct theme *t = &ui->theme;
    int x = t->pad, w = ui->w - 2 * t->pad;
    /* With a QR on screen, it takes the left part and the words the right. */
    bool with_qr = s->qr_side > 0 && (s->ticket == TICKET_FAILED || s->ticket == TICKET_ON_SCREEN);
    /* The button first: the rest gets the room above it. */
    int bw = ui->w / 3, bh = t->touch_min * 5 / 4;
    int by = ui->h - t->pad - bh;
    int qr_side = 0;
    if (with_qr) {
        qr_side = by - t->gap - 2 * t->pad;
        if (qr_side > ui->w * 45 / 100)
            qr_side = ui->w * 45 / 100;
        x = 2 * t->pad + qr_side;
        w = ui->w - x - t->pad;
    }
    int cx = x + w / 2; /* the centre of the words' column */
    if (bw > w)
        bw = w;
    if (ui_button(ui, "finish", (struct rect){cx - bw / 2, by, bw, bh}, ui_tr(ui, STR_FINISH),
                  ICON_HOME, STYLE_PRIMARY))
        ui_emit(ui, (struct action){.kind = ACT_HOME});
    const struct session *ses = NULL;
    for (size_t i = 0; i < s->n_sessions; i++)
        if (strcmp(s->catalogue[i].id, s->done.session_id) == 0)
            ses = &s->catalogue[i];

    bool waitlist = s->done.status == REGISTRATION_WAITLIST && !s->done_existing;
    char title[400], about[400] = "", arrive[400] = "", code[24];
    const char *name[] = {s->done.first_name};
    i18n_format(title, sizeof title,
                ui_tr(ui, waitlist           ? STR_DONE_WAITLIST_TITLE
                          : s->done_existing ? STR_DONE_EXISTING
                                             : STR_DONE_TITLE),
                name, 1);
    if (ses) {
        char date[64], from[8];
        ui_date_long(ui, ses->starts_at, date, sizeof date);
        ui_time(ses->starts_at, from, sizeof from);
        snprintf(about, sizeof about, "%s — %s, %s", ses->title, date, from);
        const char *room[] = {ses->room_name};
        i18n_format(arrive, sizeof arrive,
                    ui_tr(ui, s->done.checked_in_at ? STR_CHECKED_IN_NOW : STR_ARRIVE_HINT), room,
                    1);
    }
    int arrive_lines = 2;
    if (waitlist) {
        snprintf(arrive, sizeof arrive, "%s", ui_tr(ui, STR_DONE_WAITLIST_HINT));
        arrive_lines = 5;
    }
    /* The code, big and spaced "ABCD-EFGH1", on a card: the one thing to keep. */
    text_short_code_grouped(s->done.short_code, code, sizeof code);

    char hint[600];
    ticket_hint(ui, s, hint, sizeof hint);
    if (with_qr) /* a square, whole height: large enough to photograph from arm's length */
        ui_qr(ui,
              (struct rect){t->pad, t->pad + (ui->h - 2 * t->pad - qr_side) / 2, qr_side, qr_side},
              s->qr, s->qr_side);

    /* Blocks in screen order; each is shown if it fits, the most important first. */
    enum { MARK, TITLE, ABOUT, CARD, HINT, ARRIVE, BLOCKS };
    /* A ticket not printed: the code and saying so come right after the title, before the
    ** rest; the sentence gets the lines that are left (its first ones say what to do). A
    ** ticket printing or printed: saying so ("take it") comes before the session's words. */
    static const int usual[BLOCKS] = {TITLE, CARD, ARRIVE, ABOUT, HINT, MARK};
    static const int no_paper[BLOCKS] = {TITLE, CARD, HINT, ARRIVE, ABOUT, MARK};
    /* On the waiting list: what that means comes before anything else but the title. */
    static const int waiting[BLOCKS] = {TITLE, ARRIVE, CARD, HINT, ABOUT, MARK};
    const int *priority = waitlist ? waiting : s->ticket != TICKET_NONE ? no_paper : usual;
    int hint_lines = 5;
    int isz = ui_line_height(ui, FONT_HUGE);
    int card_h = ui_line_height(ui, FONT_HUGE) + ui_line_height(ui, FONT_BODY) + 3 * t->gap;
    int h[BLOCKS] = {
        [MARK] = isz + t->pad,
        [TITLE] = ui_text_wrap_height(ui, w, FONT_TITLE, title, 2) + t->gap,
        [ABOUT] = about[0] ? ui_text_wrap_height(ui, w, FONT_BODY_BOLD, about, 2) + t->pad : 0,
        /* Someone already registered under this name is not shown the code again: a namesake
         ** would walk away with another person's ticket. The desk gives it back. */
        [CARD] = s->done_existing ? 0 : card_h + t->pad,
        [HINT] = ui_text_wrap_height(ui, w, FONT_BODY, hint, 5),
        [ARRIVE] = arrive[0] ? ui_text_wrap_height(ui, w, FONT_BODY_BOLD, arrive, arrive_lines) +
                                   (waitlist ? t->gap : 0)
                             : 0,
    };
    bool show[BLOCKS] = {false};
    int room = by - t->gap - t->pad, used = 0;
    if (with_qr) {
        while (hint_lines > 2 && h[TITLE] + h[CARD] + h[HINT] + (waitlist ? h[ARRIVE] : 0) > room) {
            hint_lines--;
            h[HINT] = ui_text_wrap_height(ui, w, FONT_BODY, hint, hint_lines);
        }
    }
    while (waitlist && arrive_lines > 2 && h[TITLE] + h[ARRIVE] + h[CARD] > room) {
        arrive_lines--;
        h[ARRIVE] = ui_text_wrap_height(ui, w, FONT_BODY_BOLD, arrive, arrive_lines) + t->gap;
    }
    for (int i = 0; i < BLOCKS; i++) {
        if (used + h[priority[i]] <= room) {
            show[priority[i]] = true;
            used += h[priority[i]];
        }
    }
    int y = t->pad + (room - used) / 3;

    if (show[MARK]) {
        uint32_t mark = waitlist ? t->warn : s->done_existing ? t->primary : t->ok;
        uint32_t mark_text = waitlist           ? t->warn_text
                             : s->done_existing ? t->primary_text
                                                : t->ok_text;
        ui_rect(ui, (struct rect){cx - isz / 2, y, isz, isz}, mark, isz / 2, 0);
        ui_icon(ui, (struct rect){cx - isz / 2 + isz / 5, y + isz / 5, isz * 3 / 5, isz * 3 / 5},
                waitlist ? ICON_CLOCK : ICON_CHECK, mark_text);
        y += h[MARK];
    }
    if (show[TITLE]) {
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_TITLE, waitlist ? t->warn : t->text, title,
                     2, true);
        y += h[TITLE];
    }
    if (waitlist && show[ARRIVE]) {
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY_BOLD, t->text, arrive, arrive_lines,
                     true);
        y += h[ARRIVE];
    }
    if (show[ABOUT]) {
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY_BOLD, t->text, about, 2, true);
        y += h[ABOUT];
    }
    if (show[CARD] && !s->done_existing) {
        int cw = ui_text_width(ui, FONT_HUGE, code) + 4 * t->pad;
        if (cw > w)
            cw = w;
        struct rect card = {cx - cw / 2, y, cw, card_h};
        ui_rect(ui, card, t->surface, t->radius, 0);
        ui_rect(ui, card, t->focus, t->radius, 4);
        const char *label = ui_tr(ui, STR_YOUR_CODE);
        ui_text(ui, card.x + (cw - ui_text_width(ui, FONT_BODY, label)) / 2, y + t->gap, FONT_BODY,
                t->text_muted, label, cw);
        ui_text(ui, card.x + (cw - ui_text_width(ui, FONT_HUGE, code)) / 2,
                y + t->gap + ui_line_height(ui, FONT_BODY), FONT_HUGE, t->text, code, cw);
        y += h[CARD];
    }
    if (show[HINT]) {
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY, t->text, hint, hint_lines, true);
        y += h[HINT];
    }
    if (show[ARRIVE] && !waitlist)
        ui_text_wrap(ui, (struct rect){x, y, w, 0}, FONT_BODY_BOLD, t->text, arrive, 2, true);
}
