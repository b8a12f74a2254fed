/*
 * Tests for the CLI's terminal output. The test binaries link vigil_core
 * only, so the CLI sources are included here directly.
 */
#include "cli/progress.c"
#include "cli/term.c"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#define MAX_TABLE (1 << 20)

/* Render through table_write() to a memstream (not a terminal: width 120, no colour). */
static char *render(const struct table *t, enum term_mode mode)
{
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    cr_assert_not_null(fp);
    cr_assert_eq(table_write(t, fp, mode), 0);
    fclose(fp);
    return p;
}

static char *format(const struct table *t, struct table_fmt f)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    cr_assert_eq(table_format(t, &f, &b), 0);
    char *s = buf_take(&b);
    return s ? s : strdup("");
}

static void expect_render(const struct table *t, enum term_mode mode, const char *want)
{
    char *got = render(t, mode);
    cr_assert_str_eq(got, want);
    free(got);
}

/* host / count / msg, the shape of a typical summary. */
static void basic_table(struct table *t)
{
    table_init(t, MAX_TABLE);
    table_add_col(t, "host", TABLE_LEFT);
    table_add_col(t, "count", TABLE_RIGHT);
    table_add_col(t, "msg", TABLE_LEFT);
    table_row(t);
    table_cell_c(t, "web-1");
    table_cell_count(t, 12);
    table_cell_c(t, "ok");
    table_row(t);
    table_cell_c(t, "db");
    table_cell_count(t, 1234567);
    table_cell_c(t, "slow query");
}

/* ---- TTY --------------------------------------------------------------- */

Test(term_tty, aligned_columns)
{
    struct table t;
    basic_table(&t);
    expect_render(&t, TERM_TTY,
                  "host       count  msg\n"
                  "-----  ---------  ----------\n"
                  "web-1         12  ok\n"
                  "db     1,234,567  slow query\n");
    table_fini(&t);
}

Test(term_tty, empty_table_shows_header)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "name", TABLE_LEFT);
    table_add_col(&t, "n", TABLE_RIGHT);
    expect_render(&t, TERM_TTY, "name  n\n----  -\n");
    table_fini(&t);

    table_init(&t, MAX_TABLE);
    expect_render(&t, TERM_TTY, "");
    table_fini(&t);
}

Test(term_tty, null_and_short_rows)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    table_add_col(&t, "b", TABLE_RIGHT);
    table_add_col(&t, "c", TABLE_LEFT);
    table_row(&t);
    table_cell_c(&t, "x");
    table_row(&t);
    table_cell_null(&t);
    table_cell_i64(&t, -5);
    table_cell_c(&t, "z");
    expect_render(&t, TERM_TTY,
                  "a   b  c\n"
                  "-  --  -\n"
                  "x\n"
                  "   -5  z\n");
    table_fini(&t);
}

Test(term_tty, hostile_cells_are_escaped)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "evil\x1b]0;pwned\x07", TABLE_LEFT);
    table_row(&t);
    /* ESC sequence, CR, LF, tab, an invalid byte, C1 CSI, a bidi override, DEL. */
    table_cell_c(&t, "a\x1b[31mred\r\n\tz\xff\xc2\x9b\xe2\x80\xae\x7f");
    char *got = render(&t, TERM_TTY);
    cr_assert_str_eq(got, "evil\\x1b]0;pwned\\x07\n"
                          "---------------------------------------\n"
                          "a\\x1b[31mred\\r\\n\\tz\\xff\\u009b\\u202e\\x7f\n");
    cr_assert_null(strchr(got, '\x1b'));
    cr_assert_null(strchr(got, '\r'));
    free(got);
    table_fini(&t);
}

Test(term_tty, printable_utf8_kept)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "user", TABLE_LEFT);
    table_add_col(&t, "n", TABLE_RIGHT);
    table_row(&t);
    table_cell_c(&t, "jos\xc3\xa9");
    table_cell_i64(&t, 1);
    table_row(&t);
    table_cell_c(&t, "\xe6\x97\xa5\xe6\x9c\xac"); /* two wide characters: 4 columns */
    table_cell_i64(&t, 2);
    expect_render(&t, TERM_TTY,
                  "user  n\n"
                  "----  -\n"
                  "jos\xc3\xa9  1\n"
                  "\xe6\x97\xa5\xe6\x9c\xac  2\n");
    table_fini(&t);
}

Test(term_tty, truncates_widest_column_to_width)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "id", TABLE_RIGHT);
    table_add_col(&t, "message", TABLE_LEFT);
    table_row(&t);
    table_cell_i64(&t, 1);
    table_cell_c(&t, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    char *got = format(&t, (struct table_fmt){.mode = TERM_TTY, .width = 20});
    cr_assert_str_eq(got, "id  message\n"
                          "--  ----------------\n"
                          " 1  xxxxxxxxxxxxxxx\xe2\x80\xa6\n");
    free(got);
    table_fini(&t);
}

Test(term_tty, shares_width_between_long_columns)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    table_add_col(&t, "b", TABLE_LEFT);
    table_add_col(&t, "c", TABLE_LEFT);
    table_row(&t);
    table_cell_c(&t, "0123456789abcdef");
    table_cell_c(&t, "k");
    table_cell_c(&t, "0123456789abcdef");
    /* 25 columns, 4 of gaps: 21 = 10 + 1 + 10. */
    char *got = format(&t, (struct table_fmt){.mode = TERM_TTY, .width = 25});
    cr_assert_str_eq(got, "a           b  c\n"
                          "----------  -  ----------\n"
                          "012345678\xe2\x80\xa6  k  012345678\xe2\x80\xa6\n");
    free(got);
    /* One more column goes to the leftmost capped column. */
    got = format(&t, (struct table_fmt){.mode = TERM_TTY, .width = 26});
    cr_assert_str_eq(got, "a            b  c\n"
                          "-----------  -  ----------\n"
                          "0123456789\xe2\x80\xa6  k  012345678\xe2\x80\xa6\n");
    free(got);
    table_fini(&t);
}

Test(term_tty, very_long_cell_fits_default_width)
{
    size_t n = 1 << 20;
    char *big = malloc(n);
    memset(big, 'A', n);
    big[n / 2] = '\x1b';
    struct table t;
    table_init(&t, 4 * n);
    table_add_col(&t, "v", TABLE_LEFT);
    table_row(&t);
    table_cell(&t, str_make(big, n));
    char *got = render(&t, TERM_TTY);
    const char *row = strchr(strchr(got, '\n') + 1, '\n') + 1;
    cr_assert_eq(strlen(row), 119 + 3 + 1); /* 119 A's, "…", newline */
    cr_assert_eq(strncmp(row + 119, "\xe2\x80\xa6\n", 4), 0);
    cr_assert_null(strchr(got, '\x1b'));
    free(got);
    free(big);
    table_fini(&t);
}

Test(term_tty, bold_header_when_colour)
{
    struct table t;
    basic_table(&t);
    char *got = format(&t, (struct table_fmt){.mode = TERM_TTY, .color = true});
    cr_assert_eq(strncmp(got, "\x1b[1mhost       count  msg\x1b[0m\n", 30), 0);
    free(got);
    table_fini(&t);
}

/* ---- CSV --------------------------------------------------------------- */

Test(term_csv, rfc4180_quoting)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    table_add_col(&t, "b,c", TABLE_LEFT);
    table_add_col(&t, "n", TABLE_RIGHT);
    table_row(&t);
    table_cell_c(&t, "plain");
    table_cell_c(&t, "say \"hi\", \"bye\"");
    table_cell_count(&t, 1234567);
    table_row(&t);
    table_cell_c(&t, "line\nbreak\r");
    table_cell_c(&t, "");
    table_cell_null(&t);
    table_row(&t);
    table_cell_c(&t, "\"");
    table_cell_c(&t, " spaced ");
    table_cell_num(&t, STR_LIT("-1.5"));
    expect_render(&t, TERM_CSV,
                  "a,\"b,c\",n\n"
                  "plain,\"say \"\"hi\"\", \"\"bye\"\"\",1234567\n"
                  "\"line\nbreak\r\",,\n"
                  "\"\"\"\", spaced ,-1.5\n");
    table_fini(&t);
}

Test(term_csv, escapes_controls_on_a_terminal)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "m", TABLE_LEFT);
    table_row(&t);
    table_cell_c(&t, "a\x1b[2J\nb,c");
    char *got = format(&t, (struct table_fmt){.mode = TERM_CSV});
    cr_assert_str_eq(got, "m\n\"a\x1b[2J\nb,c\"\n");
    free(got);
    got = format(&t, (struct table_fmt){.mode = TERM_CSV, .escape_controls = true});
    cr_assert_str_eq(got, "m\n\"a\\x1b[2J\\nb,c\"\n");
    free(got);
    table_fini(&t);
}

/* ---- JSON -------------------------------------------------------------- */

static void json_table(struct table *t)
{
    table_init(t, MAX_TABLE);
    table_add_col(t, "name", TABLE_LEFT);
    table_add_col(t, "n", TABLE_RIGHT);
    table_add_col(t, "x", TABLE_RIGHT);
    table_row(t);
    table_cell_c(t, "a\"b\\\n");
    table_cell_count(t, 1234567);
    table_cell_num(t, STR_LIT("-1.5e3"));
    table_row(t);
    table_cell_c(t, "\x1b\xff\xc2\x9b\xe2\x80\xae\xc3\xa9");
    table_cell_num(t, STR_LIT("0x10"));
    table_cell_null(t);
}

#define JSON_ROW1 "{\"name\":\"a\\\"b\\\\\\n\",\"n\":1234567,\"x\":-1.5e3}"
#define JSON_ROW2 "{\"name\":\"\\u001b\\u00ff\\u009b\\u202e\xc3\xa9\",\"n\":\"0x10\",\"x\":null}"

Test(term_json, array)
{
    struct table t;
    json_table(&t);
    expect_render(&t, TERM_JSON, "[\n" JSON_ROW1 ",\n" JSON_ROW2 "\n]\n");
    table_fini(&t);
}

Test(term_json, lines)
{
    struct table t;
    json_table(&t);
    expect_render(&t, TERM_JSONL, JSON_ROW1 "\n" JSON_ROW2 "\n");
    table_fini(&t);
}

Test(term_json, empty)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    expect_render(&t, TERM_JSON, "[]\n");
    expect_render(&t, TERM_JSONL, "");
    table_fini(&t);
}

Test(term_json, parses_back)
{
    struct table t;
    json_table(&t);
    char *got = render(&t, TERM_JSON);
    cJSON *doc = cJSON_Parse(got);
    cr_assert_not_null(doc);
    cr_assert_eq(cJSON_GetArraySize(doc), 2);
    cJSON *row = cJSON_GetArrayItem(doc, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(row, "name")->valuestring, "a\"b\\\n");
    cr_assert_eq(cJSON_GetObjectItem(row, "n")->valuedouble, 1234567.0);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(doc, 1), "x")));
    cJSON_Delete(doc);
    free(got);
    table_fini(&t);
}

Test(term_json, invisible_characters)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    table_add_col(&t, "u", TABLE_LEFT);
    table_row(&t);
    table_cell_c(&t, "ad\xe2\x80\x8bmin\xf3\xa0\x81\x81\xf0\x9f\x98\x80");
    /* The tag character becomes a surrogate pair; the emoji stays as is. */
    expect_render(&t, TERM_JSONL, "{\"u\":\"ad\\u200bmin\\udb40\\udc41\xf0\x9f\x98\x80\"}\n");
    char *got = render(&t, TERM_JSON);
    cJSON *doc = cJSON_Parse(got);
    cr_assert_not_null(doc);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(doc, 0), "u")->valuestring,
                     "ad\xe2\x80\x8bmin\xf3\xa0\x81\x81\xf0\x9f\x98\x80");
    cJSON_Delete(doc);
    free(got);
    table_fini(&t);
}

Test(term_json, number_grammar)
{
    const char *yes[] = {"0", "-0", "42", "-1.5", "1e5", "1E+5", "2.5e-3", "10"};
    const char *no[] = {"", "-", "01", "1.", ".5", "+1", "0x10", "NaN", "inf", "1e", "1 ", "--1"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        cr_assert(is_json_number(str_c(yes[i])), "%s", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        cr_assert(!is_json_number(str_c(no[i])), "%s", no[i]);
}

/* ---- table errors ------------------------------------------------------ */

Test(term_table, errors_are_sticky)
{
    struct table t;
    table_init(&t, MAX_TABLE);
    cr_assert_eq(table_row(&t), E_STATE);
    table_fini(&t);

    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    cr_assert_eq(table_cell_c(&t, "x"), E_STATE); /* no row yet */
    table_fini(&t);

    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    table_row(&t);
    table_cell_c(&t, "x");
    cr_assert_eq(table_cell_c(&t, "y"), E_INVAL);
    cr_assert_eq(table_add_col(&t, "b", TABLE_LEFT), E_INVAL);
    cr_assert_eq(table_write(&t, stdout, TERM_TTY), E_INVAL);
    table_fini(&t);

    table_init(&t, MAX_TABLE);
    table_add_col(&t, "a", TABLE_LEFT);
    table_row(&t);
    cr_assert_eq(table_add_col(&t, "b", TABLE_LEFT), E_STATE);
    table_fini(&t);
}

Test(term_table, byte_ceiling)
{
    struct table t;
    table_init(&t, 200);
    table_add_col(&t, "a", TABLE_LEFT);
    int rc = 0;
    for (int i = 0; i < 100 && rc == 0; i++) {
        rc = table_row(&t);
        if (rc == 0)
            rc = table_cellf(&t, "row %d", i);
    }
    cr_assert_eq(rc, E_TOOBIG);
    cr_assert_leq(t.n_bytes, 200);
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    struct table_fmt f = {.mode = TERM_CSV};
    cr_assert_eq(table_format(&t, &f, &b), E_TOOBIG);
    buf_fini(&b);
    table_fini(&t);
}

Test(term_table, output_ceiling)
{
    struct table t;
    basic_table(&t);
    struct buf b;
    buf_init(&b, 1);
    struct table_fmt f = {.mode = TERM_JSON};
    cr_assert_eq(table_format(&t, &f, &b), E_TOOBIG);
    buf_fini(&b);
    table_fini(&t);
}

/* ---- escaping helpers -------------------------------------------------- */

#define ESCAPED(lit) escaped(lit, sizeof(lit) - 1)

static char *escaped(const char *s, size_t len)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    term_escape(&b, str_make(s, len));
    char *out = buf_take(&b);
    return out ? out : strdup("");
}

Test(term_escape, bytes)
{
    char *got = ESCAPED("\0\x01 ok\\path\xc0\xaf\xed\xa0\x80");
    /* NUL, SOH, an overlong '/', a surrogate: all shown as bytes. */
    cr_assert_str_eq(got, "\\x00\\x01 ok\\path\\xc0\\xaf\\xed\\xa0\\x80");
    free(got);
    got = ESCAPED("\xe2\x80\xa8|\xe2\x81\xa6|\xd8\x9c");
    cr_assert_str_eq(got, "\\u2028|\\u2066|\\u061c");
    free(got);
    /* Invisible characters: zero-width space, BOM, a tag letter (U+E0041). */
    got = ESCAPED("ad\xe2\x80\x8bmin\xef\xbb\xbf\xf3\xa0\x81\x81");
    cr_assert_str_eq(got, "ad\\u200bmin\\ufeff\\U000e0041");
    free(got);
    got = ESCAPED("\xe2\x82"); /* truncated sequence */
    cr_assert_str_eq(got, "\\xe2\\x82");
    free(got);
}

Test(term_escape, width)
{
    cr_assert_eq(term_escaped_width(STR_LIT("abc")), 3);
    cr_assert_eq(term_escaped_width(STR_LIT("\x1b")), 4);
    cr_assert_eq(term_escaped_width(STR_LIT("\n")), 2);
    cr_assert_eq(term_escaped_width(STR_LIT("\xe6\x97\xa5")), 2);
    cr_assert_eq(term_escaped_width(STR_LIT("e\xcc\x81")), 1); /* e + combining acute */
    cr_assert_eq(term_escaped_width(STR_LIT("\xc2\x9b")), 6);
    cr_assert_eq(term_escaped_width(STR_NULL), 0);
}

Test(term_escape, fit_never_splits_an_escape)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    cr_assert_eq(term_escape_fit(&b, STR_LIT("abc\x1b"), 5), 4);
    cr_assert_str_eq(b.p, "abc\xe2\x80\xa6");
    buf_reset(&b);
    cr_assert_eq(term_escape_fit(&b, STR_LIT("abc\x1b"), 7), 7);
    cr_assert_str_eq(b.p, "abc\\x1b");
    buf_reset(&b);
    cr_assert_eq(term_escape_fit(&b, STR_LIT("\xe6\x97\xa5\xe6\x9c\xac"), 3), 3);
    cr_assert_str_eq(b.p, "\xe6\x97\xa5\xe2\x80\xa6");
    buf_reset(&b);
    cr_assert_eq(term_escape_fit(&b, STR_LIT("abc"), 0), 0);
    buf_fini(&b);
}

/* ---- human units ------------------------------------------------------- */

static void expect_bytes(uint64_t n, const char *want)
{
    char out[TERM_HUMAN_MAX];
    cr_assert_str_eq(term_human_bytes(out, sizeof(out), n), want, "%llu", (unsigned long long)n);
}

static void expect_duration(int64_t ns, const char *want)
{
    char out[TERM_HUMAN_MAX];
    cr_assert_str_eq(term_human_duration(out, sizeof(out), ns), want, "%lld", (long long)ns);
}

static void expect_thousands(int64_t v, const char *want)
{
    char out[TERM_HUMAN_MAX];
    cr_assert_str_eq(term_thousands(out, sizeof(out), v), want);
}

Test(term_human, bytes)
{
    expect_bytes(0, "0 B");
    expect_bytes(1023, "1023 B");
    expect_bytes(1024, "1.0 KiB");
    expect_bytes(1536, "1.5 KiB");
    expect_bytes(12897485, "12.3 MiB");
    expect_bytes(1048575, "1.0 MiB");
    expect_bytes(1048524, "1023.9 KiB");
    expect_bytes(5ull << 30, "5.0 GiB");
    expect_bytes(UINT64_MAX, "16.0 EiB");
}

Test(term_human, durations)
{
    expect_duration(-5, "0 ns");
    expect_duration(0, "0 ns");
    expect_duration(999, "999 ns");
    expect_duration(1000, "1.00 \xc2\xb5s");
    expect_duration(12500, "12.5 \xc2\xb5s");
    expect_duration(999499, "999 \xc2\xb5s");
    expect_duration(999500, "1.00 ms");
    expect_duration(830 * NS_PER_MS, "830 ms");
    expect_duration(999600 * NS_PER_US, "1.00 s");
    expect_duration(1250 * NS_PER_MS, "1.25 s");
    expect_duration(42 * NS_PER_SEC, "42.0 s");
    expect_duration(59960 * NS_PER_MS, "1 min 00 s");
    expect_duration(125 * NS_PER_SEC, "2 min 05 s");
    expect_duration(3599600 * NS_PER_MS, "1 h 00 min");
    expect_duration((3 * 3600 + 7 * 60) * NS_PER_SEC, "3 h 07 min");
    expect_duration(2 * NS_PER_DAY + 4 * 3600 * NS_PER_SEC, "2 d 04 h");
    expect_duration(INT64_MAX, "106752 d 00 h");
}

Test(term_human, thousands)
{
    expect_thousands(0, "0");
    expect_thousands(999, "999");
    expect_thousands(1000, "1,000");
    expect_thousands(-1234567, "-1,234,567");
    expect_thousands(123456, "123,456");
    expect_thousands(INT64_MIN, "-9,223,372,036,854,775,808");
}

/* ---- colour and terminal facts ----------------------------------------- */

Test(term_color, not_a_terminal)
{
    char *p = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&p, &n);
    cr_assert(!term_is_tty(fp));
    cr_assert_eq(term_width(fp), TERM_DEFAULT_WIDTH);
    cr_assert(!term_color_enabled(fp));
    term_error(fp, "bad line %d: %s", 3, "x\x1b[2Jy");
    fclose(fp);
    cr_assert_str_eq(p, "error: bad line 3: x\\x1b[2Jy\n");
    free(p);
}

/* ---- progress ---------------------------------------------------------- */

static struct progress fixed_progress(const char *label, uint64_t total, unsigned width)
{
    struct progress p = {
        .label = label,
        .total_bytes = total,
        .bytes = 25ull << 20,
        .events = 100000,
        .quarantined = 3,
        .start_ns = 0,
        .width = width,
    };
    return p;
}

static char *progress_text(const struct progress *p, int64_t now)
{
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    progress_format(p, now, &b);
    char *out = buf_take(&b);
    return out ? out : strdup("");
}

Test(term_progress, known_total)
{
    struct progress p = fixed_progress("ingest", 100ull << 20, 120);
    char *got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "ingest [#####...............]  25.0%  25.0 MiB / 100.0 MiB  "
                          "50,000 ev/s  3 quarantined  ETA 6.00 s");
    free(got);
    p.bytes = 200ull << 20; /* past the total: clamp, no ETA */
    got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "ingest [####################] 100.0%  200.0 MiB / 100.0 MiB  "
                          "50,000 ev/s  3 quarantined");
    free(got);
}

Test(term_progress, bar_goes_first_when_narrow)
{
    struct progress p = fixed_progress("ingest", 100ull << 20, 100);
    char *got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "ingest [#####...............]  25.0%  25.0 MiB / 100.0 MiB  "
                          "50,000 ev/s  3 quarantined  ETA 6.00 s");
    free(got);
    p.width = 90;
    got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "ingest  25.0%  25.0 MiB / 100.0 MiB  50,000 ev/s  3 quarantined  "
                          "ETA 6.00 s");
    free(got);
}

Test(term_progress, unknown_total)
{
    struct progress p = fixed_progress("ingest", 0, 120);
    char *got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "ingest 25.0 MiB  50,000 ev/s  3 quarantined  2.00 s");
    free(got);
    got = progress_text(&p, 0); /* no time yet: no division by zero */
    cr_assert_str_eq(got, "ingest 25.0 MiB  0 ev/s  3 quarantined  0 ns");
    free(got);
}

Test(term_progress, fits_the_terminal)
{
    struct progress p = fixed_progress("a-rather-long-file-name.jsonl", 0, 60);
    char *got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "a-rather-long\xe2\x80\xa6 25.0 MiB  50,000 ev/s  3 quarantined  2.00 s");
    cr_assert_eq(term_escaped_width(str_c(got)), 59);
    free(got);
    p.width = 20;
    got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "25.0 MiB  50,000 e\xe2\x80\xa6");
    free(got);
    p = fixed_progress("evil\x1b]2;x\x07", 0, 120);
    got = progress_text(&p, 2 * NS_PER_SEC);
    cr_assert_str_eq(got, "evil\\x1b]2;x\\x07 25.0 MiB  50,000 ev/s  3 quarantined  2.00 s");
    free(got);
}

Test(term_progress, draws_only_on_a_terminal)
{
    char *out = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&out, &n);
    struct progress p;
    progress_init(&p, fp, "x", 100);
    cr_assert(!p.enabled);
    p.last_draw_ns -= 2 * PROGRESS_REDRAW_NS;
    progress_update(&p, 50, 1, 0);
    progress_finish(&p);
    fflush(fp);
    cr_assert_eq(n, 0);

    /* Pretend it is a terminal: a redraw is due, then throttled, then cleared. */
    p.enabled = true;
    p.last_draw_ns -= 2 * PROGRESS_REDRAW_NS;
    progress_update(&p, 50, 1, 0);
    fflush(fp);
    cr_assert_eq(strncmp(out, "\rx [##########..........]  50.0%", 32), 0);
    cr_assert_eq(strcmp(out + n - 3, "\x1b[K"), 0);
    size_t first = n;
    progress_update(&p, 60, 2, 0);
    fflush(fp);
    cr_assert_eq(n, first);
    progress_finish(&p);
    fclose(fp);
    cr_assert_str_eq(out + first, "\r\x1b[K");
    free(out);
}
