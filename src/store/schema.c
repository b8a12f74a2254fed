#include "store/schema.h"
#include "base/clock.h"
#include "base/timefmt.h"

#include <stdio.h>

static const struct schema_column promoted[] = {
#define SCHEMA_COL(id, col, type, idx) {id, col, type, idx},
    SCHEMA_PROMOTED(SCHEMA_COL)
#undef SCHEMA_COL
};

const struct schema_column *schema_promoted(size_t *n)
{
    *n = sizeof(promoted) / sizeof(promoted[0]);
    return promoted;
}

const struct schema_column *schema_column_for(uint32_t field_id)
{
    for (size_t i = 0; i < sizeof(promoted) / sizeof(promoted[0]); i++)
        if (promoted[i].field_id == field_id)
            return &promoted[i];
    return NULL;
}

int64_t schema_day_of(int64_t ts_ns)
{
    int64_t d = ts_ns / NS_PER_DAY;
    if (ts_ns % NS_PER_DAY < 0)
        d--;
    return d;
}

void schema_partition_names(int64_t day, char ev[16], char fts[16])
{
    int y, mo, d, h, mi, s;
    time_to_civil(day * NS_PER_DAY, &y, &mo, &d, &h, &mi, &s);
    snprintf(ev, 16, "ev_%04d%02d%02d", y % 10000, mo, d);
    snprintf(fts, 16, "fts_%04d%02d%02d", y % 10000, mo, d);
}
