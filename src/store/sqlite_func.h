/*
 * sqlite_func.h - the SQL functions and the collation that compiled queries
 * (sqlite_sql.h) use. Register them on every connection that runs a plan:
 *
 *   vigil_num(x)            x as a number: integers and reals as they are,
 *                           text that is wholly a decimal number converted,
 *                           anything else NULL
 *   vigil_cidr(ip, net)     1 if the IPv4/IPv6 address ip is in the network
 *                           net ("10.0.0.0/8", "2001:db8::/32"), else 0;
 *                           NULL when ip is NULL
 *   vigil_bin(x, span)      x rounded down to a multiple of span
 *   vigil_percentile(x, p)  aggregate: the p-th percentile (0..100) of the
 *                           numbers x, interpolating linearly between ranks;
 *                           exact up to 4M values, a fixed-seed reservoir
 *                           sample beyond
 *   vigil_values(x)         aggregate: the distinct values as a JSON array of
 *                           strings in vigil_natural order (E_TOOBIG past 100k
 *                           values or 64 MiB)
 *   COLLATE vigil_natural   numbers (as text) numerically and before other
 *                           text, which compares case-insensitively
 *
 * All are deterministic and innocuous (safe in views and triggers).
 */
#ifndef VIGIL_STORE_SQLITE_FUNC_H
#define VIGIL_STORE_SQLITE_FUNC_H

#include <sqlite3.h>

/* 0 or E_DB. */
int sqlite_func_register(sqlite3 *db);

#endif
