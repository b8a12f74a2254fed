/*
 * gen.h - deterministic synthetic logs for the demo and the benchmarks.
 *
 * Realistic enough to exercise every decoder and make searches interesting:
 * sshd and sudo in syslog, web traffic with a scanner in Apache combined
 * format, Windows Security and Sysmon events as NXLog-style JSON lines (with
 * a password-spraying burst and encoded PowerShell), and an application in
 * logfmt. Same seed, same bytes.
 */
#ifndef VIGIL_DEMO_GEN_H
#define VIGIL_DEMO_GEN_H

#include <stdint.h>
#include <stdio.h>

enum gen_kind { GEN_SYSLOG, GEN_APACHE, GEN_WINJSON, GEN_LOGFMT, GEN_CSV, GEN_CEF };

struct gen_opts {
    uint64_t seed;
    int64_t end_ns;  /* the last event's time */
    int64_t span_ns; /* events spread evenly over [end - span, end] */
};

const char *gen_kind_name(enum gen_kind k);
/* Write n records of a kind to fp, one per line. Returns 0 or E_IO. */
int gen_write(FILE *fp, enum gen_kind k, uint64_t n, const struct gen_opts *o);

#endif
