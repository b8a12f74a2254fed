/*
 * store.c - the writer thread, its bounded queue and group commit, in front
 * of a backend.
 */
#include "store/store_int.h"
#include "base/clock.h"
#include "base/xmalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct store {
    const struct store_backend *be_ops;
    void *be;
    struct store_opts opts;
    char *home;

    pthread_t writer;
    bool writer_running;
    pthread_mutex_t lock;
    pthread_cond_t cond_work;      /* queue became non-empty, or stopping */
    pthread_cond_t cond_space;     /* queue has room */
    pthread_cond_t cond_committed; /* committed_seq advanced, or the writer failed */
    struct event_batch *head, *tail;
    size_t queued;
    uint64_t next_seq;
    uint64_t committed_seq;
    bool stopping;
    /* A retention run asked for by store_retention(), done by the writer
     * because only the writer's connection changes the schema. */
    bool retention_req;
    int64_t retention_now;
    uint64_t retention_gen, retention_done_gen;
    int retention_rc;
    uint64_t retention_dropped;
    struct diag retention_diag;
    int error; /* sticky: the first failed commit */
    struct diag error_diag;
};

void store_opts_default(struct store_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->home = "./var";
    o->fts = true;
    o->durability = STORE_DURABLE_FULL;
    o->queue_batches = 4;
    o->max_group_events = 50000;
}

/* Take as many queued batches as fit in one group; called with the lock held. */
static struct event_batch *take_group(struct store *s)
{
    struct event_batch *first = s->head, *last = first;
    size_t events = first->events.n;
    size_t n = 1;
    while (last->next && events + last->next->events.n <= s->opts.max_group_events) {
        last = last->next;
        events += last->events.n;
        n++;
    }
    s->head = last->next;
    if (s->head == NULL)
        s->tail = NULL;
    last->next = NULL;
    s->queued -= n;
    return first;
}

static int write_group(struct store *s, struct event_batch *group, struct diag *d)
{
    int rc = s->be_ops->begin(s->be, d);
    if (rc)
        return rc;
    for (struct event_batch *b = group; b; b = b->next) {
        rc = s->be_ops->write_batch(s->be, b, d);
        if (rc) {
            s->be_ops->rollback(s->be);
            return rc;
        }
    }
    rc = s->be_ops->commit(s->be, d);
    if (rc)
        s->be_ops->rollback(s->be);
    return rc;
}

static void *writer_main(void *arg)
{
    struct store *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->head == NULL && !s->stopping && !s->retention_req)
            pthread_cond_wait(&s->cond_work, &s->lock);
        if (s->retention_req) {
            s->retention_req = false;
            int64_t now = s->retention_now;
            pthread_mutex_unlock(&s->lock);
            struct diag rd;
            diag_clear(&rd);
            uint64_t dropped = 0;
            int rrc = s->be_ops->retention(s->be, &s->opts, now, &dropped, &rd);
            pthread_mutex_lock(&s->lock);
            s->retention_rc = rrc;
            s->retention_dropped = dropped;
            s->retention_diag = rd;
            s->retention_done_gen = s->retention_gen;
            pthread_cond_broadcast(&s->cond_committed);
            continue;
        }
        if (s->head == NULL)
            break; /* stopping and drained */
        struct event_batch *group = take_group(s);
        pthread_cond_broadcast(&s->cond_space);
        bool failed = s->error != 0;
        pthread_mutex_unlock(&s->lock);

        struct diag d;
        diag_clear(&d);
        int rc = failed ? 0 : write_group(s, group, &d);
        uint64_t last_seq = 0;
        while (group) {
            struct event_batch *next = group->next;
            last_seq = group->seq;
            batch_free(group);
            group = next;
        }
        if (rc == 0 && !failed && (s->opts.retention_max_age_ns || s->opts.retention_max_bytes)) {
            uint64_t dropped;
            struct diag rd;
            s->be_ops->retention(s->be, &s->opts, clock_now_ns(), &dropped, &rd);
        }

        pthread_mutex_lock(&s->lock);
        if (rc && !s->error) {
            s->error = rc;
            s->error_diag = d;
        }
        if (!s->error)
            s->committed_seq = last_seq;
        pthread_cond_broadcast(&s->cond_committed);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int store_open(const struct store_opts *o, struct store **out, struct diag *d)
{
    struct store *s = xcalloc(1, sizeof(*s));
    s->opts = *o;
    s->home = xstrdup(o->home);
    s->opts.home = s->home;
    if (s->opts.queue_batches == 0)
        s->opts.queue_batches = 4;
    if (s->opts.max_group_events == 0)
        s->opts.max_group_events = 50000;
    s->be_ops = &store_backend_sqlite;
    int rc = s->be_ops->open(&s->opts, &s->be, d);
    if (rc) {
        free(s->home);
        free(s);
        return rc;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond_work, NULL);
    pthread_cond_init(&s->cond_space, NULL);
    pthread_cond_init(&s->cond_committed, NULL);
    s->next_seq = 1;
    if (!o->read_only) {
        if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
            s->be_ops->close(s->be);
            free(s->home);
            free(s);
            return diag_set(d, E_STATE, "store", "cannot start the writer thread");
        }
        s->writer_running = true;
    }
    *out = s;
    return 0;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    if (s->writer_running) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->cond_work);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->writer, NULL);
    }
    s->be_ops->close(s->be);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond_work);
    pthread_cond_destroy(&s->cond_space);
    pthread_cond_destroy(&s->cond_committed);
    free(s->home);
    free(s);
}

int store_submit_take(struct store *s, struct event_batch *b, uint64_t *seq, struct diag *d)
{
    if (!s->writer_running) {
        batch_free(b);
        return diag_set(d, E_STATE, "store", "the store is open read-only");
    }
    if (s->be_ops->prepare) {
        int rc = s->be_ops->prepare(s->be, b, d);
        if (rc) {
            batch_free(b);
            return rc;
        }
    }
    pthread_mutex_lock(&s->lock);
    while (s->queued >= s->opts.queue_batches && !s->error)
        pthread_cond_wait(&s->cond_space, &s->lock);
    if (s->error) {
        int rc = s->error;
        if (d)
            *d = s->error_diag;
        pthread_mutex_unlock(&s->lock);
        batch_free(b);
        return rc;
    }
    b->seq = s->next_seq++;
    b->next = NULL;
    if (s->tail)
        s->tail->next = b;
    else
        s->head = b;
    s->tail = b;
    s->queued++;
    *seq = b->seq;
    pthread_cond_signal(&s->cond_work);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int store_wait(struct store *s, uint64_t seq, struct diag *d)
{
    pthread_mutex_lock(&s->lock);
    while (s->committed_seq < seq && !s->error)
        pthread_cond_wait(&s->cond_committed, &s->lock);
    int rc = s->committed_seq >= seq ? 0 : s->error;
    if (rc && d)
        *d = s->error_diag;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int store_tenant(struct store *s, const char *name, bool create, uint32_t *id, struct diag *d)
{
    return s->be_ops->tenant(s->be, name, create, id, d);
}

int store_source(struct store *s, uint32_t tenant_id, const char *name, const char *type,
                 const char *format, uint32_t *id, struct diag *d)
{
    return s->be_ops->source(s->be, tenant_id, name, type, format, id, d);
}

int store_file_open(struct store *s, uint32_t source_id, const char *path, struct store_file *f,
                    struct diag *d)
{
    return s->be_ops->file_open(s->be, source_id, path, f, d);
}

int store_search(struct store *s, const struct query *q, const struct store_search_opts *o,
                 store_row_fn *fn, void *ctx, struct diag *d)
{
    return s->be_ops->search(s->be, q, o, fn, ctx, d);
}

int store_explain(struct store *s, const struct query *q, const struct store_search_opts *o,
                  char **sql, struct diag *d)
{
    return s->be_ops->explain(s->be, q, o, sql, d);
}

int store_list_sources(struct store *s, uint32_t tenant_id, store_row_fn *fn, void *ctx,
                       struct diag *d)
{
    return s->be_ops->list_sources(s->be, tenant_id, fn, ctx, d);
}

int store_list_quarantine(struct store *s, uint32_t tenant_id, uint64_t limit, store_row_fn *fn,
                          void *ctx, struct diag *d)
{
    return s->be_ops->list_quarantine(s->be, tenant_id, limit, fn, ctx, d);
}

int store_stats(struct store *s, uint32_t tenant_id, struct store_stats *st, struct diag *d)
{
    return s->be_ops->stats(s->be, tenant_id, st, d);
}

int store_retention(struct store *s, int64_t now_ns, uint64_t *dropped, struct diag *d)
{
    if (!s->writer_running)
        return diag_set(d, E_STATE, "store", "the store is open read-only");
    pthread_mutex_lock(&s->lock);
    uint64_t gen = ++s->retention_gen;
    s->retention_req = true;
    s->retention_now = now_ns;
    pthread_cond_signal(&s->cond_work);
    while (s->retention_done_gen < gen)
        pthread_cond_wait(&s->cond_committed, &s->lock);
    int rc = s->retention_rc;
    *dropped = s->retention_dropped;
    if (rc && d)
        *d = s->retention_diag;
    pthread_mutex_unlock(&s->lock);
    return rc;
}
