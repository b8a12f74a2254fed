/*
 * test_parse.c - the query language: text -> IR dump, and every error with
 * its exact message. "now" is fixed at 2024-03-15T12:34:56Z.
 */
#include "base/buf.h"
#include "base/clock.h"
#include "core/field.h"
#include "query/query.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW_NS (1710506096LL * NS_PER_SEC)

struct ok_case {
    const char *in;
    const char *dump;
};

struct err_case {
    const char *in;
    int code;
    const char *msg;
};

static char *dump_of(const char *in, const struct query_opts *o)
{
    struct query *q = NULL;
    struct diag d = {0};
    int rc = query_parse(str_c(in), o, &q, &d);
    cr_assert_eq(rc, 0, "%s: %s %s", in, err_name(rc), d.msg);
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    cr_assert_eq(query_ir_dump(q, &b), 0);
    query_free(q);
    if (b.len && b.p[b.len - 1] == '\n')
        b.p[--b.len] = '\0';
    return buf_take(&b);
}

static void check_ok(const struct ok_case *c, size_t n)
{
    struct query_opts o = {.now_ns = NOW_NS};
    for (size_t i = 0; i < n; i++) {
        char *got = dump_of(c[i].in, &o);
        cr_expect_str_eq(got, c[i].dump, "%s\n got: %s\nwant: %s", c[i].in, got, c[i].dump);
        free(got);
    }
}

static void check_err_opts(const struct err_case *c, size_t n, const struct query_opts *o)
{
    for (size_t i = 0; i < n; i++) {
        struct query *q = (struct query *)1;
        struct diag d = {0};
        int rc = query_parse(str_c(c[i].in), o, &q, &d);
        cr_expect_eq(rc, c[i].code, "%s: got %s (%s)", c[i].in, err_name(rc), d.msg);
        cr_expect_null(q, "%s", c[i].in);
        cr_expect_str_eq(d.where, "query", "%s", c[i].in);
        cr_expect_str_eq(d.msg, c[i].msg, "%s\n got: %s\nwant: %s", c[i].in, d.msg, c[i].msg);
        cr_expect_eq(d.code, c[i].code);
        if (rc == 0)
            query_free(q);
    }
}

static void check_err(const struct err_case *c, size_t n)
{
    struct query_opts o = {.now_ns = NOW_NS};
    check_err_opts(c, n, &o);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define F(s) "filter: " s

/* ---- valid queries ----------------------------------------------------------- */

Test(parse, precedence_and_implicit_and)
{
    static const struct ok_case c[] = {
        {"event.code:4625 and source.ip:10.0.0.0/8 and not user.name:svc_*",
         F("(and (eq event.code 4625) (cidr source.ip 10.0.0.0/8) (not (wildcard user.name "
           "\"svc_*\")))")},
        {"a OR b AND c", F("(or (text \"a\") (and (text \"b\") (text \"c\")))")},
        {"a or b and not c", F("(or (text \"a\") (and (text \"b\") (not (text \"c\"))))")},
        {"not a and b", F("(and (not (text \"a\")) (text \"b\"))")},
        {"NOT (a OR b) c", F("(and (not (or (text \"a\") (text \"b\"))) (text \"c\"))")},
        {"a b c", F("(and (text \"a\") (text \"b\") (text \"c\"))")},
        {"a b or c d", F("(or (and (text \"a\") (text \"b\")) (and (text \"c\") (text \"d\")))")},
        {"A and (b or c) and d",
         F("(and (text \"A\") (or (text \"b\") (text \"c\")) (text \"d\"))")},
        {"(a and b) and (c and d)", F("(and (text \"a\") (text \"b\") (text \"c\") (text \"d\"))")},
        {"(a or b) or c", F("(or (text \"a\") (text \"b\") (text \"c\"))")},
        {"((a))", F("(text \"a\")")},
        {"not not a", F("(not (not (text \"a\")))")},
        {"a AnD b oR NoT c", F("(or (and (text \"a\") (text \"b\")) (not (text \"c\")))")},
        {"", F("true")},
        {"   ", F("true")},
        {"*", F("true")},
        {"a *", F("(text \"a\")")},
    };
    check_ok(c, N(c));
}

Test(parse, comparisons_and_values)
{
    static const struct ok_case c[] = {
        {"x:1 y=2 z==3", F("(and (eq x 1) (eq y 2) (eq z 3))")},
        {"x!=1", F("(ne x 1)")},
        {"x<1 x<=2 x>3 x>=4 x<>5", F("(and (lt x 1) (le x 2) (gt x 3) (ge x 4) (ne x 5))")},
        {"x: 1", F("(eq x 1)")},
        {"x:-5 y:1.5 z:1e3 w:0x10 v:007",
         F("(and (eq x -5) (eq y 1.5) (eq z 1000.0) (eq w \"0x10\") (eq v 7))")},
        {"x:true y:FALSE z>true", F("(and (eq x true) (eq y false) (gt z \"true\"))")},
        {"x:\"a b\" y:'c d'", F("(and (eq x \"a b\") (eq y \"c d\"))")},
        {"x:\"4625\"", F("(eq x \"4625\")")},
        {"x:\"say \\\"hi\\\"\"", F("(eq x \"say \\\"hi\\\"\")")},
        {"z:C:\\Windows\\System32", F("(eq z \"C:\\\\Windows\\\\System32\")")},
        {"x:a\\*b y:a\\ b z:a\\(b\\)", F("(and (eq x \"a*b\") (eq y \"a b\") (eq z \"a(b)\"))")},
        {"x:a,b", F("(eq x \"a,b\")")},
        {"a=b=c", F("(eq a \"b=c\")")},
        {"url:http://x/y", F("(eq url \"http://x/y\")")},
        {"x>abc", F("(gt x \"abc\")")},
        {"x:99999999999999999999", F("(eq x 1e+20)")},
    };
    check_ok(c, N(c));
}

Test(parse, wildcards_lists_word_operators)
{
    static const struct ok_case c[] = {
        {"x:svc_* y:?ab", F("(and (wildcard x \"svc_*\") (wildcard y \"?ab\"))")},
        {"x:\"C:\\\\Windows\\\\*\"", F("(wildcard x \"C:\\\\\\\\Windows\\\\\\\\*\")")},
        {"x:\"a\\*b*\"", F("(wildcard x \"a\\\\*b*\")")},
        {"x:*", F("(exists x)")},
        {"x:\"*\"", F("(exists x)")},
        {"x!=*", F("(not (exists x))")},
        {"x!=svc_*", F("(and (exists x) (not (wildcard x \"svc_*\")))")},
        {"x:(a or b or \"c d\")", F("(or (eq x \"a\") (eq x \"b\") (eq x \"c d\"))")},
        {"x:(1, 2, 3)", F("(or (eq x 1) (eq x 2) (eq x 3))")},
        {"x:(a OR b*)", F("(or (eq x \"a\") (wildcard x \"b*\"))")},
        {"x!=(a or b)", F("(and (exists x) (not (or (eq x \"a\") (eq x \"b\"))))")},
        {"x:(only)", F("(eq x \"only\")")},
        {"x in (a, b)", F("(or (eq x \"a\") (eq x \"b\"))")},
        {"x IN (\"a b\")", F("(eq x \"a b\")")},
        {"cmd contains \"x y\" cmd startswith C:\\Temp cmd endswith .exe",
         F("(and (contains cmd \"x y\") (startswith cmd \"C:\\\\Temp\") (endswith cmd \".exe\"))")},
        {"cmd CONTAINS a*b", F("(contains cmd \"a*b\")")},
        {"x matches \"^a\\\\d+\\\"q$\"", F("(regex x \"^a\\\\\\\\d+\\\"q$\")")},
        {"user logged in", F("(and (text \"user\") (text \"logged\") (text \"in\"))")},
        {"error contains", F("(and (text \"error\") (text \"contains\"))")},
        {"contains", F("(text \"contains\")")},
    };
    check_ok(c, N(c));
}

Test(parse, cidr)
{
    static const struct ok_case c[] = {
        {"ip:10.0.0.0/8", F("(cidr ip 10.0.0.0/8)")},
        {"ip:10.1.2.3/8", F("(cidr ip 10.0.0.0/8)")},
        {"ip:192.168.1.7/32 ip:0.0.0.0/0", F("(and (cidr ip 192.168.1.7/32) (cidr ip 0.0.0.0/0))")},
        {"ip:2001:db8::/32", F("(cidr ip 2001:db8::/32)")},
        {"ip:fe80::1/64 ip:::/0", F("(and (cidr ip fe80::/64) (cidr ip ::/0))")},
        {"ip:2001:DB8:0:0:8:800:200C:417A/128", F("(cidr ip 2001:db8::8:800:200c:417a/128)")},
        {"ip!=10.0.0.0/8", F("(and (exists ip) (not (cidr ip 10.0.0.0/8)))")},
        {"ip:(10.0.0.0/8 or 172.16.0.0/12)",
         F("(or (cidr ip 10.0.0.0/8) (cidr ip 172.16.0.0/12))")},
        {"ip:\"10.0.0.0/8\"", F("(eq ip \"10.0.0.0/8\")")},
        {"ip:10.0.0.1", F("(eq ip \"10.0.0.1\")")},
        {"ip:10.0.0.0/33", F("(eq ip \"10.0.0.0/33\")")},
        {"path:a/b", F("(eq path \"a/b\")")},
    };
    check_ok(c, N(c));
}

Test(parse, fields_and_virtual_fields)
{
    static const struct ok_case c[] = {
        {"EventID:4625 TargetUserName:admin",
         F("(and (eq EventID 4625) (eq TargetUserName \"admin\"))")},
        {"`weird name`:1 \"quoted field\":2 `a\\`b`:3",
         F("(and (eq `weird name` 1) (eq `quoted field` 2) (eq `a\\`b` 3))")},
        {"_time>=2024-03-01 @timestamp<now",
         F("(and (ge _time 2024-03-01T00:00:00Z) (lt _time 2024-03-15T12:34:56Z))")},
        {"_time>-1h _ingest_time<=1700000000",
         F("(and (gt _time 2024-03-15T11:34:56Z) (le _ingest_time 2023-11-14T22:13:20Z))")},
        {"_raw:*err* _id:5 source:syslog host:web1",
         F("(and (wildcard _raw \"*err*\") (eq _id 5) (eq source \"syslog\") (eq host.name "
           "\"web1\"))")},
        {"_time:*", F("(exists _time)")},
        {"exists user.name", F("(exists user.name)")},
        {"exists `a b` exists \"c\"", F("(and (exists `a b`) (exists c))")},
        {"exists", F("(text \"exists\")")},
        {"exists and x", F("(and (text \"exists\") (text \"x\"))")},
        {"exists:1", F("(eq exists 1)")},
        {"process.parent.command_line:x", F("(eq process.parent.command_line \"x\")")},
        {"a-b:1 a.b-c:2", F("(and (eq a-b 1) (eq a.b-c 2))")},
        {"`earliest`:1 earliest>5", F("(and (eq earliest 1) (gt earliest 5))")},
    };
    check_ok(c, N(c));
}

Test(parse, full_text)
{
    static const struct ok_case c[] = {
        {"error", F("(text \"error\")")},
        {"\"failed password\"", F("(text \"failed password\")")},
        {"'single quoted'", F("(text \"single quoted\")")},
        {"fail* *fail f?il",
         F("(and (text-wild \"fail*\") (text-wild \"*fail\") (text-wild \"f?il\"))")},
        {"\"a\\*b\"", F("(text \"a*b\")")},
        {"10.0.0.1", F("(text \"10.0.0.1\")")},
        {"4625", F("(text \"4625\")")},
        {"ünïcödé \"日本語\"", F("(and (text \"ünïcödé\") (text \"日本語\"))")},
    };
    check_ok(c, N(c));
}

Test(parse, time_ranges)
{
    static const struct ok_case c[] = {
        {"earliest=-24h latest=now error",
         "earliest: 2024-03-14T12:34:56Z\nlatest: 2024-03-15T12:34:56Z\n" F("(text \"error\")")},
        {"earliest=-7d@d latest=@d",
         "earliest: 2024-03-08T00:00:00Z\nlatest: 2024-03-15T00:00:00Z\n" F("true")},
        {"EARLIEST:-15m", "earliest: 2024-03-15T12:19:56Z\n" F("true")},
        {"earliest=@w1 latest=+1d",
         "earliest: 2024-03-11T00:00:00Z\nlatest: 2024-03-16T12:34:56Z\n" F("true")},
        {"earliest=-1w@w", "earliest: 2024-03-03T00:00:00Z\n" F("true")},
        {"earliest=-1mon@mon", "earliest: 2024-02-01T00:00:00Z\n" F("true")},
        {"earliest=-1q@q", "earliest: 2023-10-01T00:00:00Z\n" F("true")},
        {"earliest=-1y@y", "earliest: 2023-01-01T00:00:00Z\n" F("true")},
        {"earliest=-90m@h latest=-h",
         "earliest: 2024-03-15T11:00:00Z\nlatest: 2024-03-15T11:34:56Z\n" F("true")},
        {"earliest=-1d@d+6h", "earliest: 2024-03-14T06:00:00Z\n" F("true")},
        {"earliest=-30s@m", "earliest: 2024-03-15T12:34:00Z\n" F("true")},
        {"earliest=-2days", "earliest: 2024-03-13T12:34:56Z\n" F("true")},
        {"earliest=1700000000 latest=1710000000000",
         "earliest: 2023-11-14T22:13:20Z\nlatest: 2024-03-09T16:00:00Z\n" F("true")},
        {"earliest=0", "earliest: 1970-01-01T00:00:00Z\n" F("true")},
        {"earliest=\"2024-03-01T10:00:00+02:00\"", "earliest: 2024-03-01T08:00:00Z\n" F("true")},
        {"earliest=2024-03-01T10:00:00.5Z", "earliest: 2024-03-01T10:00:00.500000000Z\n" F("true")},
        {"a earliest=-1h b",
         "earliest: 2024-03-15T11:34:56Z\n" F("(and (text \"a\") (text \"b\"))")},
        {"(earliest=-1h a) b",
         "earliest: 2024-03-15T11:34:56Z\n" F("(and (text \"a\") (text \"b\"))")},
        {"earliest=-31d@mon latest=2024-03-31T00:00:00Z",
         "earliest: 2024-02-01T00:00:00Z\nlatest: 2024-03-31T00:00:00Z\n" F("true")},
    };
    check_ok(c, N(c));
}

Test(parse, month_arithmetic_clamps_the_day)
{
    struct query_opts o = {.now_ns = 1711843200LL * NS_PER_SEC}; /* 2024-03-31 */
    char *got = dump_of("earliest=-1mon", &o);
    cr_expect_str_eq(got, "earliest: 2024-02-29T00:00:00Z\nfilter: true");
    free(got);
}

Test(parse, stages)
{
    static const struct ok_case c[] = {
        {"a | where x > 5", F("(text \"a\")\n| where (gt x 5)")},
        {"a | search b or c", F("(text \"a\")\n| where (or (text \"b\") (text \"c\"))")},
        {"| stats count", F("true\n| stats count as \"count\"")},
        {"a | fields host, user.name",
         F("(text \"a\")\n| fields host.name as \"host\", user.name")},
        {"a | table _time host @timestamp",
         F("(text \"a\")\n| fields _time, host.name as \"host\", _time as \"@timestamp\"")},
        {"a | sort -count, host", F("(text \"a\")\n| sort -count, +host.name")},
        {"a | sort 5 - x y desc z asc", F("(text \"a\")\n| sort limit=5 -x, -y, +z")},
        {"a | sort limit=3 +x", F("(text \"a\")\n| sort limit=3 +x")},
        {"a | head", F("(text \"a\")\n| head 10")},
        {"a | head 5 | tail 2", F("(text \"a\")\n| head 5\n| tail 2")},
        {"a | head limit=3 | limit 4", F("(text \"a\")\n| head 3\n| head 4")},
        {"a | tail", F("(text \"a\")\n| tail 10")},
        {"a | stats count, dc(user.name), sum(x), avg(x), min(x), max(x), values(x), p50(x) "
         "p95(x) p99(x) perc90(x) median(x) exactperc99.9(x) as top by host, user.name",
         F("(text \"a\")\n| stats count as \"count\", dc(user.name) as \"dc(user.name)\", "
           "sum(x) as \"sum(x)\", avg(x) as \"avg(x)\", min(x) as \"min(x)\", max(x) as "
           "\"max(x)\", values(x) as \"values(x)\", perc50(x) as \"p50(x)\", perc95(x) as "
           "\"p95(x)\", perc99(x) as \"p99(x)\", perc90(x) as \"perc90(x)\", perc50(x) as "
           "\"median(x)\", perc99.9(x) as \"top\" by host.name as \"host\", user.name")},
        {"a | stats count() as n, c, count(x), distinct_count(y), mean(z) AS \"m m\"",
         F("(text \"a\")\n| stats count as \"n\", count as \"c\", count(x) as \"count(x)\", "
           "dc(y) as \"distinct_count(y)\", avg(z) as \"m m\"")},
        {"a | timechart span=1h count by host",
         F("(text \"a\")\n| timechart span=3600s count as \"count\" by host.name as \"host\"")},
        {"a | timechart count span=5m",
         F("(text \"a\")\n| timechart span=300s count as \"count\"")},
        {"a | timechart avg(x)", F("(text \"a\")\n| timechart span=auto avg(x) as \"avg(x)\"")},
        {"a | bin _time span=5m", F("(text \"a\")\n| bin _time span=300s")},
        {"a | bucket span=1d @timestamp", F("(text \"a\")\n| bin _time span=86400s")},
        {"a | bin _time span=90", F("(text \"a\")\n| bin _time span=90s")},
        {"a | bin bytes span=100", F("(text \"a\")\n| bin bytes span=100.0")},
        {"a | bin bytes span=0.5", F("(text \"a\")\n| bin bytes span=0.5")},
        {"a | top user.name", F("(text \"a\")\n| top 10 user.name")},
        {"a | top 5 user.name by host",
         F("(text \"a\")\n| top 5 user.name by host.name as \"host\"")},
        {"a | top limit=3 src dst", F("(text \"a\")\n| top 3 src, dst")},
        {"a | rare user.name", F("(text \"a\")\n| rare 10 user.name")},
        {"a | rare 2 x by y, z", F("(text \"a\")\n| rare 2 x by y, z")},
        {"a | dedup host", F("(text \"a\")\n| dedup host.name")},
        {"a | dedup host, user.name", F("(text \"a\")\n| dedup host.name, user.name")},
        {"a | WHERE x=1 | STATS COUNT BY y",
         F("(text \"a\")\n| where (eq x 1)\n| stats count as \"COUNT\" by y")},
    };
    check_ok(c, N(c));
}

Test(parse, stages_read_the_previous_columns)
{
    static const struct ok_case c[] = {
        {"a | stats count by host | where count > 5 | sort -count",
         F("(text \"a\")\n| stats count as \"count\" by host.name as \"host\"\n"
           "| where (gt $count 5)\n| sort -$count")},
        {"a | stats count, dc(u) as users by h | where users < count",
         F("(text \"a\")\n| stats count as \"count\", dc(u) as \"users\" by h\n"
           "| where (lt $users $count)")},
        {"a | stats count by h | where h:web* and count>=2",
         F("(text \"a\")\n| stats count as \"count\" by h\n"
           "| where (and (wildcard $h \"web*\") (ge $count 2))")},
        {"a | top x | where percent < 10", F("(text \"a\")\n| top 10 x\n| where (lt $percent 10)")},
        {"a | stats count by h | where h=\"count\"",
         F("(text \"a\")\n| stats count as \"count\" by h\n| where (eq $h \"count\")")},
        {"a | where x=`y`", F("(text \"a\")\n| where (eq x y)")},
        {"a | stats count as `dc(x)` by h | fields `dc(x)`",
         F("(text \"a\")\n| stats count as \"dc(x)\" by h\n| fields $`dc(x)`")},
        {"a | bin _time span=1h | stats count by _time | timechart span=1d sum(count)",
         F("(text \"a\")\n| bin _time span=3600s\n| stats count as \"count\" by _time\n"
           "| timechart span=86400s sum($count) as \"sum(count)\"")},
        {"a | fields x, y | dedup x | sort y",
         F("(text \"a\")\n| fields x, y\n| dedup $x\n| sort +$y")},
        {"a | stats count by h | stats sum(count) as total",
         F("(text \"a\")\n| stats count as \"count\" by h\n| stats sum($count) as \"total\"")},
        {"a | stats count by h | bin count span=10",
         F("(text \"a\")\n| stats count as \"count\" by h\n| bin $count span=10.0")},
    };
    check_ok(c, N(c));
}

Test(parse, output_columns)
{
    struct query *q;
    struct diag d = {0};
    struct query_opts o = {.now_ns = NOW_NS};
    cr_assert_eq(
        query_parse(STR_LIT("a | timechart span=1h count, values(x) as v by host"), &o, &q, &d), 0);
    const struct query_column *cols;
    size_t n;
    cr_expect_not(query_out_columns(q, &cols, &n));
    cr_assert_eq(n, 4);
    cr_expect(str_eq_c(cols[0].name, "_time"));
    cr_expect_eq(cols[0].type, QUERY_C_TIME);
    cr_expect(str_eq_c(cols[1].name, "host"));
    cr_expect_eq(cols[1].type, QUERY_C_VALUE);
    cr_expect(str_eq_c(cols[2].name, "count"));
    cr_expect_eq(cols[2].type, QUERY_C_NUMBER);
    cr_expect(str_eq_c(cols[3].name, "v"));
    cr_expect_eq(cols[3].type, QUERY_C_LIST);
    cr_expect_eq(q->stages[0].fields[0].kind, QUERY_F_TIME);
    query_free(q);

    cr_assert_eq(query_parse(STR_LIT("a | where b | sort x | head 3"), &o, &q, &d), 0);
    cr_expect(query_out_columns(q, &cols, &n));
    cr_expect_eq(n, 0);
    query_free(q);

    cr_assert_eq(query_parse(STR_LIT("a | top x by y"), &o, &q, &d), 0);
    cr_expect_not(query_out_columns(q, &cols, &n));
    cr_assert_eq(n, 4);
    const char *want[] = {"y", "x", "count", "percent"};
    for (size_t i = 0; i < 4; i++)
        cr_expect(str_eq_c(cols[i].name, want[i]));
    query_free(q);
}

Test(parse, node_columns_and_field_ids)
{
    struct query *q;
    struct diag d = {0};
    struct query_opts o = {.now_ns = NOW_NS};
    cr_assert_eq(query_parse(STR_LIT("ünï a:1 and not b:2 | where c:3"), &o, &q, &d), 0);
    const struct query_node *f = q->filter;
    cr_assert_eq(f->kind, QUERY_N_AND);
    cr_expect_eq(f->list.kids[0]->col, 1);
    cr_expect_eq(f->list.kids[1]->col, 5);
    cr_expect_eq(f->list.kids[2]->col, 13);
    cr_expect_eq(f->list.kids[2]->kid->col, 17);
    cr_expect_eq(q->stages[0].col, 23);
    cr_expect_eq(q->stages[0].expr->col, 29);
    query_free(q);

    cr_assert_eq(query_parse(STR_LIT("user.name:x host:y zzz_never_seen_field:1"), &o, &q, &d), 0);
    cr_expect_eq(q->filter->list.kids[0]->cmp.field.id, F_USER_NAME);
    cr_expect_eq(q->filter->list.kids[1]->cmp.field.id, F_HOST_NAME);
    cr_expect(str_eq_c(q->filter->list.kids[1]->cmp.field.label, "host"));
    cr_expect_eq(q->filter->list.kids[2]->cmp.field.id, F_NONE, "searches must not intern");
    cr_expect_eq(field_lookup(STR_LIT("zzz_never_seen_field")), F_NONE);
    query_free(q);

    o.intern_fields = true;
    cr_assert_eq(query_parse(STR_LIT("zzz_rule_field:1"), &o, &q, &d), 0);
    cr_expect_neq(q->filter->cmp.field.id, F_NONE);
    cr_expect_eq(q->filter->cmp.field.id, field_lookup(STR_LIT("zzz_rule_field")));
    query_free(q);
}

Test(parse, values_are_typed)
{
    struct query *q;
    struct diag d = {0};
    struct query_opts o = {.now_ns = NOW_NS};
    cr_assert_eq(
        query_parse(STR_LIT("a:1 b:2.5 c:true d:x e:10.0.0.0/8 _time>2024-01-01"), &o, &q, &d), 0);
    struct query_node **k = q->filter->list.kids;
    cr_expect_eq(k[0]->cmp.value.type, QUERY_V_INT);
    cr_expect_eq(k[0]->cmp.value.i, 1);
    cr_expect_eq(k[1]->cmp.value.type, QUERY_V_FLOAT);
    cr_expect_float_eq(k[1]->cmp.value.f, 2.5, 1e-12);
    cr_expect_eq(k[2]->cmp.value.type, QUERY_V_BOOL);
    cr_expect(k[2]->cmp.value.b);
    cr_expect_eq(k[3]->cmp.value.type, QUERY_V_STR);
    cr_expect(str_eq_c(k[3]->cmp.value.text, "x"));
    cr_expect_eq(k[4]->cmp.op, QUERY_OP_CIDR);
    cr_expect_eq(k[4]->cmp.value.cidr.family, 4);
    cr_expect_eq(k[4]->cmp.value.cidr.prefix, 8);
    cr_expect_eq(k[4]->cmp.value.cidr.addr[0], 10);
    cr_expect_eq(k[5]->cmp.value.type, QUERY_V_TIME);
    cr_expect_eq(k[5]->cmp.value.ns, 1704067200LL * NS_PER_SEC);
    cr_expect_not(k[0]->cmp.cased);
    query_free(q);
}

/* ---- errors -------------------------------------------------------------------- */

Test(parse, syntax_errors)
{
    static const struct err_case c[] = {
        {"x: | y", E_PARSE, "column 4: expected a value after ':', found '|'"},
        {"event.code:4625 and x: | stats count", E_PARSE,
         "column 24: expected a value after ':', found '|'"},
        {"x:", E_PARSE, "column 3: expected a value after ':', found end of query"},
        {"x>=)", E_PARSE, "column 4: expected a value after '>=', found ')'"},
        {"x:\"a", E_PARSE, "column 3: unterminated string; expected a closing '\"'"},
        {"`abc", E_PARSE, "column 1: unterminated field name; expected a closing '`'"},
        {"a and", E_PARSE, "column 6: expected a search term after 'and', found end of query"},
        {"a or", E_PARSE, "column 5: expected a search term after 'or', found end of query"},
        {"not", E_PARSE, "column 4: expected a search term after 'not', found end of query"},
        {"a or or b", E_PARSE, "column 6: expected a search term after 'or', found 'or'"},
        {"and a", E_PARSE, "column 1: expected a search term, found 'and'"},
        {"(a or (b", E_PARSE,
         "column 9: expected ')' to close the '(' at column 7, found end of query"},
        {"()", E_PARSE, "column 2: expected a search term after '(', found ')'"},
        {"a)", E_PARSE, "column 2: unexpected ')' without a matching '('"},
        {"a, b", E_PARSE,
         "column 2: expected a search term, '|' or the end of the query, found ','"},
        {"x:(a b)", E_PARSE,
         "column 6: expected 'or', ',' or ')' to close the list at column 3, found 'b'"},
        {"x:(a or b", E_PARSE,
         "column 10: expected 'or', ',' or ')' to close the list at column 3, found end of query"},
        {"x:()", E_PARSE, "column 4: expected a value in the list, found ')'"},
        {"x in (a, b", E_PARSE,
         "column 11: expected 'or', ',' or ')' to close the list at column 6, found end of query"},
        {"x>a*", E_PARSE, "column 3: wildcards only work with ':', '=' and '!='"},
        {"x<(a or b)", E_PARSE, "column 3: expected a value after '<', found '('"},
        {"x>10.0.0.0/8", E_PARSE, "column 3: a network (CIDR) only works with ':', '=' and '!='"},
        {"user.*:x", E_PARSE, "column 1: wildcards are not allowed in field names"},
        {"``:x", E_PARSE, "column 1: empty field name"},
        {"`a`", E_PARSE,
         "column 4: expected an operator such as ':' or '=' after the field name, found end of "
         "query"},
        {"\"\"", E_PARSE, "column 1: empty search phrase"},
        {"x contains \"\"", E_PARSE, "column 12: empty value after 'contains'"},
        {"a\xff", E_ENCODING, "column 2: invalid UTF-8"},
        {"_time>abc", E_PARSE,
         "column 7: expected a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after '>', "
         "found 'abc'"},
        {"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz and )", E_PARSE,
         "column 58: expected a search term after 'and', found ')'"},
        {"x:\"a\" y:'bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz' and", E_PARSE,
         "column 66: expected a search term after 'and', found end of query"},
        {"a and 'bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz' )", E_PARSE,
         "column 61: unexpected ')' without a matching '('"},
        {"x:1 and `bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz`", E_PARSE,
         "column 62: expected an operator such as ':' or '=' after the field name, found end of "
         "query"},
        {"(abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", E_PARSE,
         "column 54: expected ')' to close the '(' at column 1, found end of query"},
        {"a | b", E_PARSE,
         "column 5: unknown command 'b'; expected one of where, search, fields, table, sort, "
         "head, limit, tail, stats, timechart, bin, bucket, top, rare, dedup"},
    };
    check_err(c, N(c));
}

Test(parse, long_tokens_are_shortened_in_messages)
{
    static const struct err_case c[] = {
        {"a or or_abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz:1 )", E_PARSE,
         "column 64: unexpected ')' without a matching '('"},
        {"x:(a abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz)", E_PARSE,
         "column 6: expected 'or', ',' or ')' to close the list at column 3, found "
         "'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...'"},
        {"x:(a ü\x01ééééééééééééééééééééééééééééééééééééééé)", E_PARSE,
         "column 6: expected 'or', ',' or ')' to close the list at column 3, found "
         "'ü?éééééééééééééééééé...'"},
    };
    check_err(c, N(c));
}

Test(parse, time_errors)
{
    static const struct err_case c[] = {
        {"earliest=xyz", E_PARSE,
         "column 10: expected a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after "
         "'earliest=', found 'xyz'"},
        {"latest=", E_PARSE,
         "column 8: expected a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after "
         "'latest=', found end of query"},
        {"earliest=-1d@x", E_PARSE,
         "column 10: expected a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after "
         "'earliest=', found '-1d@x'"},
        {"earliest=@d@h", E_PARSE,
         "column 10: expected a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after "
         "'earliest=', found '@d@h'"},
        {"earliest=-1h earliest=-2h", E_PARSE, "column 14: 'earliest' is given twice"},
        {"earliest=now latest=-1h", E_RANGE,
         "column 14: the time range is empty: earliest 2024-03-15T12:34:56Z is not before latest "
         "2024-03-15T11:34:56Z"},
        {"latest=-2h earliest=-1h", E_RANGE,
         "column 12: the time range is empty: earliest 2024-03-15T11:34:56Z is not before latest "
         "2024-03-15T10:34:56Z"},
        {"earliest=-1h or x", E_PARSE,
         "column 1: 'earliest' sets the time range of the whole search; it cannot be inside 'or' "
         "or 'not'"},
        {"x not latest=now", E_PARSE,
         "column 7: 'latest' sets the time range of the whole search; it cannot be inside 'or' "
         "or 'not'"},
        {"a | where earliest=-1h", E_PARSE,
         "column 11: 'earliest' sets the time range of the search; put it before the first '|'"},
        {"earliest=-100000000w", E_RANGE, "column 10: time '-100000000w' is out of range"},
        {"earliest=-1000y", E_RANGE, "column 10: time '-1000y' is out of range"},
        {"earliest=3000-01-01", E_RANGE, "column 10: time '3000-01-01' is out of range"},
        {"latest=2024-02-30", E_RANGE, "column 8: time '2024-02-30' is out of range"},
        {"earliest=99999-01-01", E_PARSE,
         "column 10: expected a time such as -24h, -7d@d, now or 2024-01-01T00:00:00Z after "
         "'earliest=', found '99999-01-01'"},
    };
    check_err(c, N(c));
}

Test(parse, stage_errors)
{
    static const struct err_case c[] = {
        {"a | ", E_PARSE, "column 5: expected a command after '|', found end of query"},
        {"a | | b", E_PARSE, "column 5: expected a command after '|', found '|'"},
        {"a | head 0", E_PARSE, "column 10: expected a count from 1 to 1000000000, found '0'"},
        {"a | head 1000000001", E_PARSE,
         "column 10: expected a count from 1 to 1000000000, found '1000000001'"},
        {"a | head x", E_PARSE,
         "column 10: expected '|' or the end of the query after the 'head' arguments, found 'x'"},
        {"a | head 5 extra", E_PARSE,
         "column 12: expected '|' or the end of the query after the 'head' arguments, found "
         "'extra'"},
        {"a | limit limit=3", E_PARSE,
         "column 11: expected '|' or the end of the query after the 'limit' arguments, found "
         "'limit'"},
        {"a | where", E_PARSE,
         "column 10: expected a search expression after 'where', found end of query"},
        {"a | where (b", E_PARSE,
         "column 13: expected ')' to close the '(' at column 11, found end of query"},
        {"a | where b)", E_PARSE, "column 12: unexpected ')' without a matching '('"},
        {"a | stats", E_PARSE,
         "column 10: expected a function such as count or dc(field) after 'stats', found end of "
         "query"},
        {"a | stats by x", E_PARSE,
         "column 11: expected a function such as count or dc(field) after 'stats', found 'by'"},
        {"a | stats sum", E_PARSE, "column 11: 'sum' needs a field, e.g. sum(bytes)"},
        {"a | stats dc()", E_PARSE, "column 14: expected a field name, found ')'"},
        {"a | stats sum(x", E_PARSE,
         "column 16: expected ')' to close the '(' at column 14, found end of query"},
        {"a | stats bogus(x)", E_PARSE,
         "column 11: unknown function 'bogus'; expected count, dc, sum, avg, min, max, values, "
         "median, p<N> or perc<N>"},
        {"a | stats p101(x)", E_PARSE,
         "column 11: unknown function 'p101'; expected count, dc, sum, avg, min, max, values, "
         "median, p<N> or perc<N>"},
        {"a | stats count as", E_PARSE,
         "column 19: expected a column name after 'as', found end of query"},
        {"a | stats count as \"\"", E_PARSE, "column 20: empty column name after 'as'"},
        {"a | stats count by", E_PARSE,
         "column 19: expected a field name after 'by', found end of query"},
        {"a | stats count by x,", E_PARSE,
         "column 22: expected a field name after ',', found end of query"},
        {"a | stats count, count", E_PARSE,
         "column 23: the column 'count' appears twice; rename one with 'as'"},
        {"a | stats count as x by x", E_PARSE,
         "column 26: the column 'x' appears twice; rename one with 'as'"},
        {"a | stats count x=1", E_PARSE,
         "column 17: unknown function 'x'; expected count, dc, sum, avg, min, max, values, "
         "median, p<N> or perc<N>"},
        {"a | timechart span=1x count", E_PARSE,
         "column 20: expected a span such as 30s, 5m, 1h or 1d, found '1x'"},
        {"a | timechart span=1mon count", E_PARSE,
         "column 20: expected a span such as 30s, 5m, 1h or 1d, found '1mon'"},
        {"a | timechart span=0s count", E_RANGE,
         "column 20: span '0s' is out of range (more than 0, at most 3660 days)"},
        {"a | timechart span= count", E_PARSE,
         "column 21: expected a span such as 5m or 1h after 'span=', found 'count'"},
        {"a | timechart count by a, b", E_PARSE,
         "column 28: 'timechart' groups by at most 1 field"},
        {"a | timechart limit=5 count", E_PARSE,
         "column 15: unknown option 'limit' for 'timechart'; it accepts span="},
        {"a | stats count by host | timechart count", E_PARSE,
         "column 42: 'timechart' needs a _time column; after 'stats' there is none"},
        {"a | bin _time", E_PARSE, "column 14: 'bin' needs span=<size>, e.g. span=5m"},
        {"a | bin span=5m", E_PARSE,
         "column 16: expected a field name after 'bin', found end of query"},
        {"a | bin x y span=5", E_PARSE, "column 11: 'bin' takes one field"},
        {"a | timechart span = 1h count", E_PARSE,
         "column 22: expected a span such as 5m or 1h after 'span=', found '1h'"},
        {"a | top limit= 3 x", E_PARSE, "column 16: expected a count after 'limit=', found '3'"},
        {"a | bin x span=abc", E_PARSE,
         "column 16: expected a positive number as the span of a numeric field, found 'abc'"},
        {"a | bin x span=-1", E_PARSE,
         "column 16: expected a positive number as the span of a numeric field, found '-1'"},
        {"a | bin x span=5m span=1h", E_PARSE, "column 19: option 'span' is given twice"},
        {"a | top", E_PARSE, "column 8: expected a field name after 'top', found end of query"},
        {"a | top limit=0 x", E_PARSE,
         "column 15: expected a count from 1 to 1000000000, found '0'"},
        {"a | top limit=2 limit=3 x", E_PARSE, "column 17: option 'limit' is given twice"},
        {"a | top span=1h x", E_PARSE,
         "column 9: unknown option 'span' for 'top'; it accepts limit="},
        {"a | top count", E_PARSE,
         "column 14: the column 'count' appears twice; rename one with 'as'"},
        {"a | rare x by", E_PARSE,
         "column 14: expected a field name after 'by', found end of query"},
        {"a | sort", E_PARSE, "column 9: expected a field to sort by, found end of query"},
        {"a | sort -", E_PARSE, "column 11: expected a field name, found end of query"},
        {"a | sort x,", E_PARSE, "column 12: expected a field name after ',', found end of query"},
        {"a | fields", E_PARSE,
         "column 11: expected a field name after 'fields', found end of query"},
        {"a | fields x, x", E_PARSE,
         "column 16: the column 'x' appears twice; rename one with 'as'"},
        {"a | fields x*", E_PARSE, "column 12: wildcards are not allowed in field names"},
        {"a | dedup", E_PARSE,
         "column 10: expected a field name after 'dedup', found end of query"},
        {"a | stats count | where _raw:x", E_PARSE,
         "column 25: unknown field '_raw'; after 'stats' the fields are: count"},
        {"a | stats count by host | sort foo", E_PARSE,
         "column 32: unknown field 'foo'; after 'stats' the fields are: host, count"},
        {"a | stats count | where error", E_PARSE,
         "column 25: full-text search needs events; after 'stats' compare a field, e.g. count > 5"},
        {"a | fields x | where y:1", E_PARSE,
         "column 22: unknown field 'y'; after 'fields' the fields are: x"},
        {"a | top x | dedup count, y", E_PARSE,
         "column 26: unknown field 'y'; after 'top' the fields are: x, count, percent"},
    };
    check_err(c, N(c));
}

Test(parse, caps)
{
    struct query_opts o = {.now_ns = NOW_NS,
                           .max_len = 64,
                           .max_depth = 3,
                           .max_terms = 5,
                           .max_list = 3,
                           .max_stages = 2};
    static const struct err_case c[] = {
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", E_TOOBIG,
         "column 1: the query is 65 bytes; the limit is 64"},
        {"((((a))))", E_TOOBIG, "column 4: the query nests deeper than 3 levels"},
        {"not not not not a", E_TOOBIG, "column 13: the query nests deeper than 3 levels"},
        {"a b c d e f", E_TOOBIG, "column 11: the query has more than 5 terms"},
        {"x:(1 or 2 or 3 or 4)", E_TOOBIG, "column 19: the list has more than 3 values"},
        {"a | head | head | head", E_TOOBIG, "column 17: the query has more than 2 stages"},
        {"a | fields b, c, d, e, f", E_TOOBIG, "column 24: the query has more than 5 terms"},
        {"x:(1 or 2 or 3) y:(4 or 5 or 6)", E_TOOBIG, "column 30: the query has more than 5 terms"},
    };
    check_err_opts(c, N(c), &o);
    /* Defaults: 64 KiB, 64 levels, 4096 terms, 1024 values, 32 stages. */
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    for (int i = 0; i < 65; i++)
        buf_putc(&b, '(');
    buf_putc(&b, 'a');
    for (int i = 0; i < 65; i++)
        buf_putc(&b, ')');
    struct query *q;
    struct diag d = {0};
    cr_expect_eq(query_parse(buf_str(&b), NULL, &q, &d), E_TOOBIG);
    cr_expect_str_eq(d.msg, "column 65: the query nests deeper than 64 levels");
    buf_reset(&b);
    for (int i = 0; i < 64; i++)
        buf_putc(&b, '(');
    buf_putc(&b, 'a');
    for (int i = 0; i < 64; i++)
        buf_putc(&b, ')');
    cr_expect_eq(query_parse(buf_str(&b), NULL, &q, &d), 0);
    query_free(q);
    buf_reset(&b);
    buf_append_c(&b, "x:(");
    for (int i = 0; i < 1025; i++)
        buf_printf(&b, "%s%d", i ? "," : "", i);
    buf_putc(&b, ')');
    cr_expect_eq(query_parse(buf_str(&b), NULL, &q, &d), E_TOOBIG);
    cr_expect_str_eq(d.msg, "column 4014: the list has more than 1024 values");
    buf_reset(&b);
    while (b.len <= QUERY_DEFAULT_MAX_LEN)
        buf_append_c(&b, "abcdefgh ");
    cr_expect_eq(query_parse(buf_str(&b), NULL, &q, &d), E_TOOBIG);
    cr_expect_str_eq(d.msg, "column 1: the query is 65538 bytes; the limit is 65536");
    buf_reset(&b);
    for (int i = 0; i < 4097; i++)
        buf_printf(&b, "t%d ", i);
    cr_expect_eq(query_parse(buf_str(&b), NULL, &q, &d), E_TOOBIG);
    cr_expect_str_eq(d.msg, "column 23467: the query has more than 4096 terms");
    buf_reset(&b);
    buf_append_c(&b, "a");
    for (int i = 0; i < 33; i++)
        buf_append_c(&b, " | head");
    cr_expect_eq(query_parse(buf_str(&b), NULL, &q, &d), E_TOOBIG);
    cr_expect_str_eq(d.msg, "column 227: the query has more than 32 stages");
    buf_fini(&b);
}

Test(parse, nul_byte_is_rejected)
{
    struct query *q;
    struct diag d = {0};
    cr_expect_eq(query_parse(str_make("a\0b", 3), NULL, &q, &d), E_PARSE);
    cr_expect_str_eq(d.msg, "column 2: unexpected NUL character");
}

/* ---- IR helpers ------------------------------------------------------------------ */

Test(ir, constructors_keep_the_tree_canonical)
{
    struct query *q = query_new();
    struct arena *a = &q->arena;
    struct query_node *t = query_node_const(a, true), *f = query_node_const(a, false);
    struct query_node *x = query_node_fulltext(a, STR_LIT("x"), false);
    struct query_node *y = query_node_fulltext(a, STR_LIT("y"), false);
    struct query_node *kids[] = {t, x, y};
    struct query_node *and1 = query_node_list(a, QUERY_N_AND, kids, 3);
    cr_expect_eq(and1->kind, QUERY_N_AND);
    cr_expect_eq(and1->list.n_kids, 2);
    struct query_node *kids2[] = {and1, x};
    struct query_node *and2 = query_node_list(a, QUERY_N_AND, kids2, 2);
    cr_expect_eq(and2->list.n_kids, 3, "nested AND is spliced");
    struct query_node *kids3[] = {x, f};
    cr_expect_eq(query_node_list(a, QUERY_N_AND, kids3, 2), f);
    struct query_node *kids4[] = {f, t};
    cr_expect_eq(query_node_list(a, QUERY_N_OR, kids4, 2), t);
    cr_expect_eq(query_node_list(a, QUERY_N_OR, NULL, 0)->kind, QUERY_N_FALSE);
    cr_expect_eq(query_node_list(a, QUERY_N_AND, NULL, 0)->kind, QUERY_N_TRUE);
    struct query_node *one[] = {y};
    cr_expect_eq(query_node_list(a, QUERY_N_OR, one, 1), y);
    struct buf b;
    buf_init(&b, BUF_UNBOUNDED);
    q->filter = and2;
    query_ir_dump(q, &b);
    cr_expect_str_eq(b.p, "filter: (and (text \"x\") (text \"y\") (text \"x\"))\n");
    buf_fini(&b);
    query_free(q);
    query_free(NULL);
}

Test(ir, values_and_patterns)
{
    struct query *q = query_new();
    struct arena *a = &q->arena;
    struct query_value v;
    cr_expect_eq(query_value_cidr(a, STR_LIT("10.1.2.3"), &v), 0);
    cr_expect(str_eq_c(v.text, "10.1.2.3/32"));
    cr_expect_eq(query_value_cidr(a, STR_LIT("2001:db8::1/48"), &v), 0);
    cr_expect(str_eq_c(v.text, "2001:db8::/48"));
    cr_expect_eq(query_value_cidr(a, STR_LIT("10.0.0.0/"), &v), E_PARSE);
    cr_expect_eq(query_value_cidr(a, STR_LIT("10.0.0.0/8/8"), &v), E_PARSE);
    cr_expect_eq(query_value_cidr(a, STR_LIT("host/8"), &v), E_PARSE);
    cr_expect_eq(query_value_cidr(a, STR_LIT("::/129"), &v), E_PARSE);
    struct str p = query_pattern_escape(a, STR_LIT("a*b?c\\d"));
    cr_expect(str_eq_c(p, "a\\*b\\?c\\\\d"));
    v = query_value_int(a, -42);
    cr_expect(str_eq_c(v.text, "-42"));
    v = query_value_time(a, 1710506096LL * NS_PER_SEC + 5);
    cr_expect(str_eq_c(v.text, "2024-03-15T12:34:56.000000005Z"));
    cr_expect_str_eq(query_op_name(QUERY_OP_STARTSWITH), "startswith");
    cr_expect_str_eq(query_agg_name(QUERY_AGG_PERCENTILE), "percentile");
    cr_expect_str_eq(query_stage_name(QUERY_S_TIMECHART), "timechart");
    query_free(q);
}

Test(ir, auto_span)
{
    cr_expect_eq(query_auto_span(0, NS_PER_DAY), 1800 * NS_PER_SEC);
    cr_expect_eq(query_auto_span(0, 3600 * NS_PER_SEC), 60 * NS_PER_SEC);
    cr_expect_eq(query_auto_span(0, 100 * NS_PER_SEC), NS_PER_SEC);
    cr_expect_eq(query_auto_span(0, 7 * NS_PER_DAY), 3 * 3600 * NS_PER_SEC);
    cr_expect_eq(query_auto_span(QUERY_TIME_MIN, 0), 3600 * NS_PER_SEC);
    cr_expect_eq(query_auto_span(QUERY_TIME_MIN + 1, QUERY_TIME_MAX - 1), 2592000 * NS_PER_SEC);
}
