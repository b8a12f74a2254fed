#include "cli/term.h"

#include "base/clock.h"

#include <stdbool.h>

#define BAR_COLS 20
/* Erase from the cursor to the end of the line. */
#define CLEAR_EOL "\x1b[K"

void progress_init(struct progress *p, FILE *fp, const char *label, uint64_t total_bytes)
{
    *p = (struct progress){
        .fp = fp,
        .label = label ? label : "",
        .total_bytes = total_bytes,
        .start_ns = clock_mono_ns(),
        .width = term_width(fp),
        .enabled = term_is_tty(fp),
    };
    p->last_draw_ns = p->start_ns;
}

/* A label is cut to fit down to this many columns; below that it is left out. */
#define LABEL_MIN_COLS 8

static void put_bar(struct buf *b, uint64_t done, uint64_t total)
{
    size_t fill = (size_t)((double)done / (double)total * BAR_COLS);
    buf_putc(b, '[');
    for (size_t i = 0; i < BAR_COLS; i++)
        buf_putc(b, i < fill ? '#' : '.');
    buf_append_c(b, "] ");
}

/* Everything but the label and the bar. */
static void put_stats(const struct progress *p, int64_t elapsed, struct buf *b)
{
    char bytes[TERM_HUMAN_MAX], total[TERM_HUMAN_MAX], rate[TERM_HUMAN_MAX];
    char quarantined[TERM_HUMAN_MAX], time[TERM_HUMAN_MAX];
    double secs = (double)elapsed / (double)NS_PER_SEC;
    double ev_rate = secs > 0 ? (double)p->events / secs : 0;
    term_thousands(rate, sizeof(rate), ev_rate < 9e18 ? (int64_t)(ev_rate + 0.5) : INT64_MAX);
    term_thousands(quarantined, sizeof(quarantined),
                   p->quarantined < INT64_MAX ? (int64_t)p->quarantined : INT64_MAX);
    term_human_bytes(bytes, sizeof(bytes), p->bytes);
    if (p->total_bytes == 0) {
        term_human_duration(time, sizeof(time), elapsed);
        buf_printf(b, "%s  %s ev/s  %s quarantined  %s", bytes, rate, quarantined, time);
        return;
    }
    uint64_t done = p->bytes < p->total_bytes ? p->bytes : p->total_bytes;
    term_human_bytes(total, sizeof(total), p->total_bytes);
    buf_printf(b, "%5.1f%%  %s / %s  %s ev/s  %s quarantined",
               (double)done / (double)p->total_bytes * 100.0, bytes, total, rate, quarantined);
    if (done > 0 && done < p->total_bytes) {
        double left = (double)elapsed * (double)(p->total_bytes - done) / (double)done;
        term_human_duration(time, sizeof(time), left < 9e18 ? (int64_t)left : INT64_MAX);
        buf_printf(b, "  ETA %s", time);
    }
}

/*
 * The text of the progress line at now_ns, without the carriage return and
 * erase codes, in one column less than the terminal so it never wraps (a
 * wrapped line cannot be redrawn with \r). When space is short the bar goes
 * first, then the label is cut, then the numbers.
 */
static void progress_format(const struct progress *p, int64_t now_ns, struct buf *out)
{
    int64_t elapsed = now_ns > p->start_ns ? now_ns - p->start_ns : 0;
    struct buf stats;
    buf_init(&stats, BUF_UNBOUNDED);
    put_stats(p, elapsed, &stats);

    size_t avail = p->width > 1 ? p->width - 1 : 0;
    size_t stats_cols = term_escaped_width(buf_str(&stats));
    struct str label = str_c(p->label);
    size_t label_cols = term_escaped_width(label);
    size_t label_min = label_cols < LABEL_MIN_COLS ? label_cols : LABEL_MIN_COLS;
    bool placed = false;
    for (int with_bar = p->total_bytes > 0; with_bar >= 0 && !placed; with_bar--) {
        size_t need = stats_cols + (with_bar ? BAR_COLS + 3 : 0) + (label_cols ? 1 : 0);
        if (need > avail || avail - need < label_min)
            continue;
        if (label_cols) {
            term_escape_fit(out, label, avail - need);
            buf_putc(out, ' ');
        }
        if (with_bar)
            put_bar(out, p->bytes < p->total_bytes ? p->bytes : p->total_bytes, p->total_bytes);
        buf_append_str(out, buf_str(&stats));
        placed = true;
    }
    if (!placed)
        term_escape_fit(out, buf_str(&stats), avail);
    buf_fini(&stats);
}

static void progress_draw(struct progress *p, int64_t now_ns)
{
    struct buf line;
    buf_init(&line, BUF_UNBOUNDED);
    buf_putc(&line, '\r');
    progress_format(p, now_ns, &line);
    buf_append_c(&line, CLEAR_EOL);
    fwrite(line.p, 1, line.len, p->fp);
    fflush(p->fp);
    buf_fini(&line);
    p->last_draw_ns = now_ns;
    p->drawn = true;
}

void progress_update(struct progress *p, uint64_t bytes_done, uint64_t events, uint64_t quarantined)
{
    p->bytes = bytes_done;
    p->events = events;
    p->quarantined = quarantined;
    if (!p->enabled)
        return;
    /* Short jobs finish before the first redraw and never show a bar. */
    int64_t now = clock_mono_ns();
    if (now - p->last_draw_ns >= PROGRESS_REDRAW_NS)
        progress_draw(p, now);
}

void progress_finish(struct progress *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r" CLEAR_EOL, p->fp);
        fflush(p->fp);
    }
    p->drawn = false;
}
