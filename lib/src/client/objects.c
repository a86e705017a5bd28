/*
 * Shared objects, the caller's side: every rp_dict_* / rp_list_* / rp_ns_*
 * call encodes one OBJ_REQ, has it executed (call.c), and decodes the
 * OBJ_REP.  See docs/objects.md.
 */
#include "client/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_key(rp__call *c, rp_key k) {
    rp__fw_bytes(&c->w, k.data, k.len);
}

/* Encoded size of a value field (rp__put_value), to size a batch's buffer once. */
static size_t value_size(const rp_value *v) {
    return RP__FIELD_HEAD + (v->type == RP_T_BYTES ? rp__field_room(v->len) : 0);
}

static int bad_key(rp_key k) {
    return k.data == NULL && k.len > 0;
}

/* Private part of rp_items: the answer the entries point into. */
typedef struct items_mem {
    void *rep;
} items_mem;

/* The answer's fields as a batch of @p n entries: keys and/or values. */
static int take_items(rp__call *c, size_t n, int keys, int values, rp_items *out) {
    size_t one = (keys ? sizeof(rp_key) : 0) + (values ? sizeof(rp_value) : 0);
    items_mem *m = malloc(sizeof *m + n * one);
    if (m == NULL) {
        free(c->rep);
        return rp__err(RP_ENOMEM, "no memory for %zu entries", n);
    }
    m->rep = c->rep;
    uint8_t *at = (uint8_t *)(m + 1);
    out->n = n;
    out->keys = keys ? (rp_key *)at : NULL;
    out->values = values ? (rp_value *)(at + (keys ? n * sizeof(rp_key) : 0)) : NULL;
    out->mem = m;
    for (size_t i = 0; i < n; i++) {
        rp_value v;
        if (keys) {
            rp__call_next(c, &v);
            out->keys[i] = rp_key_bytes(v.data, v.len);
        }
        if (values)
            rp__call_next(c, &out->values[i]);
    }
    return 0;
}

void rp_value_free(rp_value *v) {
    if (v == NULL)
        return;
    free(v->owned);
    memset(v, 0, sizeof *v);
}

void rp_items_free(rp_items *items) {
    if (items == NULL)
        return;
    items_mem *m = items->mem;
    if (m != NULL)
        free(m->rep);
    free(m);
    memset(items, 0, sizeof *items);
}

/* ---- objects ---------------------------------------------------------------- */

int rp_dict_open(rp_runtime *rt, const char *name, int flags, rp_dict *d) {
    return rp__obj_open(rt, name, flags, RP_KIND_DICT, 0, 0, d ? &d->id : NULL);
}

int rp_list_open(rp_runtime *rt, const char *name, int flags, rp_list *l) {
    return rp__obj_open(rt, name, flags, RP_KIND_LIST, 0, 0, l ? &l->id : NULL);
}

int rp_ns_open(rp_runtime *rt, const char *name, int flags, rp_ns *ns) {
    return rp__obj_open(rt, name, flags, RP_KIND_NS, 0, 0, ns ? &ns->id : NULL);
}

int rp_dict_destroy(rp_runtime *rt, rp_dict d) {
    return rp__obj_destroy(rt, d.id, RP_KIND_DICT);
}

int rp_list_destroy(rp_runtime *rt, rp_list l) {
    return rp__obj_destroy(rt, l.id, RP_KIND_LIST);
}

int rp_ns_destroy(rp_runtime *rt, rp_ns ns) {
    return rp__obj_destroy(rt, ns.id, RP_KIND_NS);
}

int rp_obj_list(rp_runtime *rt, rp_obj_info **out, size_t *n) {
    if (out != NULL)
        *out = NULL;
    if (n != NULL)
        *n = 0;
    if (out == NULL || n == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    if (rt == NULL)
        return rp__err(RP_EINVAL, "NULL runtime");
    /* Every rank that holds objects answers for its own: rank 0, then the
     * servers (docs/scale.md). */
    int homes = rt->nservers + 1, rc = 0;
    rp__call *c = calloc((size_t)homes, sizeof *c);
    if (c == NULL)
        return rp__err(RP_ENOMEM, "no memory for the object list");
    size_t count = 0, names = 0;
    int got = 0;
    for (; got < homes; got++) {
        rp__call_begin(&c[got], 0, RP__OP_LIST, 0, 0);
        c[got].dest = got;
        if ((rc = rp__call_run(rt, &c[got])) < 0)
            break;
        rp__freader r = c[got].r;
        rp__field f;
        count += c[got].rh.count / 5;
        for (size_t i = 0; i < c[got].rh.count && rp__freader_next(&r, &f); i++)
            if (i % 5 == 0)
                names += f.len + 1;
    }
    rp_obj_info *v = rc < 0 ? NULL : malloc(count * sizeof *v + names + 1);
    if (rc >= 0 && v == NULL)
        rc = rp__err(RP_ENOMEM, "no memory for the object list");
    char *text = v != NULL ? (char *)(v + count) : NULL;
    size_t at = 0;
    for (int h = 0; h < got; h++) {
        for (size_t i = 0; v != NULL && i < c[h].rh.count / 5; i++) {
            rp__field fl[5];
            for (int k = 0; k < 5; k++)
                if (!rp__freader_next(&c[h].r, &fl[k]))
                    memset(&fl[k], 0, sizeof fl[k]);
            memcpy(text, fl[0].p ? fl[0].p : "", fl[0].len);
            text[fl[0].len] = '\0';
            v[at++] = (rp_obj_info){.name = text,
                                    .kind = (rp_kind)fl[1].i,
                                    .len = (size_t)fl[2].i,
                                    .mem = (size_t)fl[3].i,
                                    .id = (uint64_t)fl[4].i};
            text += fl[0].len + 1;
        }
        free(c[h].rep);
    }
    free(c);
    if (rc < 0)
        return rc;
    *out = v;
    *n = count;
    return 0;
}

int rp_obj_memory(rp_runtime *rt, size_t *used, size_t *limit) {
    if (rt == NULL)
        return rp__err(RP_EINVAL, "NULL runtime");
    size_t u = 0, l = 0;
    for (int h = 0; h <= rt->nservers; h++) {
        rp__call c;
        rp__call_begin(&c, 0, RP__OP_MEMORY, 0, 0);
        c.dest = h;
        int rc = rp__call_run(rt, &c);
        if (rc < 0)
            return rc;
        rp_value vu, vl;
        rp__call_next(&c, &vu);
        rp__call_next(&c, &vl);
        u += (size_t)vu.i;
        l = (size_t)vl.i > SIZE_MAX - l ? SIZE_MAX : l + (size_t)vl.i;
        free(c.rep);
    }
    if (used)
        *used = u;
    if (limit)
        *limit = l;
    return 0;
}

/* ---- dict ------------------------------------------------------------------- */

/* Run a call; the one value its answer carries (if @p answers) goes to
 * @p out (may be NULL). */
static int run_for_value(rp_runtime *rt, rp__call *c, rp_value *out, int answers) {
    int rc = rp__call_run(rt, c);
    if (rc < 0)
        return rc;
    if (!answers) {
        free(c->rep);
        return rc;
    }
    return rp__call_value(c, out, rc);
}

/* A dict call on key k with @p nvals values; the answer's value (if any)
 * goes to out. */
static int dict_call(rp_runtime *rt, rp_dict d, int op, rp_key k, const rp_value *vals, int nvals,
                     rp_value *out, int answers) {
    rp__out_value(out);
    if (bad_key(k))
        return rp__err(RP_EINVAL, "key with NULL data");
    for (int i = 0; i < nvals; i++)
        if (rp__bad_value(&vals[i]))
            return rp__err(RP_EINVAL, "bad value (type %d)", (int)vals[i].type);
    rp__call c;
    rp__call_begin(&c, RP_KIND_DICT, op, d.id, 0);
    put_key(&c, k);
    for (int i = 0; i < nvals; i++)
        rp__put_value(&c, &vals[i]);
    return run_for_value(rt, &c, out, answers);
}

int rp_dict_get(rp_runtime *rt, rp_dict d, rp_key k, rp_value *out) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    return dict_call(rt, d, RP__OP_D_GET, k, NULL, 0, out, 1);
}

/* rp_dict_get into *v, whose type must be one of @p types (bits
 * 1 << RP_T_...): else RP_ETYPE with @p msg, and nothing is kept. */
static int get_typed(rp_runtime *rt, rp_dict d, rp_key k, unsigned types, const char *msg,
                     rp_value *v) {
    int rc = rp_dict_get(rt, d, k, v);
    if (rc != 0)
        return rc;
    if ((types >> v->type & 1u) == 0) {
        rp_value_free(v);
        return rp__err(RP_ETYPE, "%s", msg);
    }
    return 0;
}

int rp_dict_get_int(rp_runtime *rt, rp_dict d, rp_key k, int64_t *out) {
    rp_value v;
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    int rc = get_typed(rt, d, k, 1u << RP_T_INT, "the value is not an integer", &v);
    if (rc == 0)
        *out = v.i;
    return rc;
}

int rp_dict_get_double(rp_runtime *rt, rp_dict d, rp_key k, double *out) {
    rp_value v;
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    int rc = get_typed(rt, d, k, ~(1u << RP_T_BYTES), "the value is bytes, not a number", &v);
    if (rc == 0)
        *out = v.type == RP_T_INT ? (double)v.i : v.d;
    return rc;
}

int rp_dict_get_str(rp_runtime *rt, rp_dict d, rp_key k, char *buf, size_t cap) {
    rp_value v;
    if (buf == NULL || cap == 0)
        return rp__err(RP_EINVAL, "no buffer");
    buf[0] = '\0';
    int rc = get_typed(rt, d, k, 1u << RP_T_BYTES, "the value is not a string", &v);
    if (rc != 0)
        return rc;
    size_t n = v.len < cap ? v.len : cap - 1;
    memcpy(buf, v.data, n);
    buf[n] = '\0';
    rc = v.len < cap ? 0 : rp__err(RP_ETRUNC, "a %zu-byte string in a %zu-byte buffer", v.len, cap);
    rp_value_free(&v);
    return rc;
}

int rp_dict_set(rp_runtime *rt, rp_dict d, rp_key k, rp_value v) {
    return dict_call(rt, d, RP__OP_D_SET, k, &v, 1, NULL, 0);
}

int rp_dict_del(rp_runtime *rt, rp_dict d, rp_key k) {
    return dict_call(rt, d, RP__OP_D_DEL, k, NULL, 0, NULL, 0);
}

int rp_dict_contains(rp_runtime *rt, rp_dict d, rp_key k) {
    return dict_call(rt, d, RP__OP_D_CONTAINS, k, NULL, 0, NULL, 0);
}

/* A call on object @p id with no fields whose answer is one integer. */
static int len_call(rp_runtime *rt, int kind, uint64_t id, int op, size_t *n) {
    if (n == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    rp__call c;
    rp__call_begin(&c, kind, op, id, 0);
    int rc = rp__call_run(rt, &c);
    if (rc < 0)
        return rc;
    rp_value v;
    rp__call_next(&c, &v);
    *n = (size_t)v.i;
    free(c.rep);
    return 0;
}

int rp_dict_len(rp_runtime *rt, rp_dict d, size_t *n) {
    return len_call(rt, RP_KIND_DICT, d.id, RP__OP_D_LEN, n);
}

int rp_dict_setdefault(rp_runtime *rt, rp_dict d, rp_key k, rp_value v, rp_value *out) {
    return dict_call(rt, d, RP__OP_D_SETDEFAULT, k, &v, 1, out, 1);
}

int rp_dict_pop(rp_runtime *rt, rp_dict d, rp_key k, rp_value *out) {
    return dict_call(rt, d, RP__OP_D_POP, k, NULL, 0, out, 1);
}

int rp_dict_clear(rp_runtime *rt, rp_dict d) {
    rp__call c;
    rp__call_begin(&c, RP_KIND_DICT, RP__OP_D_CLEAR, d.id, 0);
    return rp__call_plain(rt, &c);
}

int rp_dict_items(rp_runtime *rt, rp_dict d, int what, rp_items *out) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    memset(out, 0, sizeof *out);
    if (what & ~(RP_KEYS | RP_VALUES) || what == 0)
        return rp__err(RP_EINVAL, "ask for RP_KEYS, RP_VALUES or both");
    rp__call c;
    rp__call_begin(&c, RP_KIND_DICT, RP__OP_D_ITEMS, d.id, what);
    int rc = rp__call_run(rt, &c);
    if (rc < 0)
        return rc;
    size_t per = (what & RP_KEYS ? 1 : 0) + (what & RP_VALUES ? 1 : 0);
    return take_items(&c, c.rh.count / per, what & RP_KEYS, what & RP_VALUES, out);
}

int rp_dict_update(rp_runtime *rt, rp_dict d, const rp_key *keys, const rp_value *values,
                   size_t n) {
    if (n > 0 && (keys == NULL || values == NULL))
        return rp__err(RP_EINVAL, "NULL keys or values");
    if (n > RP__MAX_COUNT / 2)
        return rp__err(RP_ETOOBIG, "more than %u pairs in one call", RP__MAX_COUNT / 2);
    rp__call c;
    rp__call_begin(&c, RP_KIND_DICT, RP__OP_D_UPDATE, d.id, 0);
    size_t room = 0;
    for (size_t i = 0; i < n; i++) {
        if (bad_key(keys[i]) || rp__bad_value(&values[i]) || values[i].type == RP_T_NONE)
            return rp__call_drop(&c, RP_EINVAL, "bad key or value in update");
        room += value_size(&values[i]) + RP__FIELD_HEAD + rp__field_room(keys[i].len);
    }
    rp__fw_reserve(&c.w, room);
    for (size_t i = 0; i < n; i++) {
        put_key(&c, keys[i]);
        rp__put_value(&c, &values[i]);
    }
    return rp__call_plain(rt, &c);
}

int rp_dict_get_many(rp_runtime *rt, rp_dict d, const rp_key *keys, size_t n, rp_items *out) {
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (out == NULL || (n > 0 && keys == NULL))
        return rp__err(RP_EINVAL, "NULL keys or output pointer");
    if (n > RP__MAX_COUNT)
        return rp__err(RP_ETOOBIG, "more than %u keys in one call", RP__MAX_COUNT);
    rp__call c;
    rp__call_begin(&c, RP_KIND_DICT, RP__OP_D_GETMANY, d.id, 0);
    size_t room = 0;
    for (size_t i = 0; i < n; i++) {
        if (bad_key(keys[i]))
            return rp__call_drop(&c, RP_EINVAL, "key with NULL data");
        room += RP__FIELD_HEAD + rp__field_room(keys[i].len);
    }
    rp__fw_reserve(&c.w, room);
    for (size_t i = 0; i < n; i++)
        put_key(&c, keys[i]);
    int rc = rp__call_run(rt, &c);
    if (rc < 0)
        return rc;
    if (c.rh.count != n) {
        free(c.rep);
        return rp__err(RP_EPROTO, "answer with %u values for %zu keys", c.rh.count, n);
    }
    return take_items(&c, n, 0, 1, out);
}

int rp_dict_add(rp_runtime *rt, rp_dict d, rp_key k, rp_value delta, rp_value *out) {
    return dict_call(rt, d, RP__OP_D_ADD, k, &delta, 1, out, 1);
}

int rp_dict_add_int(rp_runtime *rt, rp_dict d, rp_key k, int64_t delta, int64_t *out) {
    rp_value v;
    int rc = rp_dict_add(rt, d, k, rp_int(delta), &v);
    if (rc == 0 && out != NULL)
        *out = v.type == RP_T_INT ? v.i : (int64_t)v.d;
    return rc;
}

int rp_dict_cas(rp_runtime *rt, rp_dict d, rp_key k, rp_value expected, rp_value desired,
                rp_value *current) {
    rp_value v[2] = {expected, desired};
    return dict_call(rt, d, RP__OP_D_CAS, k, v, 2, current, 1);
}

int rp_dict_swap(rp_runtime *rt, rp_dict d, rp_key k, rp_value v, rp_value *old) {
    return dict_call(rt, d, RP__OP_D_SWAP, k, &v, 1, old, 1);
}

/* ---- list ------------------------------------------------------------------- */

/* A list call with optional index and values; the answer's value to out. */
static int list_call(rp_runtime *rt, rp_list l, int op, const int64_t *index, const rp_value *vals,
                     size_t nvals, rp_value *out, int answers) {
    rp__out_value(out);
    if (nvals > 0 && vals == NULL)
        return rp__err(RP_EINVAL, "NULL values");
    if (nvals > RP__MAX_COUNT - 1)
        return rp__err(RP_ETOOBIG, "more than %u values in one call", RP__MAX_COUNT - 1);
    rp__call c;
    rp__call_begin(&c, RP_KIND_LIST, op, l.id, 0);
    if (index != NULL)
        rp__fw_int(&c.w, *index);
    for (size_t i = 0; i < nvals; i++) {
        if (rp__bad_value(&vals[i]) || vals[i].type == RP_T_NONE)
            return rp__call_drop(&c, RP_EINVAL, "bad value: a list holds ints, doubles or bytes");
        rp__put_value(&c, &vals[i]);
    }
    return run_for_value(rt, &c, out, answers);
}

int rp_list_append(rp_runtime *rt, rp_list l, rp_value v) {
    return list_call(rt, l, RP__OP_L_APPEND, NULL, &v, 1, NULL, 0);
}

int rp_list_extend(rp_runtime *rt, rp_list l, const rp_value *values, size_t n) {
    return list_call(rt, l, RP__OP_L_EXTEND, NULL, values, n, NULL, 0);
}

int rp_list_get(rp_runtime *rt, rp_list l, int64_t i, rp_value *out) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    return list_call(rt, l, RP__OP_L_GET, &i, NULL, 0, out, 1);
}

int rp_list_set(rp_runtime *rt, rp_list l, int64_t i, rp_value v) {
    return list_call(rt, l, RP__OP_L_SET, &i, &v, 1, NULL, 0);
}

int rp_list_pop(rp_runtime *rt, rp_list l, int64_t i, rp_value *out) {
    return list_call(rt, l, RP__OP_L_POP, &i, NULL, 0, out, 1);
}

int rp_list_insert(rp_runtime *rt, rp_list l, int64_t i, rp_value v) {
    return list_call(rt, l, RP__OP_L_INSERT, &i, &v, 1, NULL, 0);
}

int rp_list_len(rp_runtime *rt, rp_list l, size_t *n) {
    return len_call(rt, RP_KIND_LIST, l.id, RP__OP_L_LEN, n);
}

int rp_list_slice(rp_runtime *rt, rp_list l, int64_t start, int64_t stop, rp_items *out) {
    if (out == NULL)
        return rp__err(RP_EINVAL, "NULL output pointer");
    memset(out, 0, sizeof *out);
    rp__call c;
    rp__call_begin(&c, RP_KIND_LIST, RP__OP_L_SLICE, l.id, 0);
    rp__fw_int(&c.w, start);
    rp__fw_int(&c.w, stop);
    int rc = rp__call_run(rt, &c);
    if (rc < 0)
        return rc;
    return take_items(&c, c.rh.count, 0, 1, out);
}

/* ---- namespace -------------------------------------------------------------- */

rp_dict rp_ns_dict(rp_ns ns) {
    rp_dict d = {ns.id};
    return d;
}

/* A namespace call's checks: its handle (a namespace's, not any dict's)
 * and the attribute's name. */
static int attr_key(rp_ns ns, const char *attr, rp_key *k) {
    int rc = rp__handle_check(ns.id, RP_KIND_NS);
    if (rc != 0)
        return rc;
    if (attr == NULL || attr[0] == '\0')
        return rp__err(RP_EINVAL, "an attribute needs a name");
    *k = rp_key_str(attr);
    return 0;
}

int rp_ns_get(rp_runtime *rt, rp_ns ns, const char *attr, rp_value *out) {
    rp_key k;
    rp__out_value(out);
    int rc = attr_key(ns, attr, &k);
    return rc ? rc : rp_dict_get(rt, rp_ns_dict(ns), k, out);
}

int rp_ns_set(rp_runtime *rt, rp_ns ns, const char *attr, rp_value v) {
    rp_key k;
    int rc = attr_key(ns, attr, &k);
    return rc ? rc : rp_dict_set(rt, rp_ns_dict(ns), k, v);
}

int rp_ns_del(rp_runtime *rt, rp_ns ns, const char *attr) {
    rp_key k;
    int rc = attr_key(ns, attr, &k);
    return rc ? rc : rp_dict_del(rt, rp_ns_dict(ns), k);
}
