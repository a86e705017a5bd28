/*
 * The inside of the manager's store, shared by its files only: store.c
 * (the objects, request dispatch), request.c (fields, slots, memory,
 * waiters), map.c (the dict's table), containers.c (dicts, lists,
 * namespaces), sync.c (queues, locks and the other objects a caller can
 * wait on), arrays.c and arena.c (Value and Array).  What the rest of the
 * library may use of the store is in manager/manager.h.  Not installed;
 * everything here runs under the store's mutex.
 */
#ifndef RP_STORE_H
#define RP_STORE_H

#include "manager/manager.h"

#include <stdatomic.h>
#include <string.h>

/* ---- arena.c: the allocator of the shared arena ---------------------------- */

/*
 * First-fit allocator over the arena (rank 0's store uses it under its
 * lock): free ranges sorted by offset, merged with their neighbours.
 */
typedef struct rp__range {
    size_t off, len;
} rp__range;

typedef struct rp__arena {
    uint8_t *base;
    size_t size;
    rp__range *free;
    size_t nfree, cap;
    size_t nalloc; /* live allocations: room for nalloc + 1 free ranges is kept */
    size_t used;   /* bytes allocated */
} rp__arena;

/** An arena over @p size bytes at @p base, all free.  0 or RP_ENOMEM. */
int rp__arena_init(rp__arena *a, void *base, size_t size);
/** Free the allocator's own memory (not the arena's). */
void rp__arena_fini(rp__arena *a);
/** First fit of @p len bytes (a multiple of 64) into *off.  0, RP_ENOSPC or RP_ENOMEM. */
int rp__arena_alloc(rp__arena *a, size_t len, size_t *off);
/** Give back a range; never fails. */
void rp__arena_free(rp__arena *a, size_t off, size_t len);

/* What an entry, an element and an object count against obj_mem_max beyond
 * their key and value bytes: about what they take from malloc and the tables
 * (measured by bench/bench_dict). */
#define RP__ENTRY_COST 64u
#define RP__ELEM_COST 32u
#define RP__OBJ_COST 256u

/* A value held by the store; bytes are owned, with a NUL after them. */
typedef struct slot {
    int type;
    size_t len;
    union {
        int64_t i;
        double d;
        uint8_t *p;
    };
} slot;

typedef struct entry {
    uint64_t hash;
    slot v;
    size_t klen;
    uint8_t key[];
} entry;

typedef struct map {
    entry **ents; /* insertion order; NULL where deleted */
    size_t nents; /* used positions in ents, deleted included */
    size_t capents;
    size_t live;   /* entries present */
    uint32_t *idx; /* 1 + position in ents, RP__IDX_EMPTY or RP__IDX_DUMMY */
    size_t idxcap; /* power of two, or 0 */
} map;

typedef struct vec {
    slot *v;
    size_t n, cap;
} vec;

struct obj;

/*
 * A request that could not be answered yet (a get on an empty queue, an
 * acquire of a held lock): parked on its object until it can be, or until
 * its deadline.  A caller on rank 0 waits on its own condition variable
 * (lw); a remote caller's answer goes out through the outbox.
 */
typedef struct waiter {
    struct waiter *next, *prev;   /* in its object's list */
    struct waiter *dnext, *dprev; /* in the store's list of waiters with a deadline */
    struct obj *o;
    int list; /* which of the object's lists */
    int op;
    int rank;       /* the caller */
    uint32_t token; /* its thread (lock ownership) */
    uint64_t seq;   /* the request's sequence number, echoed in the answer */
    double deadline;
    struct rp__lwait *lw;
    slot item;     /* a blocked put's item */
    int64_t prio;  /* and its priority */
    int64_t count; /* a condition waiter's lock recursion count, restored on wakeup */
    int result;    /* a condition waiter: what it answers once it has the lock */
} waiter;

typedef struct wlist {
    waiter *head, *tail;
} wlist;

/* A rank-0 thread waiting for its answer. */
typedef struct rp__lwait {
    pthread_cond_t cv;
    int done;
    void *rep;
    size_t len;
    int rc; /* RP_ENOMEM if no answer could be built */
} rp__lwait;

/* A queued item (queues, pipes). */
typedef struct qitem {
    slot v;
    int64_t prio;
    uint64_t seq; /* insertion order: equal priorities leave first in, first out */
} qitem;

typedef struct obj {
    uint64_t id;
    int kind;
    int sub;    /* queue type, recursive lock, bounded semaphore, duplex pipe */
    char *name; /* NULL: anonymous */
    size_t namelen;
    size_t mem; /* counted against obj_mem_max */
    map m;      /* dict, namespace */
    vec l;      /* list */
    wlist w[3]; /* waiters, in arrival order */
    /* queue; pipe: items[end] is the inbox of end */
    qitem *items[2];
    size_t nitems[2], capitems[2], headitem[2];
    int64_t maxsize; /* 0: unbounded */
    int64_t unfinished;
    uint64_t seq;
    int closed[2];
    /* lock (also a condition's), semaphore, event, barrier */
    int owner_rank; /* -1: free */
    uint32_t owner_token;
    int64_t count; /* lock recursion, semaphore value, barrier arrivals */
    int64_t bound; /* bounded semaphore's limit, barrier parties */
    int flag;      /* event set, barrier broken */
    /* array (its lock is the recursive lock above) */
    size_t aoff, asize; /* its range of the arena: header and elements */
    uint64_t alen;      /* elements */
    int atype;
    uint32_t aelem;
} obj;

struct rp__store {
    pthread_mutex_t lock;
    obj **objs; /* by slot (the id's low 32 bits); NULL where free */
    size_t nobjs, capobjs;
    uint32_t *free_slots;
    size_t nfree;
    uint32_t serial; /* the ids' serials (24 bits): never reused while it counts up */
    int wrapped;     /* the serial went past 2^24 - 1 once */
    uint32_t home;   /* the rank that holds this store: the ids' top generation bits */
    map names;       /* name -> slot (an integer value) */
    size_t mem;
    size_t key_max, value_max, mem_max;
    waiter *timed;               /* waiters with a deadline */
    rp__outmsg *out, **out_tail; /* answers to remote waiters */
    void (*notify)(void *);      /* called when out gets an answer */
    void *notify_arg;
    rp__arena *arena;   /* Value and Array memory, or NULL (none) */
    atomic_int changed; /* see rp__store_changed; set under lock, read without */
    int interrupted;    /* a signal stopped the job: requests no longer wait */
};

/* One request being executed: its fields and its answer. */
typedef struct req {
    rp__store *s;
    const rp__hdr *h;
    const rp__caller *who;
    rp__freader r;
    rp__fwriter w;
    obj *o;
    waiter *parked; /* set when the request was parked */
} req;

/* ---- request.c ------------------------------------------------------------ */

/** Answer @p code with a message instead of what was written.  Returns code. */
int rp__fail(req *q, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rp__nomem(req *q);
/** Copy a field into a new slot.  Returns 0 or RP_ENOMEM. */
int rp__slot_set(slot *s, const rp__field *f);
void rp__slot_free(slot *s);
/** Same type and value (doubles bit for bit, so a CAS loop on a NaN ends). */
int rp__slot_equals(const slot *s, const rp__field *f);
void rp__put_slot(rp__fwriter *w, const slot *s);
/** A printable, shortened form of a key for messages, in @p buf. */
const char *rp__show(const void *p, size_t len, char *buf, size_t cap);
const char *rp__obj_label(const obj *o, char *buf, size_t cap);

/* ---- map.c: the dict's table ------------------------------------------------- */

/** Insert a key not present, taking value @p v.  0 or RP_ENOMEM. */
int rp__map_insert(map *m, const void *k, size_t klen, uint64_t h, slot *v);
/** Remove the entry at @p pos (from rp__map_find). */
void rp__map_remove(map *m, size_t pos);
/** Free every entry and the table. */
void rp__map_clear(map *m);

/* ---- containers.c: dicts, lists, namespaces ----------------------------------- */

int rp__op_d_get(req *q);
int rp__op_d_set(req *q);
int rp__op_d_del(req *q);
int rp__op_d_contains(req *q);
int rp__op_d_len(req *q);
int rp__op_d_setdefault(req *q);
int rp__op_d_pop(req *q);
int rp__op_d_clear(req *q);
int rp__op_d_items(req *q);
int rp__op_d_update(req *q);
int rp__op_d_getmany(req *q);
int rp__op_d_add(req *q);
int rp__op_d_cas(req *q);
int rp__op_d_swap(req *q);
int rp__op_l_append(req *q);
int rp__op_l_extend(req *q);
int rp__op_l_get(req *q);
int rp__op_l_set(req *q);
int rp__op_l_pop(req *q);
int rp__op_l_insert(req *q);
int rp__op_l_len(req *q);
int rp__op_l_slice(req *q);

/* ---- sync.c: objects a caller waits on ----------------------------------- */

/** Set up a new object of a waitable kind from OPEN's parameters (p1, p2). */
int rp__sync_init(req *q, obj *o, int64_t p1, int64_t p2);
/** Does an existing object match OPEN's parameters?  0 or an answer code. */
int rp__sync_match(req *q, const obj *o, int64_t p1, int64_t p2);
/** An object is destroyed: answer its waiters with RP_ENOENT, free its items. */
void rp__sync_destroy(rp__store *s, obj *o);
/** A parked waiter's deadline passed: answer it (or move it on). */
void rp__sync_expire(rp__store *s, waiter *w);
/** The number of waiters and items for rp_obj_list's len. */
size_t rp__sync_len(const obj *o);

/* Operation handlers of sync.c, in the store's table. */
int rp__op_q_put(req *q);
int rp__op_q_get(req *q);
int rp__op_q_size(req *q);
int rp__op_q_close(req *q);
int rp__op_q_task_done(req *q);
int rp__op_q_join(req *q);
int rp__op_lock_acquire(req *q);
int rp__op_lock_release(req *q);
int rp__op_sem_value(req *q);
int rp__op_ev_set(req *q);
int rp__op_ev_clear(req *q);
int rp__op_ev_wait(req *q);
int rp__op_cond_wait(req *q);
int rp__op_cond_notify(req *q);
int rp__op_bar_wait(req *q);
int rp__op_bar_abort(req *q);
int rp__op_bar_reset(req *q);
int rp__op_bar_state(req *q);
int rp__op_pipe_send(req *q);
int rp__op_pipe_recv(req *q);
int rp__op_pipe_poll(req *q);
int rp__op_pipe_close(req *q);

/* ---- arrays.c: arrays in the arena ------------------------------------------- */

/** Check OPEN's parameters of a new array; *bytes: its size in the arena. */
int rp__array_size(req *q, int64_t p1, int64_t p2, size_t *bytes);
/** Place a new array (checked by rp__array_size) in the arena, zeroed. */
int rp__array_init(req *q, obj *o, int64_t p1, int64_t p2, size_t bytes);
/** Does an existing array match OPEN's parameters?  0 or an answer code. */
int rp__array_match(req *q, const obj *o, int64_t p1, int64_t p2);
/** OPEN's answer for an array: offset, type, element size, length. */
void rp__array_reply(req *q, const obj *o);
/** The new array has its id: set its generation, which makes it reachable. */
void rp__array_live(rp__store *s, const obj *o);
/** The array is destroyed: mark its header dead and free its range. */
void rp__array_destroy(rp__store *s, obj *o);
int rp__op_a_get(req *q);
int rp__op_a_put(req *q);
int rp__op_a_rmw(req *q);

/* ---- waiting (request.c) ------------------------------------------------------ */

/**
 * Park the request on list @p list of its object, with the timeout in
 * seconds (negative: none).  Returns 0, RP_EDEADLK (the caller may not
 * wait) or an answer code.  The handler then returns 0 and writes nothing.
 */
int rp__park(req *q, int list, double timeout);
/** Unlink a waiter from its object and the deadline list. */
void rp__unpark(rp__store *s, waiter *w);
/** Move a waiter to another list of its object (no deadline there). */
void rp__waiter_move(rp__store *s, waiter *w, int list);
/**
 * Answer a parked waiter with @p code and the fields already in @p w (a
 * writer begun with rp__answer_begin), then free it.
 */
void rp__answer(rp__store *s, waiter *wt, rp__fwriter *w, int code);
/** Begin the answer to a parked waiter. */
void rp__answer_begin(const waiter *wt, rp__fwriter *w);
/** Answer a parked waiter with just a code (and a message if code < 0). */
void rp__answer_code(rp__store *s, waiter *wt, int code, const char *msg);

/* ---- inline: what every request and every key goes through -------------- */

/* Kept here, not in request.c and map.c, so that each operation's file
 * inlines them: a batched update runs them once a key. */

#define RP__IDX_EMPTY 0u
#define RP__IDX_DUMMY UINT32_MAX

static inline size_t rp__slot_bytes(const slot *s) {
    return s->type == RP__F_BYTES ? s->len + 16 : 0;
}

/* The next field of the request, of type @p type (-1: any). */
static inline int rp__arg(req *q, rp__field *f, int type, const char *what) {
    if (!rp__freader_next(&q->r, f))
        return rp__fail(q, RP_EPROTO, "%s: missing %s", rp__op_name(q->h->code), what);
    if (type >= 0 && f->type != type)
        return rp__fail(q, RP_EPROTO, "%s: %s of the wrong type", rp__op_name(q->h->code), what);
    return 0;
}

static inline int rp__value_arg(req *q, rp__field *v, int none_ok) {
    int rc = rp__arg(q, v, -1, "value");
    if (rc == 0 && !none_ok && v->type == RP__F_NONE)
        return rp__fail(q, RP_EINVAL, "a value must not be none");
    if (rc == 0 && v->type == RP__F_BYTES && v->len > q->s->value_max)
        return rp__fail(q, RP_ETOOBIG, "value of %zu bytes exceeds obj_value_max (%zu)", v->len,
                        q->s->value_max);
    return rc;
}

static inline int rp__int_arg(req *q, int64_t *i, const char *what) {
    rp__field f;
    int rc = rp__arg(q, &f, RP__F_INT, what);
    if (rc == 0)
        *i = f.i;
    return rc;
}

/*
 * The range check of every counter the store keeps (a semaphore's value, a
 * lock's recursion, a queue's unfinished items): can @p c take one more
 * without passing INT64_MAX?  Else the request fails with RP_ERANGE and
 * the counter stays as it is.  0 or RP_ERANGE.
 */
static inline int rp__count_room(req *q, int64_t c, const char *what) {
    if (c < INT64_MAX)
        return 0;
    return rp__fail(q, RP_ERANGE, "%s is at its most (%lld)", what, (long long)c);
}

/* Charge @p more bytes to the object (a negative change is a release). */
static inline int rp__charge(req *q, obj *o, size_t more) {
    if (more > q->s->mem_max || q->s->mem > q->s->mem_max - more)
        return rp__fail(q, RP_ENOSPC, "%zu more bytes would exceed obj_mem_max (%zu of %zu in use)",
                        more, q->s->mem, q->s->mem_max);
    q->s->mem += more;
    if (o != NULL)
        o->mem += more;
    return 0;
}

static inline void rp__release(rp__store *s, obj *o, size_t less) {
    s->mem -= less;
    if (o != NULL)
        o->mem -= less;
}

static inline size_t rp__field_cost(const rp__field *f) {
    return f->type == RP__F_BYTES ? f->len + 16 : 0;
}

static inline uint64_t rp__load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t rp__rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

/* XXH64's path for short inputs (one lane, a word at a time) with its final
 * avalanche: a key of 16 bytes costs two multiply rounds instead of the 16
 * dependent multiplies of a byte-at-a-time hash.  The host's byte order only
 * changes which table slot a key lands in, and hashes never leave the
 * process. */
static inline uint64_t rp__hash_bytes(const void *p, size_t n) {
    static const uint64_t P1 = 0x9e3779b185ebca87ull, P2 = 0xc2b2ae3d27d4eb4full,
                          P3 = 0x165667b19e3779f9ull, P4 = 0x85ebca77c2b2ae63ull,
                          P5 = 0x27d4eb2f165667c5ull;
    const uint8_t *b = p, *end = b + n;
    uint64_t h = P5 + (uint64_t)n;
    for (; end - b >= 8; b += 8) {
        uint64_t k = rp__rotl64(rp__load64(b) * P2, 31) * P1;
        h = rp__rotl64(h ^ k, 27) * P1 + P4;
    }
    if (end - b >= 4) {
        uint32_t w;
        memcpy(&w, b, sizeof w);
        h = rp__rotl64(h ^ (uint64_t)w * P1, 23) * P2 + P3;
        b += 4;
    }
    for (; b < end; b++)
        h = rp__rotl64(h ^ *b * P5, 11) * P1;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    return h ^ (h >> 32);
}

/* Position in m->idx of key k (its entry or the first free slot on its
 * path); *found says which. */
static inline size_t rp__map_probe(const map *m, const void *k, size_t klen, uint64_t h,
                                   int *found) {
    size_t mask = m->idxcap - 1, i = (size_t)h & mask, dummy = SIZE_MAX;
    for (;; i = (i + 1) & mask) {
        uint32_t e = m->idx[i];
        if (e == RP__IDX_EMPTY) {
            *found = 0;
            return dummy != SIZE_MAX ? dummy : i;
        }
        if (e == RP__IDX_DUMMY) {
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
static inline entry *rp__map_find_h(const map *m, const void *k, size_t klen, uint64_t h,
                                    size_t *pos) {
    if (m->live == 0)
        return NULL;
    int found;
    size_t i = rp__map_probe(m, k, klen, h, &found);
    if (!found)
        return NULL;
    if (pos)
        *pos = i;
    return m->ents[m->idx[i] - 1];
}

static inline entry *rp__map_find(const map *m, const void *k, size_t klen, size_t *pos) {
    return rp__map_find_h(m, k, klen, rp__hash_bytes(k, klen), pos);
}

#endif /* RP_STORE_H */
