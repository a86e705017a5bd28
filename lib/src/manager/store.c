/*
 * The manager's shared objects: dicts, lists and namespaces, and the
 * execution of object requests.  Pure C, no MPI: requests come in as decoded
 * OBJ_REQ messages (from the network, or built by a caller on rank 0) and
 * every reply is an OBJ_REP message.  One mutex makes each request atomic.
 *
 * A dict is laid out as CPython's: a dense array of entries in insertion
 * order and a sparse open-addressing index into it, so iteration follows
 * insertion order and the index costs 4 bytes a slot.
 */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_EMPTY 0u
#define IDX_DUMMY UINT32_MAX

/* ---- values ------------------------------------------------------------- */

size_t rp__slot_bytes(const slot *s) {
    return s->type == RP__F_BYTES ? s->len + 16 : 0;
}

void rp__slot_free(slot *s) {
    if (s->type == RP__F_BYTES)
        free(s->p);
    s->type = RP__F_NONE;
}

/* Copy a field into a new slot.  Returns 0 or RP_ENOMEM. */
int rp__slot_set(slot *s, const rp__field *f) {
    slot n = {.type = f->type, .len = 0};
    if (f->type == RP__F_INT) {
        n.i = f->i;
    } else if (f->type == RP__F_DOUBLE) {
        n.d = f->d;
    } else if (f->type == RP__F_BYTES) {
        n.p = malloc(f->len + 1);
        if (n.p == NULL)
            return RP_ENOMEM;
        if (f->len > 0)
            memcpy(n.p, f->p, f->len);
        n.p[f->len] = 0;
        n.len = f->len;
    }
    *s = n;
    return 0;
}

void rp__put_slot(rp__fwriter *w, const slot *s) {
    if (s->type == RP__F_INT)
        rp__fw_int(w, s->i);
    else if (s->type == RP__F_DOUBLE)
        rp__fw_double(w, s->d);
    else if (s->type == RP__F_BYTES)
        rp__fw_bytes(w, s->p, s->len);
    else
        rp__fw_none(w);
}

/* Same type and value (doubles bit for bit, so a CAS loop on a NaN ends). */
static int slot_equals(const slot *s, const rp__field *f) {
    if (s->type != f->type)
        return 0;
    switch (s->type) {
    case RP__F_INT:
        return s->i == f->i;
    case RP__F_DOUBLE:
        return memcmp(&s->d, &f->d, sizeof s->d) == 0;
    case RP__F_BYTES:
        return s->len == f->len && (s->len == 0 || memcmp(s->p, f->p, s->len) == 0);
    default:
        return 1;
    }
}

/* ---- the dict's table ---------------------------------------------------- */

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

/* XXH64's path for short inputs (one lane, a word at a time) with its final
 * avalanche: a key of 16 bytes costs two multiply rounds instead of the 16
 * dependent multiplies of a byte-at-a-time hash.  The host's byte order only
 * changes which table slot a key lands in, and hashes never leave the
 * process. */
static uint64_t hash_bytes(const void *p, size_t n) {
    static const uint64_t P1 = 0x9e3779b185ebca87ull, P2 = 0xc2b2ae3d27d4eb4full,
                          P3 = 0x165667b19e3779f9ull, P4 = 0x85ebca77c2b2ae63ull,
                          P5 = 0x27d4eb2f165667c5ull;
    const uint8_t *b = p, *end = b + n;
    uint64_t h = P5 + (uint64_t)n;
    for (; end - b >= 8; b += 8) {
        uint64_t k = rotl64(load64(b) * P2, 31) * P1;
        h = rotl64(h ^ k, 27) * P1 + P4;
    }
    if (end - b >= 4) {
        uint32_t w;
        memcpy(&w, b, sizeof w);
        h = rotl64(h ^ (uint64_t)w * P1, 23) * P2 + P3;
        b += 4;
    }
    for (; b < end; b++)
        h = rotl64(h ^ *b * P5, 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}

/* Position in m->idx of key k (its entry or the first free slot on its
 * path); *found says which. */
static size_t map_probe(const map *m, const void *k, size_t klen, uint64_t h, int *found) {
    size_t mask = m->idxcap - 1, i = (size_t)h & mask, dummy = SIZE_MAX;
    for (;; i = (i + 1) & mask) {
        uint32_t e = m->idx[i];
        if (e == IDX_EMPTY) {
            *found = 0;
            return dummy != SIZE_MAX ? dummy : i;
        }
        if (e == IDX_DUMMY) {
            if (dummy == SIZE_MAX)
                dummy = i;
            continue;
        }
        const entry *en = m->ents[e - 1];
        if (en->hash == h && en->klen == klen && memcmp(en->key, k, klen) == 0) {
            *found = 1;
            return i;
        }
    }
}

/* The entry of key k, whose hash is @p h, or NULL; its index slot to *pos. */
static entry *map_find_h(const map *m, const void *k, size_t klen, uint64_t h, size_t *pos) {
    if (m->live == 0)
        return NULL;
    int found;
    size_t i = map_probe(m, k, klen, h, &found);
    if (!found)
        return NULL;
    if (pos)
        *pos = i;
    return m->ents[m->idx[i] - 1];
}

static entry *map_find(const map *m, const void *k, size_t klen, size_t *pos) {
    return map_find_h(m, k, klen, hash_bytes(k, klen), pos);
}

/* Rebuild the index with room for @p want entries, dropping deleted ones. */
static int map_rebuild(map *m, size_t want) {
    size_t cap = 8;
    while (cap < want * 3 / 2 + 1)
        cap *= 2;
    if (cap > UINT32_MAX / 2)
        return RP_ENOSPC;
    uint32_t *idx = calloc(cap, sizeof *idx);
    if (idx == NULL)
        return RP_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < m->nents; i++)
        if (m->ents[i] != NULL)
            m->ents[n++] = m->ents[i];
    m->nents = n;
    for (size_t i = 0; i < n; i++) {
        size_t j = (size_t)m->ents[i]->hash & (cap - 1);
        while (idx[j] != IDX_EMPTY)
            j = (j + 1) & (cap - 1);
        idx[j] = (uint32_t)(i + 1);
    }
    free(m->idx);
    m->idx = idx;
    m->idxcap = cap;
    return 0;
}

/* Make room for one more entry in ents and the index. */
static int map_reserve(map *m) {
    if (m->nents == m->capents) {
        if (m->live < m->nents / 2 && m->nents >= 16)
            return map_rebuild(m, m->live + 1); /* compacting frees room */
        size_t cap = m->capents ? m->capents + m->capents / 2 : 8;
        entry **e = realloc(m->ents, cap * sizeof *e);
        if (e == NULL)
            return RP_ENOMEM;
        m->ents = e;
        m->capents = cap;
    }
    /* Index at most 2/3 used, counting slots of deleted entries. */
    if ((m->nents + 1) * 3 > m->idxcap * 2)
        return map_rebuild(m, m->live + 1 > m->capents ? m->live + 1 : m->capents);
    return 0;
}

/* Add a new entry (the key, of hash @p h, is known to be absent).  Takes over @p v. */
static int map_insert(map *m, const void *k, size_t klen, uint64_t h, slot *v) {
    int rc = map_reserve(m);
    if (rc != 0)
        return rc;
    entry *e = malloc(sizeof *e + klen);
    if (e == NULL)
        return RP_ENOMEM;
    e->hash = h;
    e->klen = klen;
    e->v = *v;
    if (klen > 0)
        memcpy(e->key, k, klen);
    int found;
    size_t i = map_probe(m, k, klen, e->hash, &found);
    m->ents[m->nents++] = e;
    m->idx[i] = (uint32_t)m->nents;
    m->live++;
    return 0;
}

static void map_remove(map *m, size_t pos) {
    uint32_t e = m->idx[pos];
    entry *en = m->ents[e - 1];
    rp__slot_free(&en->v);
    free(en);
    m->ents[e - 1] = NULL;
    m->idx[pos] = IDX_DUMMY;
    m->live--;
    if (m->live == 0) {
        /* Start afresh rather than keep a table of dummies. */
        free(m->idx);
        m->idx = NULL;
        m->idxcap = 0;
        m->nents = 0;
    }
}

static void map_clear(map *m) {
    for (size_t i = 0; i < m->nents; i++)
        if (m->ents[i] != NULL) {
            rp__slot_free(&m->ents[i]->v);
            free(m->ents[i]);
        }
    free(m->ents);
    free(m->idx);
    memset(m, 0, sizeof *m);
}

static size_t entry_cost(size_t klen, const slot *v) {
    return klen + rp__slot_bytes(v) + RP__ENTRY_COST;
}

size_t rp__field_cost(const rp__field *f) {
    return f->type == RP__F_BYTES ? f->len + 16 : 0;
}

/* ---- objects ------------------------------------------------------------- */

static const char *kind_name(int kind) {
    static const char *const names[] = {"object",    "dict",    "list",      "namespace",
                                        "queue",     "lock",    "semaphore", "event",
                                        "condition", "barrier", "pipe",      "array"};
    return kind > 0 && kind <= RP_KIND_ARRAY ? names[kind] : names[0];
}

rp__store *rp__store_new(const rp_options *opt) {
    rp__store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->out_tail = &s->out;
    s->key_max = opt->obj_key_max;
    s->value_max = opt->obj_value_max;
    s->mem_max = opt->obj_mem_max;
    return s;
}

static void obj_free(obj *o) {
    free(o->items[0]);
    free(o->items[1]);
    map_clear(&o->m);
    for (size_t i = 0; i < o->l.n; i++)
        rp__slot_free(&o->l.v[i]);
    free(o->l.v);
    free(o->name);
    free(o);
}

void rp__store_free(rp__store *s) {
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nobjs; i++)
        if (s->objs[i] != NULL) {
            rp__sync_destroy(s, s->objs[i]);
            rp__array_destroy(s, s->objs[i]);
            obj_free(s->objs[i]);
        }
    if (s->arena != NULL)
        rp__arena_fini(s->arena);
    free(s->arena);
    free(s->objs);
    free(s->free_slots);
    map_clear(&s->names);
    while (s->out != NULL) {
        rp__outmsg *m = s->out;
        s->out = m->next;
        free(m->msg);
        free(m);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static obj *obj_get(const rp__store *s, uint64_t id) {
    size_t i = (size_t)(id & 0xffffffffu);
    if (i >= s->nobjs || s->objs[i] == NULL || s->objs[i]->id != id)
        return NULL;
    return s->objs[i];
}

/* ---- requests ------------------------------------------------------------ */

/* Answer with an error code and a message instead of what was written. */
int rp__fail(req *q, int code, const char *fmt, ...) {
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    rp__fw_reset(&q->w);
    rp__fw_bytes(&q->w, m, n < 0 ? 0 : (size_t)n < sizeof m ? (size_t)n : sizeof m - 1);
    q->w.h.code = code;
    return code;
}

/* A printable, shortened form of a key for messages. */
static const char *show(const void *p, size_t len, char *buf, size_t cap) {
    const uint8_t *b = p;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        if (i == 32) {
            o += (size_t)snprintf(buf + o, cap - o, "...");
            break;
        }
        if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\'')
            buf[o++] = (char)b[i];
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", b[i]);
    }
    buf[o] = '\0';
    return buf;
}

const char *rp__obj_label(const obj *o, char *buf, size_t cap) {
    if (o->name == NULL)
        snprintf(buf, cap, "anonymous %s", kind_name(o->kind));
    else {
        char n[80];
        snprintf(buf, cap, "%s '%s'", kind_name(o->kind), show(o->name, o->namelen, n, sizeof n));
    }
    return buf;
}

/* The next field of the request, of type @p type (-1: any). */
int rp__arg(req *q, rp__field *f, int type, const char *what) {
    if (!rp__freader_next(&q->r, f))
        return rp__fail(q, RP_EPROTO, "%s: missing %s", rp__op_name(q->h->code), what);
    if (type >= 0 && f->type != type)
        return rp__fail(q, RP_EPROTO, "%s: %s of the wrong type", rp__op_name(q->h->code), what);
    return 0;
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

int rp__value_arg(req *q, rp__field *v, int none_ok) {
    int rc = rp__arg(q, v, -1, "value");
    if (rc == 0 && !none_ok && v->type == RP__F_NONE)
        return rp__fail(q, RP_EINVAL, "a value must not be none");
    if (rc == 0 && v->type == RP__F_BYTES && v->len > q->s->value_max)
        return rp__fail(q, RP_ETOOBIG, "value of %zu bytes exceeds obj_value_max (%zu)", v->len,
                        q->s->value_max);
    return rc;
}

int rp__int_arg(req *q, int64_t *i, const char *what) {
    rp__field f;
    int rc = rp__arg(q, &f, RP__F_INT, what);
    if (rc == 0)
        *i = f.i;
    return rc;
}

/* Charge @p more bytes to the object (a negative change is a release). */
int rp__charge(req *q, obj *o, size_t more) {
    if (more > q->s->mem_max || q->s->mem > q->s->mem_max - more)
        return rp__fail(q, RP_ENOSPC, "%zu more bytes would exceed obj_mem_max (%zu of %zu in use)",
                        more, q->s->mem, q->s->mem_max);
    q->s->mem += more;
    if (o != NULL)
        o->mem += more;
    return 0;
}

void rp__release(rp__store *s, obj *o, size_t less) {
    s->mem -= less;
    if (o != NULL)
        o->mem -= less;
}

int rp__nomem(req *q) {
    return rp__fail(q, RP_ENOMEM, "the manager is out of memory");
}

static int no_key(req *q, const rp__field *k) {
    char a[160], b[120];
    return rp__fail(q, RP_ENOKEY, "no key '%s' in %s", show(k->p, k->len, a, sizeof a),
                    rp__obj_label(q->o, b, sizeof b));
}

/* ---- OPEN, DESTROY, LIST, MEMORY ----------------------------------------- */

static int op_open(req *q) {
    rp__store *s = q->s;
    rp__field name;
    int64_t kind, p1, p2;
    if (!rp__freader_next(&q->r, &name) || (name.type != RP__F_BYTES && name.type != RP__F_NONE))
        return rp__fail(q, RP_EPROTO, "OPEN: bad name");
    int rc = rp__int_arg(q, &kind, "kind");
    if (rc == 0)
        rc = rp__int_arg(q, &p1, "parameter");
    if (rc == 0)
        rc = rp__int_arg(q, &p2, "parameter");
    if (rc != 0)
        return rc;
    if (kind < RP_KIND_DICT || kind > RP_KIND_ARRAY)
        return rp__fail(q, RP_EINVAL, "unknown object kind %lld", (long long)kind);
    if (name.type == RP__F_BYTES) {
        if (name.len == 0 || name.len > s->key_max || memchr(name.p, 0, name.len) != NULL)
            return rp__fail(q, name.len > s->key_max ? RP_ETOOBIG : RP_EINVAL,
                            "an object name must be 1..%zu bytes without NUL", s->key_max);
        entry *e = map_find(&s->names, name.p, name.len, NULL);
        if (e != NULL) {
            obj *o = s->objs[e->v.i];
            char b[120];
            if ((q->h->flags & RP_CREATE) && (q->h->flags & RP_EXCL))
                return rp__fail(q, RP_EEXIST, "%s exists", rp__obj_label(o, b, sizeof b));
            if (o->kind != kind)
                return rp__fail(q, RP_ETYPE, "'%s' is a %s, not a %s", o->name, kind_name(o->kind),
                                kind_name((int)kind));
            if (kind == RP_KIND_ARRAY) {
                if ((rc = rp__array_match(q, o, p1, p2)) != 0)
                    return rc;
                rp__array_reply(q, o);
            } else if (kind >= RP_KIND_QUEUE && (rc = rp__sync_match(q, o, p1, p2)) != 0) {
                return rc;
            }
            q->w.h.job = o->id;
            return 0;
        }
        if (!(q->h->flags & RP_CREATE))
            return rp__fail(q, RP_ENOENT, "no %s named '%s'", kind_name((int)kind),
                            (const char *)name.p);
    }
    size_t cost = RP__OBJ_COST + (name.type == RP__F_BYTES ? name.len : 0), abytes = 0;
    /* An array's shared memory counts against obj_mem_max too. */
    if (kind == RP_KIND_ARRAY && (rc = rp__array_size(q, p1, p2, &abytes)) != 0)
        return rc;
    cost += abytes;
    if ((rc = rp__charge(q, NULL, cost)) != 0)
        return rc;
    obj *o = calloc(1, sizeof *o);
    if (o == NULL || (name.type == RP__F_BYTES && (o->name = strdup(name.p)) == NULL))
        goto oom;
    o->kind = (int)kind;
    if (kind == RP_KIND_ARRAY)
        rc = rp__array_init(q, o, p1, p2, abytes);
    else if (kind >= RP_KIND_QUEUE)
        rc = rp__sync_init(q, o, p1, p2);
    if (rc != 0) {
        free(o->name);
        free(o);
        rp__release(q->s, NULL, cost);
        return rc;
    }
    size_t slotno;
    if (s->nfree > 0) {
        slotno = s->free_slots[--s->nfree];
    } else {
        if (s->nobjs == s->capobjs) {
            /* free_slots grows with objs, so destroying never allocates. */
            size_t cap = s->capobjs ? s->capobjs * 2 : 16;
            obj **v = cap <= UINT32_MAX ? realloc(s->objs, cap * sizeof *v) : NULL;
            if (v != NULL)
                s->objs = v;
            uint32_t *fs = v ? realloc(s->free_slots, cap * sizeof *fs) : NULL;
            if (fs == NULL)
                goto oom;
            s->free_slots = fs;
            s->capobjs = cap;
        }
        slotno = s->nobjs;
    }
    if (o->name != NULL) {
        slot v = {.type = RP__F_INT, .i = (int64_t)slotno};
        if (map_insert(&s->names, name.p, name.len, hash_bytes(name.p, name.len), &v) != 0) {
            if (slotno < s->nobjs)
                s->free_slots[s->nfree++] = (uint32_t)slotno;
            goto oom;
        }
        o->namelen = name.len;
    }
    if (slotno == s->nobjs)
        s->nobjs++;
    if (++s->serial == 0)
        s->serial = 1; /* id 0 is never valid */
    o->id = ((uint64_t)s->serial << 32) | slotno;
    o->mem = cost;
    s->objs[slotno] = o;
    q->w.h.job = o->id;
    if (kind == RP_KIND_ARRAY) {
        rp__array_live(s, o);
        rp__array_reply(q, o);
    }
    return 0;
oom:
    if (o != NULL) {
        rp__array_destroy(s, o);
        free(o->name);
    }
    free(o);
    rp__release(q->s, NULL, cost);
    return rp__nomem(q);
}

static int op_destroy(req *q) {
    rp__store *s = q->s;
    obj *o = q->o;
    if (o->name != NULL) {
        size_t pos;
        if (map_find(&s->names, o->name, o->namelen, &pos) != NULL)
            map_remove(&s->names, pos);
    }
    size_t slotno = (size_t)(o->id & 0xffffffffu);
    rp__sync_destroy(s, o);
    rp__array_destroy(s, o);
    s->objs[slotno] = NULL;
    s->free_slots[s->nfree++] = (uint32_t)slotno; /* room was made at creation */
    rp__release(q->s, NULL, o->mem);
    obj_free(o);
    return 0;
}

static int by_id(const void *a, const void *b) {
    const obj *x = *(obj *const *)a, *y = *(obj *const *)b;
    return x->id >> 32 < y->id >> 32 ? -1 : x->id >> 32 > y->id >> 32;
}

static int op_list(req *q) {
    rp__store *s = q->s;
    obj **v = malloc((s->nobjs ? s->nobjs : 1) * sizeof *v);
    if (v == NULL)
        return rp__nomem(q);
    size_t n = 0;
    for (size_t i = 0; i < s->nobjs; i++)
        if (s->objs[i] != NULL)
            v[n++] = s->objs[i];
    qsort(v, n, sizeof *v, by_id); /* serials: creation order */
    for (size_t i = 0; i < n; i++) {
        rp__fw_bytes(&q->w, v[i]->name ? v[i]->name : "", v[i]->namelen);
        rp__fw_int(&q->w, v[i]->kind);
        size_t len = v[i]->kind == RP_KIND_LIST    ? v[i]->l.n
                     : v[i]->kind == RP_KIND_ARRAY ? (size_t)v[i]->alen
                     : v[i]->kind >= RP_KIND_QUEUE ? rp__sync_len(v[i])
                                                   : v[i]->m.live;
        rp__fw_int(&q->w, (int64_t)len);
        rp__fw_int(&q->w, (int64_t)v[i]->mem);
        rp__fw_int(&q->w, (int64_t)v[i]->id);
    }
    free(v);
    return 0;
}

static int op_memory(req *q) {
    rp__fw_int(&q->w, (int64_t)q->s->mem);
    rp__fw_int(&q->w, (int64_t)q->s->mem_max);
    return 0;
}

/* ---- dict operations ------------------------------------------------------ */

/* Set key k to value v, inserting or replacing. */
static int dict_put(req *q, const rp__field *k, const rp__field *v) {
    map *m = &q->o->m;
    size_t pos;
    uint64_t h = hash_bytes(k->p, k->len);
    entry *e = map_find_h(m, k->p, k->len, h, &pos);
    size_t old = e ? rp__slot_bytes(&e->v) : 0;
    size_t add = e ? rp__field_cost(v) : k->len + rp__field_cost(v) + RP__ENTRY_COST;
    int rc = rp__charge(q, q->o, add);
    if (rc != 0)
        return rc;
    slot n;
    if (rp__slot_set(&n, v) != 0) {
        rp__release(q->s, q->o, add);
        return rp__nomem(q);
    }
    if (e != NULL) {
        rp__slot_free(&e->v);
        e->v = n;
        rp__release(q->s, q->o, old);
        return 0;
    }
    if ((rc = map_insert(m, k->p, k->len, h, &n)) != 0) {
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
    map_remove(m, pos);
}

static int op_d_get(req *q) {
    rp__field k;
    int rc = key_arg(q, &k);
    if (rc != 0)
        return rc;
    entry *e = map_find(&q->o->m, k.p, k.len, NULL);
    if (e == NULL)
        return no_key(q, &k);
    rp__put_slot(&q->w, &e->v);
    return 0;
}

static int op_d_set(req *q) {
    rp__field k, v;
    int rc = key_value_args(q, &k, &v);
    return rc ? rc : dict_put(q, &k, &v);
}

static int op_d_del(req *q) {
    rp__field k;
    int rc = key_arg(q, &k);
    if (rc != 0)
        return rc;
    size_t pos;
    if (map_find(&q->o->m, k.p, k.len, &pos) == NULL)
        return no_key(q, &k);
    dict_del_at(q, pos);
    return 0;
}

static int op_d_contains(req *q) {
    rp__field k;
    int rc = key_arg(q, &k);
    if (rc != 0)
        return rc;
    q->w.h.code = map_find(&q->o->m, k.p, k.len, NULL) != NULL;
    return 0;
}

static int op_d_len(req *q) {
    rp__fw_int(&q->w, (int64_t)q->o->m.live);
    return 0;
}

static int op_d_setdefault(req *q) {
    rp__field k, v;
    int rc = key_value_args(q, &k, &v);
    if (rc != 0)
        return rc;
    entry *e = map_find(&q->o->m, k.p, k.len, NULL);
    if (e != NULL) {
        rp__put_slot(&q->w, &e->v);
        return 0;
    }
    if ((rc = dict_put(q, &k, &v)) == 0)
        rp__fw_field(&q->w, &v);
    return rc;
}

static int op_d_pop(req *q) {
    rp__field k;
    int rc = key_arg(q, &k);
    if (rc != 0)
        return rc;
    size_t pos;
    entry *e = map_find(&q->o->m, k.p, k.len, &pos);
    if (e == NULL)
        return no_key(q, &k);
    rp__put_slot(&q->w, &e->v);
    if (q->w.err == 0) /* the value must reach the caller before it goes */
        dict_del_at(q, pos);
    return 0;
}

static int op_d_clear(req *q) {
    rp__release(q->s, q->o, q->o->mem - RP__OBJ_COST - q->o->namelen);
    map_clear(&q->o->m);
    return 0;
}

static int op_d_items(req *q) {
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

static int op_d_update(req *q) {
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

static int op_d_getmany(req *q) {
    rp__field k;
    int rc;
    rp__fw_reserve(&q->w, (size_t)q->h->count * RP__FIELD_HEAD); /* a number per key, at least */
    for (uint32_t i = 0; i < q->h->count; i++) {
        if ((rc = key_arg(q, &k)) != 0)
            return rc;
        entry *e = map_find(&q->o->m, k.p, k.len, NULL);
        if (e != NULL)
            rp__put_slot(&q->w, &e->v);
        else
            rp__fw_none(&q->w);
    }
    return 0;
}

static int op_d_add(req *q) {
    rp__field k, d;
    int rc = key_value_args(q, &k, &d);
    if (rc != 0)
        return rc;
    if (d.type == RP__F_BYTES)
        return rp__fail(q, RP_ETYPE, "add: the delta must be an int or a double");
    entry *e = map_find(&q->o->m, k.p, k.len, NULL);
    if (e == NULL) {
        if ((rc = dict_put(q, &k, &d)) == 0)
            rp__fw_field(&q->w, &d);
        return rc;
    }
    slot *s = &e->v;
    char a[160], b[120];
    if (s->type == RP__F_BYTES)
        return rp__fail(q, RP_ETYPE, "add: '%s' in %s holds bytes", show(k.p, k.len, a, sizeof a),
                        rp__obj_label(q->o, b, sizeof b));
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

static int op_d_cas(req *q) {
    rp__field k, expect, want;
    int rc = key_arg(q, &k);
    if (rc == 0)
        rc = rp__value_arg(q, &expect, 1);
    if (rc == 0)
        rc = rp__value_arg(q, &want, 1);
    if (rc != 0)
        return rc;
    size_t pos;
    entry *e = map_find(&q->o->m, k.p, k.len, &pos);
    int match = e ? slot_equals(&e->v, &expect) : expect.type == RP__F_NONE;
    if (e != NULL)
        rp__put_slot(&q->w, &e->v);
    else
        rp__fw_none(&q->w);
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

static int op_d_swap(req *q) {
    rp__field k, v;
    int rc = key_value_args(q, &k, &v);
    if (rc != 0)
        return rc;
    entry *e = map_find(&q->o->m, k.p, k.len, NULL);
    if (e != NULL)
        rp__put_slot(&q->w, &e->v);
    else
        rp__fw_none(&q->w);
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

static int op_l_append(req *q) {
    rp__field v;
    int rc = rp__value_arg(q, &v, 0);
    return rc ? rc : list_put(q, q->o->l.n, &v);
}

static int op_l_extend(req *q) {
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

static int op_l_get(req *q) {
    size_t at;
    int rc = index_arg(q, q->o->l.n, &at);
    if (rc == 0)
        rp__put_slot(&q->w, &q->o->l.v[at]);
    return rc;
}

static int op_l_set(req *q) {
    size_t at;
    rp__field v;
    int rc = index_arg(q, q->o->l.n, &at);
    if (rc == 0)
        rc = rp__value_arg(q, &v, 0);
    if (rc != 0)
        return rc;
    slot *s = &q->o->l.v[at];
    size_t old = rp__slot_bytes(s);
    if ((rc = rp__charge(q, q->o, rp__field_cost(&v))) != 0)
        return rc;
    slot n;
    if (rp__slot_set(&n, &v) != 0) {
        rp__release(q->s, q->o, rp__field_cost(&v));
        return rp__nomem(q);
    }
    rp__slot_free(s);
    *s = n;
    rp__release(q->s, q->o, old);
    return 0;
}

static int op_l_pop(req *q) {
    vec *l = &q->o->l;
    if (l->n == 0) {
        char b[120];
        return rp__fail(q, RP_ERANGE, "pop from empty %s", rp__obj_label(q->o, b, sizeof b));
    }
    size_t at;
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

static int op_l_insert(req *q) {
    int64_t i;
    rp__field v;
    int rc = rp__int_arg(q, &i, "index");
    if (rc == 0)
        rc = rp__value_arg(q, &v, 0);
    return rc ? rc : list_put(q, clamp_index(i, q->o->l.n), &v);
}

static int op_l_len(req *q) {
    rp__fw_int(&q->w, (int64_t)q->o->l.n);
    return 0;
}

static int op_l_slice(req *q) {
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

/* ---- dispatch ------------------------------------------------------------- */

typedef int (*op_fn)(req *q);

/* Per operation: its handler, the kind of object it needs (0: none), and the
 * number of fields it takes (-1: any). */
static const struct {
    op_fn fn;
    int kind;
    int nargs;
} ops[RP__OP_COUNT] = {
    [RP__OP_OPEN] = {op_open, 0, 4},
    [RP__OP_DESTROY] = {op_destroy, -1, 0},
    [RP__OP_LIST] = {op_list, 0, 0},
    [RP__OP_MEMORY] = {op_memory, 0, 0},
    [RP__OP_D_GET] = {op_d_get, RP_KIND_DICT, 1},
    [RP__OP_D_SET] = {op_d_set, RP_KIND_DICT, 2},
    [RP__OP_D_DEL] = {op_d_del, RP_KIND_DICT, 1},
    [RP__OP_D_CONTAINS] = {op_d_contains, RP_KIND_DICT, 1},
    [RP__OP_D_LEN] = {op_d_len, RP_KIND_DICT, 0},
    [RP__OP_D_SETDEFAULT] = {op_d_setdefault, RP_KIND_DICT, 2},
    [RP__OP_D_POP] = {op_d_pop, RP_KIND_DICT, 1},
    [RP__OP_D_CLEAR] = {op_d_clear, RP_KIND_DICT, 0},
    [RP__OP_D_ITEMS] = {op_d_items, RP_KIND_DICT, 0},
    [RP__OP_D_UPDATE] = {op_d_update, RP_KIND_DICT, -1},
    [RP__OP_D_GETMANY] = {op_d_getmany, RP_KIND_DICT, -1},
    [RP__OP_D_ADD] = {op_d_add, RP_KIND_DICT, 2},
    [RP__OP_D_CAS] = {op_d_cas, RP_KIND_DICT, 3},
    [RP__OP_D_SWAP] = {op_d_swap, RP_KIND_DICT, 2},
    [RP__OP_L_APPEND] = {op_l_append, RP_KIND_LIST, 1},
    [RP__OP_L_EXTEND] = {op_l_extend, RP_KIND_LIST, -1},
    [RP__OP_L_GET] = {op_l_get, RP_KIND_LIST, 1},
    [RP__OP_L_SET] = {op_l_set, RP_KIND_LIST, 2},
    [RP__OP_L_POP] = {op_l_pop, RP_KIND_LIST, 1},
    [RP__OP_L_INSERT] = {op_l_insert, RP_KIND_LIST, 2},
    [RP__OP_L_LEN] = {op_l_len, RP_KIND_LIST, 0},
    [RP__OP_L_SLICE] = {op_l_slice, RP_KIND_LIST, 2},
    [RP__OP_Q_PUT] = {rp__op_q_put, RP_KIND_QUEUE, 3},
    [RP__OP_Q_GET] = {rp__op_q_get, RP_KIND_QUEUE, 1},
    [RP__OP_Q_SIZE] = {rp__op_q_size, RP_KIND_QUEUE, 0},
    [RP__OP_Q_CLOSE] = {rp__op_q_close, RP_KIND_QUEUE, 0},
    [RP__OP_Q_TASK_DONE] = {rp__op_q_task_done, RP_KIND_QUEUE, 0},
    [RP__OP_Q_JOIN] = {rp__op_q_join, RP_KIND_QUEUE, 1},
    [RP__OP_ACQUIRE] = {rp__op_lock_acquire, -1, 1},
    [RP__OP_RELEASE] = {rp__op_lock_release, -1, 0},
    [RP__OP_SEM_VALUE] = {rp__op_sem_value, RP_KIND_SEM, 0},
    [RP__OP_EV_SET] = {rp__op_ev_set, RP_KIND_EVENT, 0},
    [RP__OP_EV_CLEAR] = {rp__op_ev_clear, RP_KIND_EVENT, 0},
    [RP__OP_EV_WAIT] = {rp__op_ev_wait, RP_KIND_EVENT, 1},
    [RP__OP_COND_WAIT] = {rp__op_cond_wait, RP_KIND_COND, 1},
    [RP__OP_COND_NOTIFY] = {rp__op_cond_notify, RP_KIND_COND, 1},
    [RP__OP_BAR_WAIT] = {rp__op_bar_wait, RP_KIND_BARRIER, 1},
    [RP__OP_BAR_ABORT] = {rp__op_bar_abort, RP_KIND_BARRIER, 0},
    [RP__OP_BAR_RESET] = {rp__op_bar_reset, RP_KIND_BARRIER, 0},
    [RP__OP_BAR_STATE] = {rp__op_bar_state, RP_KIND_BARRIER, 0},
    [RP__OP_PIPE_SEND] = {rp__op_pipe_send, RP_KIND_PIPE, 1},
    [RP__OP_PIPE_RECV] = {rp__op_pipe_recv, RP_KIND_PIPE, 1},
    [RP__OP_PIPE_POLL] = {rp__op_pipe_poll, RP_KIND_PIPE, 1},
    [RP__OP_PIPE_CLOSE] = {rp__op_pipe_close, RP_KIND_PIPE, 0},
    [RP__OP_A_GET] = {rp__op_a_get, RP_KIND_ARRAY, 2},
    [RP__OP_A_PUT] = {rp__op_a_put, RP_KIND_ARRAY, 2},
    [RP__OP_A_RMW] = {rp__op_a_rmw, RP_KIND_ARRAY, 3},
};

static void execute(req *q) {
    rp__store *s = q->s;
    const rp__hdr *h = q->h;
    int op = h->code;
    if (op <= RP__OP_NONE || op >= RP__OP_COUNT || ops[op].fn == NULL) {
        rp__fail(q, RP_EPROTO, "unknown operation %d", op);
        return;
    }
    if (ops[op].nargs >= 0 && h->count != (uint32_t)ops[op].nargs) {
        rp__fail(q, RP_EPROTO, "%s takes %d fields, not %u", rp__op_name(op), ops[op].nargs,
                 h->count);
        return;
    }
    if (ops[op].kind != 0) {
        q->o = obj_get(s, h->job);
        if (q->o == NULL) {
            rp__fail(q, RP_ENOENT, "no object with handle %#llx (destroyed?)",
                     (unsigned long long)h->job);
            return;
        }
        /* A namespace is a dict underneath. */
        int kind = q->o->kind == RP_KIND_NS ? RP_KIND_DICT : q->o->kind;
        if (ops[op].kind > 0 && kind != ops[op].kind) {
            char b[120];
            rp__fail(q, RP_ETYPE, "%s is not a %s", rp__obj_label(q->o, b, sizeof b),
                     kind_name(ops[op].kind));
            return;
        }
    }
    ops[op].fn(q);
}

/* A rank-0 caller waits here, store lock held, until its parked request is
 * answered; past its deadline the request is expired (a condition waiter
 * then still waits for its lock, without a deadline). */
static void wait_local(rp__store *s, waiter *w, rp__lwait *lw) {
    while (!lw->done) {
        if (w->deadline >= 0 && rp__now() >= w->deadline) {
            rp__sync_expire(s, w);
            continue;
        }
        if (w->deadline < 0) {
            pthread_cond_wait(&lw->cv, &s->lock);
            continue;
        }
        struct timespec ts = rp__abstime(w->deadline);
        pthread_cond_timedwait(&lw->cv, &s->lock, &ts);
    }
}

int rp__store_exec(rp__store *s, const rp__hdr *h, const void *body, const rp__caller *who,
                   void **rep, size_t *rep_len) {
    req q = {.s = s, .h = h, .who = who};
    rp__hdr rh = {.kind = RP__MSG_OBJ_REP, .job = h->job, .start = h->start, .pool = h->pool};
    rp__fw_init(&q.w, &rh);
    pthread_mutex_lock(&s->lock);
    if (h->kind != RP__MSG_OBJ_REQ || rp__freader_init(&q.r, h, body) != 0)
        rp__fail(&q, RP_EPROTO, "malformed object request");
    else
        execute(&q);
    if (q.parked != NULL) {
        rp__buf_free(&q.w.buf);
        if (!who->local) {
            pthread_mutex_unlock(&s->lock);
            return RP__PARKED; /* answered later through the outbox */
        }
        rp__lwait lw = {.done = 0};
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&lw.cv, &ca);
        pthread_condattr_destroy(&ca);
        q.parked->lw = &lw;
        wait_local(s, q.parked, &lw);
        pthread_mutex_unlock(&s->lock);
        pthread_cond_destroy(&lw.cv);
        if (lw.rc != 0)
            return lw.rc;
        *rep = lw.rep;
        *rep_len = lw.len;
        return 0;
    }
    pthread_mutex_unlock(&s->lock);
    int rc = rp__fw_finish(&q.w);
    if (rc != 0) {
        /* The answer did not fit (a huge snapshot) or memory ran out. */
        rp__fw_init(&q.w, &rh);
        rp__fail(&q, rc, rc == RP_ETOOBIG ? "the answer exceeds one message" : "out of memory");
        if ((rc = rp__fw_finish(&q.w)) != 0)
            return rc;
    }
    *rep = q.w.buf.p;
    *rep_len = q.w.buf.len;
    return 0;
}

double rp__store_tick(rp__store *s, double now) {
    double next = -1;
    pthread_mutex_lock(&s->lock);
    for (waiter *w = s->timed, *nx; w; w = nx) {
        nx = w->dnext;
        if (w->lw != NULL)
            continue; /* a rank-0 thread expires its own */
        if (now >= w->deadline) {
            rp__sync_expire(s, w);
            nx = s->timed; /* expiring can answer others: start over */
            continue;
        }
        if (next < 0 || w->deadline < next)
            next = w->deadline;
    }
    pthread_mutex_unlock(&s->lock);
    return next;
}

rp__outmsg *rp__store_outbox(rp__store *s) {
    pthread_mutex_lock(&s->lock);
    rp__outmsg *m = s->out;
    s->out = NULL;
    s->out_tail = &s->out;
    pthread_mutex_unlock(&s->lock);
    return m;
}

int rp__store_changed(rp__store *s) {
    if (atomic_load_explicit(&s->changed, memory_order_acquire) == 0)
        return 0;
    return atomic_exchange_explicit(&s->changed, 0, memory_order_acq_rel);
}

void rp__store_set_notify(rp__store *s, void (*fn)(void *), void *arg) {
    pthread_mutex_lock(&s->lock);
    s->notify = fn;
    s->notify_arg = arg;
    pthread_mutex_unlock(&s->lock);
}

void rp__store_drop(rp__store *s, int rank, uint32_t token, uint32_t mask, int code,
                    const char *why) {
    pthread_mutex_lock(&s->lock);
    if (code == RP_EINTR)
        s->interrupted = 1; /* and from now on nothing waits */
    for (size_t i = 0; i < s->nobjs; i++) {
        obj *o = s->objs[i];
        for (int l = 0; o != NULL && l < 3; l++)
            for (waiter *w = o->w[l].head, *nx; w; w = nx) {
                nx = w->next;
                if ((rank < 0 || w->rank == rank) && (w->token & mask) == token) {
                    rp__answer_code(s, w, code, why);
                    nx = o->w[l].head; /* an answer can move other waiters: start over */
                }
            }
    }
    pthread_mutex_unlock(&s->lock);
}
