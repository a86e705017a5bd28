/* The wire protocol: encode and validate.  See wire.h for the layout. */
#include "wire/wire.h"

#include "base/base.h"
#include "rankpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RP__NAME_STR(name) #name,
static const char *const msg_names[RP__MSG_COUNT] = {"NONE", RP__MSG_MAP(RP__NAME_STR)};
static const char *const op_names[RP__OP_COUNT] = {"NONE", RP__OP_MAP(RP__NAME_STR)};
#undef RP__NAME_STR

/* Entry @p i of a table of @p n names, or "?" outside it. */
static const char *name_in(const char *const *names, int n, int i) {
    return i >= 0 && i < n ? names[i] : "?";
}

const char *rp__msg_name(int kind) {
    return name_in(msg_names, RP__MSG_COUNT, kind);
}

const char *rp__op_name(int op) {
    return name_in(op_names, RP__OP_COUNT, op);
}

const char *rp__kind_name(int kind) {
    static const char *const names[] = {"object",    "dict",    "list",      "namespace",
                                        "queue",     "lock",    "semaphore", "event",
                                        "condition", "barrier", "pipe",      "array"};
    return kind > 0 && kind <= RP_KIND_ARRAY ? names[kind] : names[0];
}

/* Explicit little-endian stores and loads: the layout does not depend on the
 * compiler's struct padding or the host's byte order.  memcpy of a fixed size
 * compiles to one unaligned load or store. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define RP__LE16(v) __builtin_bswap16(v)
#define RP__LE32(v) __builtin_bswap32(v)
#define RP__LE64(v) __builtin_bswap64(v)
#else
#define RP__LE16(v) (v)
#define RP__LE32(v) (v)
#define RP__LE64(v) (v)
#endif

static inline void put16(uint8_t *p, uint16_t v) {
    v = RP__LE16(v);
    memcpy(p, &v, sizeof v);
}
static inline void put32(uint8_t *p, uint32_t v) {
    v = RP__LE32(v);
    memcpy(p, &v, sizeof v);
}
static inline void put64(uint8_t *p, uint64_t v) {
    v = RP__LE64(v);
    memcpy(p, &v, sizeof v);
}
static inline uint16_t get16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return RP__LE16(v);
}
static inline uint32_t get32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return RP__LE32(v);
}
static inline uint64_t get64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return RP__LE64(v);
}

void rp__hdr_encode(void *out, const rp__hdr *h) {
    uint8_t *p = out;
    put32(p + 0, RP__MAGIC);
    put16(p + 4, h->kind);
    put16(p + 6, h->flags);
    put32(p + 8, h->pool);
    put32(p + 12, (uint32_t)h->code);
    put64(p + 16, h->job);
    put64(p + 24, h->start);
    put32(p + 32, h->count);
    put32(p + 36, h->item_size);
    put64(p + 40, h->body_len);
}

int rp__hdr_decode(const void *msg, size_t len, rp__hdr *h) {
    const uint8_t *p = msg;
    if (msg == NULL || len < RP__HDR_SIZE || len > RP__MAX_MSG)
        return RP_EPROTO;
    if (get32(p) != RP__MAGIC)
        return RP_EPROTO;
    h->kind = get16(p + 4);
    h->flags = get16(p + 6);
    h->pool = get32(p + 8);
    h->code = (int32_t)get32(p + 12);
    h->job = get64(p + 16);
    h->start = get64(p + 24);
    h->count = get32(p + 32);
    h->item_size = get32(p + 36);
    h->body_len = get64(p + 40);
    if (h->kind == RP__MSG_NONE || h->kind >= RP__MSG_COUNT)
        return RP_EPROTO;
    if (h->body_len != len - RP__HDR_SIZE)
        return RP_EPROTO;
    if (h->count > RP__MAX_COUNT)
        return RP_EPROTO;
    return 0;
}

int rp__reader_init(rp__reader *r, const rp__hdr *h, const void *body) {
    memset(r, 0, sizeof *r);
    if (h->kind != RP__MSG_TASK && h->kind != RP__MSG_RESULT)
        return RP_EPROTO;
    if (h->count == 0 || h->count > RP__MAX_COUNT || (h->body_len > 0 && body == NULL))
        return RP_EPROTO;
    r->body = body;
    r->body_len = (size_t)h->body_len;
    r->count = h->count;
    r->results = h->kind == RP__MSG_RESULT;
    if (h->item_size > 0) {
        /* Fixed-size items (a dense RESULT: all succeeded): the body is
         * exactly count records. */
        if ((uint64_t)h->count * h->item_size != h->body_len)
            return RP_EPROTO;
        r->item_size = h->item_size;
        return 0;
    }
    size_t entry = r->results ? 16 : 8;
    size_t table = (size_t)h->count * entry;
    if (table > r->body_len)
        return RP_EPROTO;
    /* Walk the table once so that reading later cannot run off the end. */
    size_t off = rp__pad(table);
    const uint8_t *t = r->body;
    for (uint32_t i = 0; i < h->count; i++) {
        uint64_t len;
        if (r->results) {
            uint8_t st = t[i * entry];
            if (st >= RP__ST_COUNT)
                return RP_EPROTO;
            len = get64(t + i * entry + 8);
            if (st != RP__ST_OK && len > RP__MAX_ERRMSG)
                return RP_EPROTO;
        } else {
            len = get64(t + i * entry);
        }
        if (len > r->body_len || off > r->body_len || len > r->body_len - off)
            return RP_EPROTO;
        off += (size_t)len;
        /* The last item needs no padding after it. */
        if (i + 1 < h->count)
            off = rp__pad(off);
    }
    if (off != r->body_len && rp__pad(off) != r->body_len)
        return RP_EPROTO;
    r->off = rp__pad(table);
    return 0;
}

int rp__reader_next(rp__reader *r, const void **data, size_t *len, int *status, int32_t *code) {
    if (r->next >= r->count)
        return 0;
    uint32_t i = r->next++;
    if (r->item_size > 0) {
        *data = r->body + (size_t)i * r->item_size;
        *len = r->item_size;
        if (status)
            *status = RP__ST_OK;
        if (code)
            *code = 0;
        return 1;
    }
    size_t n;
    if (r->results) {
        const uint8_t *e = r->body + (size_t)i * 16;
        n = (size_t)get64(e + 8);
        if (status)
            *status = e[0];
        if (code)
            *code = (int32_t)get32(e + 4);
    } else {
        n = (size_t)get64(r->body + (size_t)i * 8);
        if (status)
            *status = RP__ST_OK;
        if (code)
            *code = 0;
    }
    *data = r->body + r->off;
    *len = n;
    r->off = rp__pad(r->off + n);
    return 1;
}

int rp__buf_reserve(rp__buf *b, size_t extra) {
    if (extra > RP__MAX_MSG || b->len > RP__MAX_MSG - extra)
        return RP_ETOOBIG;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return 0;
    uint8_t *p = rp__grow(b->p, &b->cap, need, 1, 256);
    if (p == NULL)
        return RP_ENOMEM;
    b->p = p;
    return 0;
}

void rp__buf_free(rp__buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

int rp__rwriter_init(rp__rwriter *w, const rp__hdr *task) {
    memset(w, 0, sizeof *w);
    size_t head = RP__HDR_SIZE + rp__pad((size_t)task->count * 16);
    /* Room for results as big as the inputs (a guess that spares the
     * doublings of a big chunk), within reason. */
    size_t guess = (size_t)task->count * rp__pad(task->item_size ? task->item_size : 8);
    if (guess > ((size_t)1 << 20))
        guess = (size_t)1 << 20;
    if (rp__buf_reserve(&w->buf, head + guess) != 0 && rp__buf_reserve(&w->buf, head) != 0)
        return RP_ENOMEM;
    rp__hdr h = {.kind = RP__MSG_RESULT,
                 .pool = task->pool,
                 .job = task->job,
                 .start = task->start,
                 .count = task->count};
    rp__hdr_encode(w->buf.p, &h);
    memset(w->buf.p + RP__HDR_SIZE, 0, head - RP__HDR_SIZE);
    w->buf.len = head;
    w->count = task->count;
    w->dense_ok = (task->flags & RP__TASK_DENSE) != 0;
    return 0;
}

void *rp__rwriter_room(rp__rwriter *w, size_t len) {
    size_t at = rp__pad(w->buf.len);
    if (rp__buf_reserve(&w->buf, at - w->buf.len + len) != 0)
        return NULL;
    return w->buf.p + at;
}

void rp__rwriter_commit(rp__rwriter *w, int status, int32_t code, size_t len) {
    if (w->next == 0)
        w->len0 = len;
    w->mixed |= status != RP__ST_OK || len != w->len0;
    uint8_t *e = w->buf.p + RP__HDR_SIZE + (size_t)w->next * 16;
    e[0] = (uint8_t)status;
    put32(e + 4, (uint32_t)code);
    put64(e + 8, len);
    /* Zero the padding so no stale heap bytes leave the process. */
    size_t at = rp__pad(w->buf.len);
    memset(w->buf.p + w->buf.len, 0, at - w->buf.len);
    w->buf.len = at + len;
    w->next++;
}

void rp__rwriter_finish(rp__rwriter *w, int64_t exec_ns) {
    if (exec_ns < 0)
        exec_ns = 0;
    if (w->dense_ok && !w->mixed && w->next == w->count && w->count > 1 && w->len0 > 0 &&
        w->len0 <= UINT32_MAX) {
        /* Dense: each item's bytes moved down over the table, back to back
         * (each lands below where it was, so in order they never overlap a
         * later one's source). */
        size_t table = rp__pad((size_t)w->count * 16), len = w->len0, pitch = rp__pad(len);
        uint8_t *body = w->buf.p + RP__HDR_SIZE;
        if (pitch == len)
            memmove(body, body + table, (size_t)w->count * len);
        else
            for (uint32_t i = 0; i < w->count; i++)
                memmove(body + (size_t)i * len, body + table + (size_t)i * pitch, len);
        w->buf.len = RP__HDR_SIZE + (size_t)w->count * len;
        put32(w->buf.p + 36, (uint32_t)len);
    }
    put32(w->buf.p + 12, (uint32_t)(exec_ns > INT32_MAX ? INT32_MAX : exec_ns));
    put64(w->buf.p + 40, w->buf.len - RP__HDR_SIZE);
}

void rp__fw_init(rp__fwriter *w, const rp__hdr *h) {
    memset(w, 0, sizeof *w);
    w->h = *h;
    w->h.count = 0;
    w->err = rp__buf_reserve(&w->buf, RP__HDR_SIZE + 64);
    if (w->err == 0)
        w->buf.len = RP__HDR_SIZE;
}

void rp__fw_reset(rp__fwriter *w) {
    w->h.count = 0;
    if (w->buf.p != NULL) {
        w->buf.len = RP__HDR_SIZE;
        w->err = 0;
    }
}

void rp__fw_reserve(rp__fwriter *w, size_t bytes) {
    if (w->err == 0)
        w->err = rp__buf_reserve(&w->buf, bytes);
}

static uint8_t *field_head(rp__fwriter *w, int type, uint64_t v, size_t data) {
    if (w->err != 0)
        return NULL;
    if (w->h.count == RP__MAX_COUNT) {
        w->err = RP_ETOOBIG;
        return NULL;
    }
    /* The check before the call: a pre-sized buffer (rp__fw_reserve) takes
     * a batch of fields without a call per field. */
    if (w->buf.cap - w->buf.len < RP__FIELD_HEAD + data &&
        (w->err = rp__buf_reserve(&w->buf, RP__FIELD_HEAD + data)) != 0)
        return NULL;
    uint8_t *p = w->buf.p + w->buf.len;
    put64(p, (uint64_t)type); /* the type byte and its 7 zero bytes */
    put64(p + 8, v);
    w->buf.len += RP__FIELD_HEAD;
    w->h.count++;
    return p;
}

void rp__fw_none(rp__fwriter *w) {
    field_head(w, RP__F_NONE, 0, 0);
}

void rp__fw_int(rp__fwriter *w, int64_t v) {
    field_head(w, RP__F_INT, (uint64_t)v, 0);
}

void rp__fw_double(rp__fwriter *w, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    field_head(w, RP__F_DOUBLE, bits, 0);
}

void rp__fw_bytes(rp__fwriter *w, const void *p, size_t len) {
    if (w->err == 0 && len > RP__MAX_MSG)
        w->err = RP_ETOOBIG;
    size_t room = rp__field_room(len);
    if (field_head(w, RP__F_BYTES, len, room) == NULL)
        return;
    uint8_t *d = w->buf.p + w->buf.len;
    /* The NUL and padding (1 to 8 bytes) lie in the room's last word: zero
     * it first, then the bytes go over its start. */
    put64(d + room - 8, 0);
    if (len > 0)
        memcpy(d, p, len);
    w->buf.len += room;
}

void rp__fw_field(rp__fwriter *w, const rp__field *f) {
    switch (f->type) {
    case RP__F_INT:
        rp__fw_int(w, f->i);
        break;
    case RP__F_DOUBLE:
        rp__fw_double(w, f->d);
        break;
    case RP__F_BYTES:
        rp__fw_bytes(w, f->p, f->len);
        break;
    default:
        rp__fw_none(w);
        break;
    }
}

int rp__fw_finish(rp__fwriter *w) {
    if (w->err != 0) {
        rp__buf_free(&w->buf);
        return w->err;
    }
    w->h.body_len = w->buf.len - RP__HDR_SIZE;
    rp__hdr_encode(w->buf.p, &w->h);
    return 0;
}

int rp__freader_init(rp__freader *r, const rp__hdr *h, const void *body) {
    memset(r, 0, sizeof *r);
    if (h->kind != RP__MSG_OBJ_REQ && h->kind != RP__MSG_OBJ_REP)
        return RP_EPROTO;
    /* A request's item_size is the rank that serves it (read by relays). */
    if ((h->kind == RP__MSG_OBJ_REP && h->item_size != 0) || (h->body_len > 0 && body == NULL))
        return RP_EPROTO;
    const uint8_t *b = body;
    size_t len = (size_t)h->body_len, off = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        if (len - off < RP__FIELD_HEAD)
            return RP_EPROTO;
        /* The type byte and 7 zero bytes, read as one little-endian word:
         * any non-zero byte after the type makes it out of range. */
        uint64_t type = get64(b + off);
        uint64_t v = get64(b + off + 8);
        off += RP__FIELD_HEAD;
        if (type >= RP__F_COUNT)
            return RP_EPROTO;
        if (type == RP__F_NONE && v != 0)
            return RP_EPROTO;
        if (type != RP__F_BYTES)
            continue;
        if (v > len - off || rp__field_room((size_t)v) > len - off)
            return RP_EPROTO;
        /* The NUL after the bytes makes every string field a C string.  It
         * and the padding (1 to 8 bytes) are the high bytes of the room's
         * last word, which must be zero. */
        size_t room = rp__field_room((size_t)v), pad = room - (size_t)v;
        if (get64(b + off + room - 8) >> (8 * (8 - pad)) != 0)
            return RP_EPROTO;
        off += room;
    }
    if (off != len)
        return RP_EPROTO;
    r->body = b;
    r->len = len;
    r->count = h->count;
    return 0;
}

int rp__freader_next(rp__freader *r, rp__field *f) {
    if (r->next >= r->count)
        return 0;
    r->next++;
    const uint8_t *p = r->body + r->off;
    uint64_t v = get64(p + 8);
    *f = (rp__field){.type = p[0]};
    r->off += RP__FIELD_HEAD;
    if (f->type == RP__F_INT) {
        f->i = (int64_t)v;
    } else if (f->type == RP__F_DOUBLE) {
        memcpy(&f->d, &v, sizeof f->d);
    } else if (f->type == RP__F_BYTES) {
        f->p = r->body + r->off;
        f->len = (size_t)v;
        r->off += rp__field_room(f->len);
    }
    return 1;
}

size_t rp__default_chunksize(size_t n, int workers) {
    if (workers < 1)
        workers = 1;
    size_t d = (size_t)workers * 4;
    size_t c = n / d + (n % d != 0);
    return c ? c : 1;
}

size_t rp__prec_size(const rp__prec *p) {
    size_t n = 4 + 4 * (size_t)RP__PI_COUNT;
    for (int i = 0; i < RP__PS_COUNT; i++) {
        if (p->s[i] == NULL)
            return 0;
        size_t l = strnlen(p->s[i], RP__PREC_MAX_STR + 1);
        if (l > RP__PREC_MAX_STR)
            return 0;
        n += l + 1;
    }
    return n;
}

void rp__prec_encode(void *out, const rp__prec *p) {
    uint8_t *o = out;
    put32(o, RP__PREC_MAGIC);
    o += 4;
    for (int i = 0; i < RP__PI_COUNT; i++, o += 4)
        put32(o, (uint32_t)p->v[i]);
    for (int i = 0; i < RP__PS_COUNT; i++) {
        size_t l = strlen(p->s[i]) + 1;
        memcpy(o, p->s[i], l);
        o += l;
    }
}

int rp__prec_decode(const void *buf, size_t len, rp__prec *p) {
    const uint8_t *b = buf;
    size_t off = 4 + 4 * (size_t)RP__PI_COUNT;
    if (buf == NULL || len < off || len > RP__MAX_MSG || get32(b) != RP__PREC_MAGIC)
        return RP_EPROTO;
    for (int i = 0; i < RP__PI_COUNT; i++)
        p->v[i] = (int32_t)get32(b + 4 + 4 * (size_t)i);
    for (int i = 0; i < RP__PS_COUNT; i++) {
        size_t room = len - off, max = room < RP__PREC_MAX_STR + 1 ? room : RP__PREC_MAX_STR + 1;
        const uint8_t *nul = memchr(b + off, 0, max);
        if (nul == NULL)
            return RP_EPROTO;
        p->s[i] = (const char *)(b + off);
        off = (size_t)(nul - b) + 1;
    }
    const int32_t *v = p->v;
    if (off != len || v[RP__PI_NODE_SIZE] < 1 || v[RP__PI_NODE_RANK] < 0 ||
        v[RP__PI_NODE_RANK] >= v[RP__PI_NODE_SIZE] || v[RP__PI_POLICY] < RP_PLACE_COMPACT ||
        v[RP__PI_POLICY] > RP_PLACE_MPIRUN || v[RP__PI_GRAIN] < RP_GRAIN_CORE ||
        v[RP__PI_GRAIN] > RP_GRAIN_PU || v[RP__PI_UNITS] < 0 || v[RP__PI_SHARING] < 1 ||
        v[RP__PI_SHARING] > v[RP__PI_NODE_SIZE] || (uint32_t)v[RP__PI_OVERSUB] > 1)
        return RP_EPROTO;
    return 0;
}

int rp__proc_start_decode(const rp__hdr *h, const void *body, const char **name, size_t *name_len,
                          const void **arg, size_t *arg_len) {
    size_t room = rp__pad(h->item_size);
    if (h->kind != RP__MSG_PROC_START || h->item_size > RP__MAX_PNAME || room > h->body_len ||
        (h->body_len > 0 && body == NULL) || h->code < 0)
        return RP_EPROTO;
    const uint8_t *b = body;
    /* The name is printed and compared as a string: no NUL inside it. */
    if (h->item_size > 0 && memchr(b, 0, h->item_size) != NULL)
        return RP_EPROTO;
    for (size_t i = h->item_size; i < room; i++)
        if (b[i] != 0)
            return RP_EPROTO;
    *name = (const char *)b;
    *name_len = h->item_size;
    *arg = b + room;
    *arg_len = (size_t)h->body_len - room;
    return 0;
}

/* ---- batches ------------------------------------------------------------ */

/* The part at @p p, @p left bytes to the body's end: a whole message (in a
 * bundle, after its route, whose spare bytes are zero) of kind @p kind (0:
 * any a bundle carries), whose padding fits.  Its header into *ph, its
 * length without padding into *len; 0 if it is none of that. */
static int part_at(const uint8_t *p, size_t left, int routed, int kind, rp__hdr *ph, size_t *len) {
    if (routed) {
        if (left < RP__ROUTE_SIZE || get32(p + 4) != 0 || get64(p + 8) != 0)
            return 0;
        p += RP__ROUTE_SIZE;
        left -= RP__ROUTE_SIZE;
    }
    if (left < RP__HDR_SIZE)
        return 0;
    uint64_t blen = get64(p + 40);
    if (blen > left - RP__HDR_SIZE)
        return 0;
    *len = RP__HDR_SIZE + (size_t)blen;
    if (rp__hdr_decode(p, *len, ph) != 0 || rp__pad(*len) > left)
        return 0;
    if (kind != 0)
        return ph->kind == kind;
    return ph->kind == RP__MSG_TASK || ph->kind == RP__MSG_TASKS || ph->kind == RP__MSG_RESULT ||
           ph->kind == RP__MSG_RESULTS;
}

/* Check that @p h->count parts fill the body exactly, and prepare @p b. */
static int parts_init(rp__batch *b, const rp__hdr *h, const uint8_t *body, int routed, int kind) {
    const uint8_t *p = body;
    size_t left = (size_t)h->body_len;
    for (uint32_t i = 0; i < h->count; i++) {
        rp__hdr ph;
        size_t len;
        if (!part_at(p, left, routed, kind, &ph, &len))
            return RP_EPROTO;
        size_t step = (routed ? RP__ROUTE_SIZE : 0) + rp__pad(len);
        p += step;
        left -= step;
    }
    if (left != 0)
        return RP_EPROTO; /* the parts fill the body exactly */
    b->p = body;
    b->left = (size_t)h->body_len;
    b->count = h->count;
    return 0;
}

int rp__batch_init(rp__batch *b, const rp__hdr *h, const void *body) {
    memset(b, 0, sizeof *b);
    int part;
    if (h->kind == RP__MSG_TASKS)
        part = RP__MSG_TASK;
    else if (h->kind == RP__MSG_RESULTS)
        part = RP__MSG_RESULT;
    else
        return RP_EPROTO;
    if (h->count < 2 || h->count > RP__MAX_BATCH || body == NULL)
        return RP_EPROTO;
    return parts_init(b, h, body, 0, part);
}

int rp__batch_next(rp__batch *b, rp__hdr *part, const uint8_t **msg, size_t *len) {
    if (b->next >= b->count)
        return 0;
    size_t n = RP__HDR_SIZE + (size_t)get64(b->p + 40);
    rp__hdr_decode(b->p, n, part); /* checked by rp__batch_init */
    *msg = b->p;
    *len = n;
    b->p += rp__pad(n);
    b->left -= rp__pad(n);
    b->next++;
    return 1;
}

int rp__batch_begin(rp__buf *out) {
    out->len = 0;
    int rc = rp__buf_reserve(out, RP__HDR_SIZE);
    if (rc == 0)
        out->len = RP__HDR_SIZE;
    return rc;
}

int rp__batch_add(rp__buf *out, const void *msg, size_t len) {
    size_t room = rp__pad(len);
    int rc = rp__buf_reserve(out, room);
    if (rc != 0)
        return rc;
    memcpy(out->p + out->len, msg, len);
    memset(out->p + out->len + len, 0, room - len);
    out->len += room;
    return 0;
}

void rp__batch_finish(rp__buf *out, int kind, uint32_t count) {
    rp__hdr h = {.kind = (uint16_t)kind, .count = count, .body_len = out->len - RP__HDR_SIZE};
    rp__hdr_encode(out->p, &h);
}

int rp__bundle_add(rp__buf *out, int rank, const void *msg, size_t len) {
    int rc = rp__buf_reserve(out, RP__ROUTE_SIZE);
    if (rc != 0)
        return rc;
    memset(out->p + out->len, 0, RP__ROUTE_SIZE);
    put32(out->p + out->len, (uint32_t)rank);
    out->len += RP__ROUTE_SIZE;
    rc = rp__batch_add(out, msg, len);
    if (rc != 0)
        out->len -= RP__ROUTE_SIZE;
    return rc;
}

int rp__bundle_init(rp__batch *b, const rp__hdr *h, const void *body) {
    memset(b, 0, sizeof *b);
    if (h->kind != RP__MSG_BUNDLE || h->count < 1 || h->count > RP__MAX_BATCH || body == NULL)
        return RP_EPROTO;
    return parts_init(b, h, body, 1, 0);
}

int rp__bundle_next(rp__batch *b, int *rank, rp__hdr *part, const uint8_t **msg, size_t *len) {
    if (b->next >= b->count || !part_at(b->p, b->left, 1, 0, part, len))
        return 0;
    *rank = (int)get32(b->p);
    *msg = b->p + RP__ROUTE_SIZE;
    size_t step = RP__ROUTE_SIZE + rp__pad(*len);
    b->p += step;
    b->left -= step;
    b->next++;
    return 1;
}

/* ---- the lease hello ---------------------------------------------------- */

void rp__hello_encode(void *out, const rp__hello *h) {
    uint8_t *p = out;
    put32(p, RP__HELLO_MAGIC);
    put32(p + 4, (uint32_t)h->rank);
    put32(p + 8, (uint32_t)h->pid);
    put32(p + 12, 0);
    put64(p + 16, h->cookie);
}

int rp__hello_decode(const void *buf, size_t len, rp__hello *h) {
    const uint8_t *p = buf;
    if (buf == NULL || len != RP__HELLO_SIZE || get32(p) != RP__HELLO_MAGIC || get32(p + 12) != 0)
        return RP_EPROTO;
    h->rank = (int32_t)get32(p + 4);
    h->pid = (int32_t)get32(p + 8);
    h->cookie = get64(p + 16);
    return h->rank >= 1 && h->pid >= 1 ? 0 : RP_EPROTO;
}
