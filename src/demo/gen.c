#include "demo/gen.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/timefmt.h"

#include <string.h>

struct rng {
    uint64_t s;
};

static uint64_t next(struct rng *r)
{
    /* splitmix64: tiny, fast, good enough for synthetic data */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned pick(struct rng *r, unsigned n)
{
    return (unsigned)(next(r) % n);
}

#define PICK(r, arr) ((arr)[pick(r, (unsigned)(sizeof(arr) / sizeof((arr)[0])))])

static const char *const users[] = {"alice", "bob",   "carol", "dave", "erin",       "frank",
                                    "grace", "heidi", "ivan",  "judy", "svc_backup", "svc_sql"};
static const char *const hosts[] = {"web-01", "web-02", "db-01", "bastion",
                                    "ws-042", "ws-107", "dc-01"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const paths[] = {"/",
                                    "/index.html",
                                    "/login",
                                    "/api/v1/items",
                                    "/api/v1/orders",
                                    "/static/app.js",
                                    "/static/site.css",
                                    "/favicon.ico",
                                    "/search?q=shoes",
                                    "/account"};
static const char *const scans[] = {"/wp-login.php",
                                    "/.env",
                                    "/admin/config.php",
                                    "/cgi-bin/test.cgi",
                                    "/phpmyadmin/",
                                    "/.git/config",
                                    "/search?q=1%27%20OR%20%271%27=%271"};
static const char *const agents[] = {
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/120.0 Safari/537.36"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.1 Safari/605.1.15"),
    "curl/7.88.1"};
static const char *const procs[] = {
    "C:\\Windows\\System32\\svchost.exe -k netsvcs -p",
    "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer",
    "C:\\Windows\\system32\\cmd.exe /c whoami /all",
    ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoP -W Hidden -enc "
     "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"),
    "C:\\Windows\\System32\\rundll32.exe C:\\Users\\Public\\x.dll,Start",
    "C:\\Windows\\explorer.exe",
    "C:\\Windows\\System32\\notepad.exe C:\\Users\\alice\\notes.txt"};

const char *gen_kind_name(enum gen_kind k)
{
    static const char *const names[] = {"syslog", "apache", "winjson", "logfmt", "csv", "cef"};
    return names[k];
}

static void ip(struct rng *r, char *out, size_t cap, int internal)
{
    if (internal)
        snprintf(out, cap, "10.%u.%u.%u", pick(r, 4), pick(r, 256), 1 + pick(r, 254));
    else
        snprintf(out, cap, "%u.%u.%u.%u", 11 + pick(r, 180), pick(r, 256), pick(r, 256),
                 1 + pick(r, 254));
}

static void syslog_line(FILE *fp, struct rng *r, int64_t ts)
{
    int y, mo, d, h, mi, s;
    time_to_civil(ts, &y, &mo, &d, &h, &mi, &s);
    char src[32];
    unsigned k = pick(r, 100);
    fprintf(fp, "<%u>%s %2d %02d:%02d:%02d %s ", k < 60 ? 38u : 86u, months[mo - 1], d, h, mi, s,
            PICK(r, hosts));
    if (k < 35) {
        ip(r, src, sizeof(src), 0);
        fprintf(fp, "sshd[%u]: Failed password for %s%s from %s port %u ssh2\n",
                1000 + pick(r, 30000), k < 10 ? "invalid user " : "", PICK(r, users), src,
                1024 + pick(r, 60000));
    } else if (k < 60) {
        ip(r, src, sizeof(src), 1);
        fprintf(fp, "sshd[%u]: Accepted publickey for %s from %s port %u ssh2\n",
                1000 + pick(r, 30000), PICK(r, users), src, 1024 + pick(r, 60000));
    } else if (k < 80) {
        fprintf(fp, "sudo: %s : TTY=pts/%u ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/%s\n",
                PICK(r, users), pick(r, 5), PICK(r, users),
                pick(r, 2) ? "systemctl restart nginx" : "journalctl -u ssh");
    } else {
        fprintf(fp, "CRON[%u]: (root) CMD (/usr/local/bin/backup.sh --incremental)\n",
                1000 + pick(r, 30000));
    }
}

static void apache_line(FILE *fp, struct rng *r, int64_t ts)
{
    int y, mo, d, h, mi, s;
    time_to_civil(ts, &y, &mo, &d, &h, &mi, &s);
    char src[32];
    bool scan = pick(r, 100) < 8;
    if (scan)
        snprintf(src, sizeof(src), "185.220.101.%u", 1 + pick(r, 8));
    else
        ip(r, src, sizeof(src), 0);
    const char *path = scan ? PICK(r, scans) : PICK(r, paths);
    unsigned status = scan ? (pick(r, 10) < 8 ? 404 : 403) : (pick(r, 50) == 0 ? 500 : 200);
    fprintf(fp,
            "%s - %s [%02d/%s/%04d:%02d:%02d:%02d +0000] \"%s %s HTTP/1.1\" %u %u "
            "\"https://shop.example.com/\" \"%s\"\n",
            src, pick(r, 10) == 0 ? PICK(r, users) : "-", d, months[mo - 1], y, h, mi, s,
            pick(r, 5) == 0 ? "POST" : "GET", path, status, 200 + pick(r, 40000),
            scan ? "sqlmap/1.7" : PICK(r, agents));
}

static void winjson_line(FILE *fp, struct rng *r, int64_t ts)
{
    char t[40], src[32];
    time_format_rfc3339(ts, 3, t, sizeof(t));
    t[10] = ' ';
    t[23] = '\0'; /* "2026-11-21 10:00:00.123": NXLog's EventTime style, UTC */
    unsigned k = pick(r, 100);
    const char *host = PICK(r, hosts);
    ip(r, src, sizeof(src), k < 20 ? 0 : 1);
    if (k < 30) {
        fprintf(fp,
                "{\"EventTime\":\"%s\",\"Hostname\":\"%s.corp.local\",\"EventID\":%u,"
                "\"Channel\":\"Security\",\"SourceName\":\"Microsoft-Windows-Security-Auditing\","
                "\"TargetUserName\":\"%s\",\"TargetDomainName\":\"CORP\",\"LogonType\":%u,"
                "\"IpAddress\":\"%s\",\"IpPort\":\"%u\",\"Message\":\"%s\"}\n",
                t, host, k < 20 ? 4625u : 4624u, PICK(r, users), k < 20 ? 3u : 10u, src,
                1024 + pick(r, 60000),
                k < 20 ? "An account failed to log on." : "An account was successfully logged on.");
    } else {
        const char *cmd = PICK(r, procs);
        fprintf(fp,
                "{\"EventTime\":\"%s\",\"Hostname\":\"%s.corp.local\",\"EventID\":1,"
                "\"Channel\":\"Microsoft-Windows-Sysmon/Operational\","
                "\"SourceName\":\"Microsoft-Windows-Sysmon\",\"User\":\"CORP\\\\%s\","
                "\"ProcessId\":%u,\"Image\":\"C:\\\\Windows\\\\System32\\\\x.exe\","
                "\"CommandLine\":\"",
                t, host, PICK(r, users), 100 + pick(r, 9000));
        for (const char *c = cmd; *c; c++) {
            if (*c == '\\' || *c == '"')
                fputc('\\', fp);
            fputc(*c, fp);
        }
        fprintf(fp, "\",\"ParentImage\":\"C:\\\\Windows\\\\explorer.exe\"}\n");
    }
}

static void logfmt_line(FILE *fp, struct rng *r, int64_t ts)
{
    char t[40];
    time_format_rfc3339(ts, 3, t, sizeof(t));
    unsigned k = pick(r, 100);
    const char *level = k < 80 ? "info" : k < 95 ? "warn" : "error";
    fprintf(fp,
            "ts=%s level=%s service=checkout host=%s msg=\"%s\" duration_ms=%u user=%s "
            "order_id=%u\n",
            t, level, PICK(r, hosts),
            k < 80   ? "order placed"
            : k < 95 ? "payment retry"
                     : "payment gateway timeout",
            5 + pick(r, k < 95 ? 200 : 5000), PICK(r, users), 100000 + pick(r, 900000));
}

static void csv_line(FILE *fp, struct rng *r, int64_t ts, uint64_t i)
{
    char t[40], src[32], dst[32];
    if (i == 0)
        fputs("timestamp,src_ip,dst_ip,dst_port,proto,action,bytes\n", fp);
    time_format_rfc3339(ts, 0, t, sizeof(t));
    ip(r, src, sizeof(src), 1);
    ip(r, dst, sizeof(dst), pick(r, 3) != 0);
    static const unsigned ports[] = {22, 53, 80, 443, 445, 3389, 8080};
    fprintf(fp, "%s,%s,%s,%u,%s,%s,%u\n", t, src, dst, PICK(r, ports), pick(r, 4) ? "tcp" : "udp",
            pick(r, 10) ? "allow" : "deny", pick(r, 100000));
}

static void cef_line(FILE *fp, struct rng *r, int64_t ts)
{
    char src[32], dst[32];
    ip(r, src, sizeof(src), 0);
    ip(r, dst, sizeof(dst), 1);
    unsigned sev = 3 + pick(r, 7);
    fprintf(fp,
            "CEF:0|Acme|IPS|4.2|%u|%s|%u|rt=%lld src=%s dst=%s spt=%u dpt=%u proto=TCP "
            "act=%s\n",
            1000 + pick(r, 20), sev > 7 ? "Exploit attempt blocked" : "Port scan detected", sev,
            (long long)(ts / NS_PER_MS), src, dst, 1024 + pick(r, 60000), 80 + pick(r, 2) * 363,
            sev > 7 ? "blocked" : "alerted");
}

int gen_write(FILE *fp, enum gen_kind k, uint64_t n, const struct gen_opts *o)
{
    struct rng r = {o->seed * 0x100000001b3ull + (uint64_t)k};
    int64_t end = o->end_ns ? o->end_ns : clock_now_ns();
    int64_t start = end - o->span_ns;
    for (uint64_t i = 0; i < n; i++) {
        int64_t ts =
            n > 1 ? start + (int64_t)((double)o->span_ns * (double)i / (double)(n - 1)) : end;
        switch (k) {
        case GEN_SYSLOG:
            syslog_line(fp, &r, ts);
            break;
        case GEN_APACHE:
            apache_line(fp, &r, ts);
            break;
        case GEN_WINJSON:
            winjson_line(fp, &r, ts);
            break;
        case GEN_LOGFMT:
            logfmt_line(fp, &r, ts);
            break;
        case GEN_CSV:
            csv_line(fp, &r, ts, i);
            break;
        case GEN_CEF:
            cef_line(fp, &r, ts);
            break;
        }
    }
    return ferror(fp) ? E_IO : 0;
}
