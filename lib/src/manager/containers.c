/*
 * Dicts, lists and namespaces: the operations of the manager's containers
 * (a namespace is a dict underneath).  See docs/objects.md.
 */
#include "manager/store.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------------- */

static size_t entry_cost(size_t klen, const slot *v) {
    return klen + rp__slot_bytes(v) + RP__ENTRY_COST;
}

static int key_arg(req *q, rp__field *k) {
    int rc = rp__arg(q, k, RP__F_BYTES, "key");
    if (rc == 0 && k->len > q->s->key_max)
        return rp__fail(q, RP_ETOOBIG, "key of %zu bytes exceeds obj_key_max (%zu)", k->len,
                        q->s->key_max);
    return rc;
}

/* A key, then a value (not none): the fields of most dict operations. */
static int key_value_args(req *q, rp__field *k, rp__field *v) {
    int rc = key_arg(q, k);
    return rc != 0 ? rc : rp__value_arg(q, v, 0);
}

static int no_key(req *q, const rp__field *k) {
    char a[160], b[120];
    return rp__fail(q, RP_ENOKEY, "no key '%s' in %s", rp__show(k->p, k->len, a, sizeof a),
                    rp__obj_label(q->o, b, sizeof b));
}

/* Copy @p v into *@p n, charging @p cost to the object (nothing charged
 * if it fails). */
static int charged_copy(req *q, slot *n, const rp__field *v, size_t cost) {
    int rc = rp__charge(q, q->o, cost);
    if (rc != 0)
        return rc;
    if (rp__slot_set(n, v) != 0) {
        rp__release(q->s, q->o, cost);
        return rp__nomem(q);
    }
    return 0;
}

/* Replace the value in @p s (a dict's entry or a list's element) by @p v. */
static int slot_replace(req *q, slot *s, const rp__field *v) {
    size_t old = rp__slot_bytes(s);
    slot n;
    int rc = charged_copy(q, &n, v, rp__field_cost(v));
    if (rc != 0)
        return rc;
    rp__slot_free(s);
    *s = n;
    rp__release(q->s, q->o, old);
    return 0;
}

/* Write an entry's value into the answer, or none if there is no entry. */
static void put_entry(req *q, const entry *e) {
    if (e != NULL)
        rp__put_slot(&q->w, &e->v);
    else
        rp__fw_none(&q->w);
}

/* ---- dict operations ------------------------------------------------------ */

/* Set key k to value v, inserting or replacing. */
static int dict_put(req *q, const rp__field *k, const rp__field *v) {
    map *m = &q->o->m;
    size_t pos;
    uint64_t h = rp__hash_bytes(k->p, k->len);
    entry *e = rp__map_find_h(m, k->p, k->len, h, &pos);
    if (e != NULL)
        return slot_replace(q, &e->v, v);
    size_t add = k->len + rp__field_cost(v) + RP__ENTRY_COST;
    slot n;
    int rc = charged_copy(q, &n, v, add);
    if (rc != 0)
        return rc;
    if ((rc = rp__map_insert(m, k->p, k->len, h, &n)) != 0) {
        rp__slot_free(&n);
        rp__release(q->s, q->o, add);
        return rc == RP_ENOMEM ? rp__nomem(q) : rp__fail(q, rc, "dict too large");
    }
    return 0;
}

static void dict_del_at(req *q, size_t pos) {
    map *m = &q->o->m;
    entry *e = m->ents[m->idx[pos] - 1];
    rp__release(q->s, q->o, entry_cost(e->klen, &e->v));
    rp__map_remove(m, pos);
}

/* The entry of the request's key field, its position into *pos (if
 * @p pos); fails the request on a bad key or a missing one (RP_ENOKEY). */
static int key_entry(req *q, entry **e, size_t *pos) {
    rp__field k;
    int rc = key_arg(q, &k);
    if (rc != 0)
        return rc;
    *e = rp__map_find(&q->o->m, k.p, k.len, pos);
    return *e != NULL ? 0 : no_key(q, &k);
}

int rp__op_d_get(req *q) {
    entry *e;
    int rc = key_entry(q, &e, NULL);
    if (rc == 0)
        rp__put_slot(&q->w, &e->v);
    return rc;
}

int rp__op_d_set(req *q) {
    rp__field k, v;
    int rc = key_value_args(q, &k, &v);
    return rc ? rc : dict_put(q, &k, &v);
}

int rp__op_d_del(req *q) {
    entry *e;
    size_t pos;
    int rc = key_entry(q, &e, &pos);
    if (rc == 0)
        dict_del_at(q, pos);
    return rc;
}

int rp__op_d_contains(req *q) {
    rp__field k;
    int rc = key_arg(q, &k);
    if (rc != 0)
        return rc;
    q->w.h.code = rp__map_find(&q->o->m, k.p, k.len, NULL) != NULL;
    return 0;
}

int rp__op_d_len(req *q) {
    rp__fw_int(&q->w, (int64_t)q->o->m.live);
    return 0;
}

int rp__op_d_setdefault(req *q) {
    rp__field k, v;
    int rc = key_value_args(q, &k, &v);
    if (rc != 0)
        return rc;
    entry *e = rp__map_find(&q->o->m, k.p, k.len, NULL);
    if (e != NULL) {
        rp__put_slot(&q->w, &e->v);
        return 0;
    }
    if ((rc = dict_put(q, &k, &v)) == 0)
        rp__fw_field(&q->w, &v);
    return rc;
}

int rp__op_d_pop(req *q) {
    entry *e;
    size_t pos;
    int rc = key_entry(q, &e, &pos);
    if (rc != 0)
        return rc;
    rp__put_slot(&q->w, &e->v);
    if (q->w.err == 0) /* the value must reach the caller before it goes */
        dict_del_at(q, pos);
    return 0;
}

int rp__op_d_clear(req *q) {
    rp__release(q->s, q->o, q->o->mem - RP__OBJ_COST - q->o->namelen);
    rp__map_clear(&q->o->m);
    return 0;
}

int rp__op_d_items(req *q) {
    const map *m = &q->o->m;
    int what = q->h->flags & (RP_KEYS | RP_VALUES);
    if (what == 0)
        return rp__fail(q, RP_EINVAL, "items: ask for keys, values or both");
    for (size_t i = 0; i < m->nents && q->w.err == 0; i++) {
        const entry *e = m->ents[i];
        if (e == NULL)
            continue;
        if (what & RP_KEYS)
            rp__fw_bytes(&q->w, e->key, e->klen);
        if (what & RP_VALUES)
            rp__put_slot(&q->w, &e->v);
    }
    return 0;
}

int rp__op_d_update(req *q) {
    if (q->h->count % 2 != 0)
        return rp__fail(q, RP_EPROTO, "update: keys and values must pair up");
    /* Check every pair and the memory first: all pairs go in, or none. */
    rp__freader start = q->r;
    size_t need = 0;
    rp__field k, v;
    int rc;
    for (uint32_t i = 0; i < q->h->count / 2; i++) {
        if ((rc = key_arg(q, &k)) != 0 || (rc = rp__value_arg(q, &v, 0)) != 0)
            return rc;
        need += k.len + rp__field_cost(&v) + RP__ENTRY_COST;
    }
    if ((rc = rp__charge(q, q->o, need)) != 0)
        return rc;
    rp__release(q->s, q->o, need);
    q->r = start;
    for (uint32_t i = 0; i < q->h->count / 2; i++) {
        rp__freader_next(&q->r, &k);
        rp__freader_next(&q->r, &v);
        if ((rc = dict_put(q, &k, &v)) != 0)
            return rc;
    }
    return 0;
}

int rp__op_d_getmany(req *q) {
    rp__field k;
    int rc;
    rp__fw_reserve(&q->w, (size_t)q->h->count * RP__FIELD_HEAD); /* a number per key, at least */
    for (uint32_t i = 0; i < q->h->count; i++) {
        if ((rc = key_arg(q, &k)) != 0)
            return rc;
        put_entry(q, rp__map_find(&q->o->m, k.p, k.len, NULL));
    }
    return 0;
}

int rp__op_d_add(req *q) {
    rp__field k, d;
    int rc = key_value_args(q, &k, &d);
    if (rc != 0)
        return rc;
    if (d.type == RP__F_BYTES)
        return rp__fail(q, RP_ETYPE, "add: the delta must be an int or a double");
    entry *e = rp__map_find(&q->o->m, k.p, k.len, NULL);
    if (e == NULL) {
        if ((rc = dict_put(q, &k, &d)) == 0)
            rp__fw_field(&q->w, &d);
        return rc;
    }
    slot *s = &e->v;
    char a[160], b[120];
    if (s->type == RP__F_BYTES)
        return rp__fail(q, RP_ETYPE, "add: '%s' in %s holds bytes",
                        rp__show(k.p, k.len, a, sizeof a), rp__obj_label(q->o, b, sizeof b));
    if (s->type == RP__F_INT && d.type == RP__F_INT) {
        int64_t r;
        if (__builtin_add_overflow(s->i, d.i, &r))
            return rp__fail(q, RP_EOVERFLOW, "add: %lld + %lld overflows", (long long)s->i,
                            (long long)d.i);
        s->i = r;
    } else {
        double x = s->type == RP__F_INT ? (double)s->i : s->d;
        s->d = x + (d.type == RP__F_INT ? (double)d.i : d.d);
        s->type = RP__F_DOUBLE;
    }
    rp__put_slot(&q->w, s);
    return 0;
}

int rp__op_d_cas(req *q) {
    rp__field k, expect, want;
    int rc = key_arg(q, &k);
    if (rc == 0)
        rc = rp__value_arg(q, &expect, 1);
    if (rc == 0)
        rc = rp__value_arg(q, &want, 1);
    if (rc != 0)
        return rc;
    size_t pos;
    entry *e = rp__map_find(&q->o->m, k.p, k.len, &pos);
    int match = e ? rp__slot_equals(&e->v, &expect) : expect.type == RP__F_NONE;
    put_entry(q, e);
    if (q->w.err != 0 || !match)
        return 0;
    if (want.type == RP__F_NONE) {
        if (e != NULL)
            dict_del_at(q, pos); /* swapping to "absent" deletes */
    } else if ((rc = dict_put(q, &k, &want)) != 0) {
        return rc;
    }
    q->w.h.code = 1;
    return 0;
}

int rp__op_d_swap(req *q) {
    rp__field k, v;
    int rc = key_value_args(q, &k, &v);
    if (rc != 0)
        return rc;
    put_entry(q, rp__map_find(&q->o->m, k.p, k.len, NULL));
    if (q->w.err != 0)
        return 0;
    /* The old value is already copied into the reply: replace it now. */
    return dict_put(q, &k, &v);
}

/* ---- list operations ------------------------------------------------------- */

static int vec_reserve(req *q, vec *l, size_t more) {
    if (more > SIZE_MAX / sizeof(slot) - l->n)
        return rp__fail(q, RP_ENOSPC, "list too large");
    if (l->n + more <= l->cap)
        return 0;
    size_t cap = l->cap ? l->cap + l->cap / 2 : 8;
    if (cap < l->n + more)
        cap = l->n + more;
    slot *v = realloc(l->v, cap * sizeof *v);
    if (v == NULL)
        return rp__nomem(q);
    l->v = v;
    l->cap = cap;
    return 0;
}

/* Python's index rule: negative counts from the end; out of range fails. */
static int index_arg(req *q, size_t n, size_t *at) {
    int64_t i;
    int rc = rp__int_arg(q, &i, "index");
    if (rc != 0)
        return rc;
    int64_t j = i < 0 ? i + (int64_t)n : i;
    if (j < 0 || (uint64_t)j >= n) {
        char b[120];
        return rp__fail(q, RP_ERANGE, "index %lld out of range for %s of %zu", (long long)i,
                        rp__obj_label(q->o, b, sizeof b), n);
    }
    *at = (size_t)j;
    return 0;
}

/* Insert @p v at @p at (0..n). */
static int list_put(req *q, size_t at, const rp__field *v) {
    vec *l = &q->o->l;
    size_t cost = rp__field_cost(v) + RP__ELEM_COST;
    int rc = rp__charge(q, q->o, cost);
    if (rc != 0)
        return rc;
    slot n;
    if ((rc = vec_reserve(q, l, 1)) != 0) {
        rp__release(q->s, q->o, cost);
        return rc;
    }
    if (rp__slot_set(&n, v) != 0) {
        rp__release(q->s, q->o, cost);
        return rp__nomem(q);
    }
    memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof *l->v);
    l->v[at] = n;
    l->n++;
    return 0;
}

int rp__op_l_append(req *q) {
    rp__field v;
    int rc = rp__value_arg(q, &v, 0);
    return rc ? rc : list_put(q, q->o->l.n, &v);
}

int rp__op_l_extend(req *q) {
    rp__freader start = q->r;
    size_t need = 0;
    rp__field v;
    int rc;
    for (uint32_t i = 0; i < q->h->count; i++) {
        if ((rc = rp__value_arg(q, &v, 0)) != 0)
            return rc;
        need += rp__field_cost(&v) + RP__ELEM_COST;
    }
    if ((rc = rp__charge(q, q->o, need)) != 0)
        return rc;
    rp__release(q->s, q->o, need);
    if ((rc = vec_reserve(q, &q->o->l, q->h->count)) != 0)
        return rc;
    q->r = start;
    for (uint32_t i = 0; i < q->h->count; i++) {
        rp__freader_next(&q->r, &v);
        if ((rc = list_put(q, q->o->l.n, &v)) != 0)
            return rc;
    }
    return 0;
}

int rp__op_l_get(req *q) {
    size_t at = 0;
    int rc = index_arg(q, q->o->l.n, &at);
    if (rc == 0)
        rp__put_slot(&q->w, &q->o->l.v[at]);
    return rc;
}

int rp__op_l_set(req *q) {
    size_t at = 0;
    rp__field v;
    int rc = index_arg(q, q->o->l.n, &at);
    if (rc == 0)
        rc = rp__value_arg(q, &v, 0);
    if (rc != 0)
        return rc;
    return slot_replace(q, &q->o->l.v[at], &v);
}

int rp__op_l_pop(req *q) {
    vec *l = &q->o->l;
    if (l->n == 0) {
        char b[120];
        return rp__fail(q, RP_ERANGE, "pop from empty %s", rp__obj_label(q->o, b, sizeof b));
    }
    size_t at = 0;
    int rc = index_arg(q, l->n, &at);
    if (rc != 0)
        return rc;
    rp__put_slot(&q->w, &l->v[at]);
    if (q->w.err != 0)
        return 0;
    rp__release(q->s, q->o, rp__slot_bytes(&l->v[at]) + RP__ELEM_COST);
    rp__slot_free(&l->v[at]);
    memmove(l->v + at, l->v + at + 1, (l->n - at - 1) * sizeof *l->v);
    l->n--;
    return 0;
}

/* Python's slice bound: negative counts from the end, then clamp to 0..n. */
static size_t clamp_index(int64_t i, size_t n) {
    if (i < 0) {
        i += (int64_t)n;
        return i < 0 ? 0 : (size_t)i;
    }
    return (uint64_t)i > n ? n : (size_t)i;
}

int rp__op_l_insert(req *q) {
    int64_t i;
    rp__field v;
    int rc = rp__int_arg(q, &i, "index");
    if (rc == 0)
        rc = rp__value_arg(q, &v, 0);
    return rc ? rc : list_put(q, clamp_index(i, q->o->l.n), &v);
}

int rp__op_l_len(req *q) {
    rp__fw_int(&q->w, (int64_t)q->o->l.n);
    return 0;
}

int rp__op_l_slice(req *q) {
    int64_t a, b;
    int rc = rp__int_arg(q, &a, "start");
    if (rc == 0)
        rc = rp__int_arg(q, &b, "stop");
    if (rc != 0)
        return rc;
    const vec *l = &q->o->l;
    size_t from = clamp_index(a, l->n), to = clamp_index(b, l->n);
    for (size_t i = from; i < to && q->w.err == 0; i++)
        rp__put_slot(&q->w, &l->v[i]);
    return 0;
}
