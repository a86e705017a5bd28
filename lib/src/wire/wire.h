/*
 * The wire protocol: message kinds (= MPI tags), the fixed header, and the
 * bodies of task and result messages.  This is the only code that turns bytes
 * from the network into structures, and it validates everything it reads.
 * Pure C, no MPI: unit-tested and fuzzable on its own.
 *
 * Every message is   header (48 bytes) | body (body_len bytes)
 *
 *   header: u32 magic "RPW1" | u16 kind | u16 flags | u32 pool | i32 code
 *           | u64 job | u64 start | u32 count | u32 item_size | u64 body_len
 *   (little-endian; body starts 16-byte aligned)
 *
 * TASK body, fixed-size items (item_size > 0): count * item_size bytes.
 * TASK body, variable items (item_size == 0): count * u64 length, then each
 *   item's bytes padded to 16.
 * TASK flags: RP__TASK_DENSE (the answer may be dense), RP__TASK_ISOLATE
 *   (below), and above them the tries of its item that failed before (a
 *   chunk of one item sent again under rp_call_options.retries).
 * RESULT body: count * {u8 status, 3 pad, i32 code, u64 length}, then each
 *   item's bytes (the result, or the failure message) padded to 16.  The
 *   header's code is the chunk's execution time in ns (clamped to INT32_MAX).
 * RESULT body, dense (item_size > 0): every item succeeded with a result of
 *   item_size bytes: count * item_size bytes, as a TASK's fixed-size items.
 *
 * OBJ_REQ (a shared-object call): code = operation (RP__OP_*), flags = the
 *   operation's flags (and RP__REQ_NOWAIT), job = object id, start = the
 *   caller's sequence number, pool = the calling thread's token (who owns a
 *   lock), count = fields, item_size = the rank that serves it (0: rank 0,
 *   else a server rank; docs/scale.md), which a relaying rank reads.  OBJ_REP: code = 0, a
 * small non-negative result, or an RP_E* code; job = object id; start = the request's sequence
 * number. Both bodies are count typed fields, each  u8 type | 7 zero bytes | u64 v, where v is the
 * integer, the double's bits, or for bytes their length, followed by the bytes, a NUL and zeros up
 * to a multiple of 8.
 *
 * TASK: flags RP__TASK_ISOLATE = run this chunk in a forked executor, and
 *   a crash there fails the item as a loss: the chunk is a retry after its
 *   worker was lost (the poison-task rule, docs/recovery.md).
 * POOL_INIT: flags RP__POOL_ISOLATE = run the pool's tasks in a forked
 *   executor; then job = maxtasksperchild (0: no limit) and start = the
 *   per-task timeout in microseconds (0: none).
 * PROC_START: job = process id, code = task index, flags RP__PROC_DAEMON,
 *   item_size = length of the name (at most RP__MAX_PNAME), body = the name's
 *   bytes padded to 16 (zeros), then the argument's (aligned as a task's).
 * PROC_SIGNAL: job = process id, code = signal number.
 * PROC_STARTED: job = process id, code = the OS pid, or an RP_E* code.
 * PROC_EXIT: job = process id (0: a pool's executor), code = exit code
 *   (>= 0), or minus the signal; pool = the child's token without thread bits
 *   (its calls still waiting are answered canceled).
 * TASKS / RESULTS (a batch): count = its parts (2 .. RP__MAX_BATCH), body =
 *   the parts, each a whole TASK (RESULT) message, header and body, padded
 *   to 16.  A worker answers a TASKS with one RESULTS of as many parts, in
 *   order.
 * BUNDLE (docs/scale.md): count = its parts (1 .. RP__MAX_BATCH), body =
 *   the parts, each a route (u32 rank, 12 zero bytes) and a whole TASK,
 *   TASKS, RESULT or RESULTS message, padded to 16: rank 0 sends a server
 *   the chunks of the workers it feeds, the server forwards each to its
 *   rank, and bundles their answers back, each with the rank it came from.
 */
#ifndef RP_WIRE_H
#define RP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define RP__MAGIC 0x31575052u /* "RPW1" */
#define RP__HDR_SIZE 48u
#define RP__ALIGN 16u
/* One message must fit an MPI int count of bytes. */
#define RP__MAX_MSG ((size_t)0x7fffffff)
/* Items per message: keeps tables and loops bounded. */
#define RP__MAX_COUNT (1u << 24)
/* Length of a failure message carried on the wire. */
#define RP__MAX_ERRMSG 1023u

/* Message kinds; each is also the MPI tag of its messages. */
#define RP__MSG_MAP(X)                                                                             \
    X(TASK)         /* manager -> worker: a chunk of items of one call */                          \
    X(RESULT)       /* worker -> manager: the results of one chunk */                              \
    X(POOL_INIT)    /* manager -> worker: join pool; code = initializer or -1 */                   \
    X(POOL_ACK)     /* worker -> manager: initializer outcome in code, message in body */          \
    X(POOL_CANCEL)  /* manager -> worker: skip queued chunks of this pool */                       \
    X(POOL_FREE)    /* manager -> worker: forget this pool */                                      \
    X(SHUTDOWN)     /* manager -> worker: leave the service loop */                                \
    X(OBJ_REQ)      /* any rank -> manager: a shared-object call */                                \
    X(OBJ_REP)      /* manager -> caller: its answer */                                            \
    X(PROC_START)   /* manager -> worker: fork a process (docs/process.md) */                      \
    X(PROC_SIGNAL)  /* manager -> worker: send a signal to one of its processes */                 \
    X(PROC_STARTED) /* worker -> manager: the process runs (code = pid) or not (code < 0) */       \
    X(PROC_EXIT)    /* worker -> manager: the process ended (code = its exit code) */              \
    X(TASKS)        /* manager -> worker: several TASK messages in one */                          \
    X(RESULTS)      /* worker -> manager: the RESULT messages of several chunks in one */          \
    X(DROP)         /* manager -> server: rank job (-1: any) is lost, or signal: drop its calls */ \
    X(PARKED)       /* server -> manager: worker rank job's task waits (code 1) or goes on (-1) */ \
    X(SERVER_LOST)  /* manager -> every rank: server rank job was lost, its objects with it */     \
    X(BUNDLE)       /* manager <-> server: whole messages for (from) several workers */

typedef enum {
    RP__MSG_NONE = 0,
#define RP__MSG_ENUM(name) RP__MSG_##name,
    RP__MSG_MAP(RP__MSG_ENUM)
#undef RP__MSG_ENUM
        RP__MSG_COUNT
} rp__msg_kind;

/* POOL_INIT and PROC_START flags. */
#define RP__POOL_ISOLATE 1u
#define RP__PROC_DAEMON 1u
/* TASK flags: the answer may be dense (the manager copies the results out,
 * so they need not stay 16-byte aligned in the message); run the chunk in a
 * forked executor (the poison-task rule).  The bits above them count the
 * tries of the chunk's item that failed before (retries). */
#define RP__TASK_DENSE 1u
#define RP__TASK_ISOLATE 2u
#define RP__TASK_TRIES_SHIFT 2
/* OBJ_REQ flag: the caller may not wait (rank 0's manager thread): a
 * request that would park is answered RP_EDEADLK.  Above every operation's
 * own flags. */
#define RP__REQ_NOWAIT 0x8000u
/* Longest process name. */
#define RP__MAX_PNAME 255u

/** Name of a message kind, for tracing ("TASK"); "?" if out of range. */
const char *rp__msg_name(int kind);

/* Shared-object operations (OBJ_REQ code) and the fields each takes. */
#define RP__OP_MAP(X)                                                                              \
    X(OPEN)         /* name (bytes or none), kind, p1, p2 (ints); flags RP_CREATE/RP_EXCL */       \
    X(DESTROY)      /* - ; an array: its offset, length, type, element size (as its handle) */     \
    X(LIST)         /* - ; reply: per object name, kind, len, mem, id */                           \
    X(MEMORY)       /* - ; reply: used, limit */                                                   \
    X(D_GET)        /* key ; reply: value */                                                       \
    X(D_SET)        /* key, value */                                                               \
    X(D_DEL)        /* key */                                                                      \
    X(D_CONTAINS)   /* key ; reply code 1 or 0 */                                                  \
    X(D_LEN)        /* - ; reply: int */                                                           \
    X(D_SETDEFAULT) /* key, value ; reply: value */                                                \
    X(D_POP)        /* key ; reply: value */                                                       \
    X(D_CLEAR)      /* - */                                                                        \
    X(D_ITEMS)      /* - ; flags RP_KEYS/RP_VALUES ; reply: keys and/or values, interleaved */     \
    X(D_UPDATE)     /* key, value, key, value, ... */                                              \
    X(D_GETMANY)    /* key, ... ; reply: value or none per key */                                  \
    X(D_ADD)        /* key, delta ; reply: new value */                                            \
    X(D_CAS)        /* key, expected, desired ; reply code 1 or 0, and the old value */            \
    X(D_SWAP)       /* key, value ; reply: old value or none */                                    \
    X(L_APPEND)     /* value */                                                                    \
    X(L_EXTEND)     /* value, ... */                                                               \
    X(L_GET)        /* index ; reply: value */                                                     \
    X(L_SET)        /* index, value */                                                             \
    X(L_POP)        /* index ; reply: value */                                                     \
    X(L_INSERT)     /* index, value */                                                             \
    X(L_LEN)        /* - ; reply: int */                                                           \
    X(L_SLICE)      /* start, stop (int or none) ; reply: values */                                \
    X(Q_PUT)        /* value, priority, timeout (double; < 0: none) */                             \
    X(Q_GET)        /* timeout ; reply: value, priority */                                         \
    X(Q_SIZE)       /* - ; reply: size, maxsize, unfinished, closed */                             \
    X(Q_CLOSE)      /* - */                                                                        \
    X(Q_TASK_DONE)  /* - */                                                                        \
    X(Q_JOIN)       /* timeout */                                                                  \
    X(ACQUIRE)      /* timeout ; a lock, a semaphore or a condition's lock */                      \
    X(RELEASE)      /* - */                                                                        \
    X(SEM_VALUE)    /* - ; reply: value */                                                         \
    X(EV_SET)       /* - */                                                                        \
    X(EV_CLEAR)     /* - */                                                                        \
    X(EV_WAIT)      /* timeout */                                                                  \
    X(COND_WAIT)    /* timeout */                                                                  \
    X(COND_NOTIFY)  /* n (int, < 0: all) ; reply code: how many were woken */                      \
    X(BAR_WAIT)     /* timeout ; reply code: the arrival index */                                  \
    X(BAR_ABORT)    /* - */                                                                        \
    X(BAR_RESET)    /* - */                                                                        \
    X(BAR_STATE)    /* - ; reply: parties, waiting, broken */                                      \
    X(PIPE_SEND)    /* value ; flags: the sending end */                                           \
    X(PIPE_RECV)    /* timeout ; flags: the end ; reply: value */                                  \
    X(PIPE_POLL)    /* timeout ; flags: the end ; reply code 1 or 0 */                             \
    X(PIPE_CLOSE)   /* - ; flags: the end */                                                       \
    X(A_GET)        /* start, n ; reply: n elements as bytes */                                    \
    X(A_PUT)        /* start, bytes (whole elements) */                                            \
    X(A_RMW)        /* index, x, y (bit patterns); flags RP__RMW_* ; reply: old, code 1/0 */

typedef enum {
    RP__OP_NONE = 0,
#define RP__OP_ENUM(name) RP__OP_##name,
    RP__OP_MAP(RP__OP_ENUM)
#undef RP__OP_ENUM
        RP__OP_COUNT
} rp__op;

/** Name of an operation ("D_GET"); "?" if out of range. */
const char *rp__op_name(int op);

/* Item status in a RESULT table: done, the task failed (code = its return
 * value), canceled, or failed in the library (code = an RP_E* code). */
enum { RP__ST_OK = 0, RP__ST_FAILED = 1, RP__ST_CANCELED = 2, RP__ST_ERROR = 3, RP__ST_COUNT };

typedef struct rp__hdr {
    uint16_t kind;
    uint16_t flags;
    uint32_t pool;
    int32_t code;
    uint64_t job;
    uint64_t start;
    uint32_t count;
    uint32_t item_size;
    uint64_t body_len;
} rp__hdr;

/** Write @p h into 48 bytes at @p out. */
void rp__hdr_encode(void *out, const rp__hdr *h);

/**
 * Decode and check a header from a whole message of @p len bytes: magic, kind,
 * body_len == len - 48, count bounds.  Returns 0 or RP_EPROTO.
 */
int rp__hdr_decode(const void *msg, size_t len, rp__hdr *h);

/**
 * Check a PROC_START body against its header and find the name and the
 * argument in it (pointers into @p body).  Returns 0 or RP_EPROTO.
 */
int rp__proc_start_decode(const rp__hdr *h, const void *body, const char **name, size_t *name_len,
                          const void **arg, size_t *arg_len);

/** Round up to the body alignment. */
static inline size_t rp__pad(size_t n) {
    return (n + (RP__ALIGN - 1)) & ~(size_t)(RP__ALIGN - 1);
}

/** Sequential reader over the items of a TASK or RESULT body. */
typedef struct rp__reader {
    const uint8_t *body;
    size_t body_len;
    uint32_t count;
    uint32_t item_size; /* TASK fixed-size items, else 0 */
    int results;        /* 1 for a RESULT body */
    uint32_t next;      /* index of the next item */
    size_t off;         /* offset of the next item's bytes */
} rp__reader;

/**
 * Check a whole body against its header (kind TASK or RESULT) and prepare to
 * read it.  Every length is bounds-checked here, so rp__reader_next cannot
 * fail afterwards.  Returns 0 or RP_EPROTO.
 */
int rp__reader_init(rp__reader *r, const rp__hdr *h, const void *body);

/**
 * Next item: its bytes, length, and for results its status and code.
 * Returns 1 with an item, 0 at the end.  status/code may be NULL.
 */
int rp__reader_next(rp__reader *r, const void **data, size_t *len, int *status, int32_t *code);

/** A growable byte buffer. */
typedef struct rp__buf {
    uint8_t *p;
    size_t len;
    size_t cap;
} rp__buf;

/** Make room for @p extra more bytes past len.  Returns 0 or RP_ENOMEM/RP_ETOOBIG. */
int rp__buf_reserve(rp__buf *b, size_t extra);

/** Free the buffer's memory and zero it. */
void rp__buf_free(rp__buf *b);

/* Parts of a TASKS or RESULTS message. */
#define RP__MAX_BATCH 1024u

/** Sequential reader over the parts of a TASKS or RESULTS message. */
typedef struct rp__batch {
    const uint8_t *p; /* the next part */
    size_t left;      /* bytes from p to the end of the body */
    uint32_t count, next;
} rp__batch;

/**
 * Check a whole TASKS or RESULTS body against its header (every part's
 * header decodes, is a TASK resp. RESULT, fits, and the parts, each padded
 * to 16, fill the body exactly) and prepare to read it.  The parts' own
 * bodies are checked by whoever reads them.  Returns 0 or RP_EPROTO.
 */
int rp__batch_init(rp__batch *b, const rp__hdr *h, const void *body);

/**
 * The next part: its decoded header, and the whole message (header
 * included) at *msg, *len bytes, pointing into the batch.  Returns 1, or 0
 * at the end.
 */
int rp__batch_next(rp__batch *b, rp__hdr *part, const uint8_t **msg, size_t *len);

/**
 * Append a whole message of @p len bytes to batch @p out (which starts
 * with a header's room: rp__batch_begin), padded to 16.  0 or RP_ENOMEM /
 * RP_ETOOBIG.
 */
int rp__batch_add(rp__buf *out, const void *msg, size_t len);

/** Start a batch in @p out (empty): room for its header.  0 or RP_ENOMEM. */
int rp__batch_begin(rp__buf *out);

/** Write the batch's header: kind @p kind (TASKS, RESULTS, BUNDLE), @p count parts. */
void rp__batch_finish(rp__buf *out, int kind, uint32_t count);
/* A bundle's route in front of each part. */
#define RP__ROUTE_SIZE 16u
/**
 * Append message @p msg (@p len bytes, whole) for or from rank @p rank to
 * bundle @p out (started with rp__batch_begin, finished with
 * rp__batch_finish(out, RP__MSG_BUNDLE, count)).  0 or RP_ENOMEM/RP_ETOOBIG.
 */
int rp__bundle_add(rp__buf *out, int rank, const void *msg, size_t len);
/**
 * Check a whole BUNDLE body against its header (1 .. RP__MAX_BATCH parts,
 * every route's zero bytes, every part's header decodes and is a TASK,
 * TASKS, RESULT or RESULTS, the parts fill the body exactly) and prepare
 * to read it.  The parts' own bodies are checked by whoever reads them.
 * Returns 0 or RP_EPROTO.
 */
int rp__bundle_init(rp__batch *b, const rp__hdr *h, const void *body);
/** The next part: its rank, its decoded header, and the whole message at
 *  *msg, *len bytes (into the bundle).  Returns 1, or 0 at the end. */
int rp__bundle_next(rp__batch *b, int *rank, rp__hdr *part, const uint8_t **msg, size_t *len);

/**
 * Writer of a RESULT message for @p count items: header and table are
 * reserved first, item bytes appended after.
 */
typedef struct rp__rwriter {
    rp__buf buf;
    uint32_t count;
    uint32_t next; /* items written so far */
    size_t len0;   /* the first item's length */
    int mixed;     /* an item failed, or had another length than the first */
    int dense_ok;  /* the task said RP__TASK_DENSE */
} rp__rwriter;

/** Start a RESULT message answering the TASK header @p task.  Returns 0 or RP_ENOMEM. */
int rp__rwriter_init(rp__rwriter *w, const rp__hdr *task);

/**
 * Room for the current item's bytes: returns a pointer to @p len writable
 * bytes at the data cursor (not yet committed), or NULL (RP__MAX_MSG / memory).
 */
void *rp__rwriter_room(rp__rwriter *w, size_t len);

/** Commit the current item: @p len bytes already written by rp__rwriter_room. */
void rp__rwriter_commit(rp__rwriter *w, int status, int32_t code, size_t len);

/**
 * Finish: fill in body_len and the chunk's execution time in nanoseconds
 * (the RESULT header's code, clamped to INT32_MAX; the manager sizes each
 * worker's queue with it).  When every item succeeded with results of one
 * non-zero size, and the task allowed it, the message is made dense (no
 * table, no padding).  The
 * message is w->buf.p, w->buf.len bytes.
 */
void rp__rwriter_finish(rp__rwriter *w, int64_t exec_ns);

/* Field types; equal to the public rp_type values. */
enum { RP__F_NONE = 0, RP__F_INT = 1, RP__F_DOUBLE = 2, RP__F_BYTES = 3, RP__F_COUNT };

/* Bytes of a field's head (type, value or length). */
#define RP__FIELD_HEAD 16u

/** Bytes a bytes field of @p len data bytes takes after its head: the data, a NUL, zeros to 8. */
static inline size_t rp__field_room(size_t len) {
    return (len + 1 + 7) & ~(size_t)7;
}

/** One decoded field: bytes point into the message, with a NUL after them. */
typedef struct rp__field {
    int type;
    int64_t i;
    double d;
    const void *p;
    size_t len;
} rp__field;

/**
 * Writer of an OBJ_REQ / OBJ_REP message: the header, then fields.  Errors
 * (RP_ENOMEM, RP_ETOOBIG) are sticky and reported by rp__fw_finish.
 */
typedef struct rp__fwriter {
    rp__buf buf;
    rp__hdr h; /* written by finish: set h.code etc. before it */
    int err;
} rp__fwriter;

/** Start a message with header @p h (count and body_len are filled in by finish). */
void rp__fw_init(rp__fwriter *w, const rp__hdr *h);
void rp__fw_none(rp__fwriter *w);
void rp__fw_int(rp__fwriter *w, int64_t v);
void rp__fw_double(rp__fwriter *w, double v);
void rp__fw_bytes(rp__fwriter *w, const void *p, size_t len);
/** Append a decoded field as it is. */
void rp__fw_field(rp__fwriter *w, const rp__field *f);

/**
 * Make room for @p bytes more of fields at once (a batch whose size the
 * caller can bound), so that writing them does not grow the buffer step by
 * step.  An error is sticky, as for the field writers.
 */
void rp__fw_reserve(rp__fwriter *w, size_t bytes);

/** Drop the fields written so far (to write an error answer instead). */
void rp__fw_reset(rp__fwriter *w);

/**
 * Finish: write the header with count and body_len.  Returns 0 (the message is w->buf.p,
 * w->buf.len bytes, owned by the caller) or the first error (buffer freed).
 */
int rp__fw_finish(rp__fwriter *w);

/** Reader of the fields of an OBJ_REQ / OBJ_REP body. */
typedef struct rp__freader {
    const uint8_t *body;
    size_t len, off;
    uint32_t count, next;
} rp__freader;

/**
 * Check a whole OBJ_REQ / OBJ_REP body against its header (every field's
 * type, length, NUL and zero padding, and that the fields fill the body
 * exactly) and prepare to read it.  Returns 0 or RP_EPROTO.
 */
int rp__freader_init(rp__freader *r, const rp__hdr *h, const void *body);

/** Next field into @p f.  Returns 1, or 0 at the end. */
int rp__freader_next(rp__freader *r, rp__field *f);

/**
 * Split helper: the default chunk size (Python's): ceil(n / (4 * workers)),
 * at least 1.
 */
size_t rp__default_chunksize(size_t n, int workers);

/*
 * Placement record: where one rank runs, gathered to rank 0 once at init.
 *   u32 magic "RPP1" | RP__PI_COUNT x i32 | RP__PS_COUNT strings, each
 *   NUL-terminated, at most RP__PREC_MAX_STR bytes before its NUL
 * (little-endian).  The fields are those of rp_placement_info.
 */
#define RP__PREC_MAGIC 0x31505052u /* "RPP1" */
#define RP__PREC_MAX_STR 65536u    /* a cpuset list of a big, fragmented machine fits */

enum {
    RP__PI_NODE_RANK,
    RP__PI_NODE_SIZE,
    RP__PI_POLICY,
    RP__PI_GRAIN,
    RP__PI_UNITS,
    RP__PI_SHARING,
    RP__PI_OVERSUB,
    RP__PI_COUNT
};
enum {
    RP__PS_HOST,
    RP__PS_GIVEN,
    RP__PS_CPUSET,
    RP__PS_BOUND,
    RP__PS_CORES,
    RP__PS_PACKAGES,
    RP__PS_NUMA,
    RP__PS_TOPOLOGY,
    RP__PS_COUNT
};

typedef struct rp__prec {
    int32_t v[RP__PI_COUNT];
    const char *s[RP__PS_COUNT]; /* decoded: pointers into the record */
} rp__prec;

/** Encoded size of @p p, or 0 if a string is NULL or too long. */
size_t rp__prec_size(const rp__prec *p);

/** Write @p p (rp__prec_size(p) bytes, which must not be 0) at @p out. */
void rp__prec_encode(void *out, const rp__prec *p);

/**
 * Decode and check a record of exactly @p len bytes: magic, every string
 * terminated within its bound and within len, nothing left over, and the
 * integers in range (0 <= node_rank < node_size, a reportable policy and
 * granularity, units >= 0, 1 <= sharing <= node_size, oversubscribed 0 or
 * 1).  The strings point into @p buf.  Returns 0 or RP_EPROTO.
 */
int rp__prec_decode(const void *buf, size_t len, rp__prec *p);

/*
 * A worker's hello on its lease connection (docs/recovery.md), the first
 * bytes rank 0 reads from a TCP connection anyone could open:
 *   u32 magic "RPL1" | i32 rank | i32 pid | u32 zero | u64 cookie
 * (little-endian, 24 bytes).
 */
#define RP__HELLO_MAGIC 0x314c5052u /* "RPL1" */
#define RP__HELLO_SIZE 24u

typedef struct rp__hello {
    uint64_t cookie;
    int32_t rank;
    int32_t pid;
} rp__hello;

/** Write @p h into RP__HELLO_SIZE bytes at @p out. */
void rp__hello_encode(void *out, const rp__hello *h);

/**
 * Decode exactly @p len bytes as a hello: the size, the magic, the zero
 * word, a rank >= 1 and a pid >= 1.  Returns 0 or RP_EPROTO (whether the
 * cookie and rank belong to the job is for the caller to say).
 */
int rp__hello_decode(const void *buf, size_t len, rp__hello *h);

/* ---- handles of shared objects -------------------------------------------- */

/*
 * A handle's id (an OBJ_REQ's job): which kind of object it names (8 bits,
 * an rp_kind), its generation (32 bits: the rank whose store holds it, 8
 * bits, and that store's serial at its creation, 24 bits, never 0; not
 * reused while the serial counts up) and its slot in the
 * store's table (24 bits).  Every call checks the kind before a request is
 * made; the store checks the whole id.
 */
#define RP__ID_SLOTS (1u << 24)
/* The generation's top 8 bits name the rank whose store holds the object
 * (0: rank 0, else a server rank, docs/scale.md); the other 24 are the
 * store's serial. */
#define RP__ID_SERIAL_BITS 24
#define RP__ID_SERIAL_MASK ((1u << RP__ID_SERIAL_BITS) - 1)
/* Most server ranks a job can have: the ranks a handle can name. */
#define RP__MAX_SERVERS 255

static inline uint64_t rp__id_make(int kind, uint32_t gen, uint32_t slot) {
    return (uint64_t)(uint8_t)kind << 56 | (uint64_t)gen << 24 | (slot & (RP__ID_SLOTS - 1));
}
static inline int rp__id_kind(uint64_t id) {
    return (int)(id >> 56);
}
static inline uint32_t rp__id_gen(uint64_t id) {
    return (uint32_t)(id >> 24);
}
static inline uint32_t rp__id_slot(uint64_t id) {
    return (uint32_t)(id & (RP__ID_SLOTS - 1));
}
/** The rank whose store holds the object of handle @p id (0: rank 0). */
static inline int rp__id_home(uint64_t id) {
    return (int)(rp__id_gen(id) >> RP__ID_SERIAL_BITS);
}

/**
 * The rank that holds the object named @p name (@p len bytes) in a job of
 * @p nservers server ranks: 1 + FNV-1a(name) mod nservers, so that every
 * rank finds it without asking; 0 (rank 0) when there are none.
 */
static inline int rp__name_home(const void *name, size_t len, int nservers) {
    if (nservers <= 0)
        return 0;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ ((const uint8_t *)name)[i]) * 1099511628211ull;
    return 1 + (int)(h % (uint64_t)nservers);
}

/**
 * The server rank that feeds worker rank @p rank its chunks and takes its
 * answers, in a job of @p nservers server ranks (1..nservers): the workers
 * in turn, so that each server has its share; 0 (rank 0) when there are none.
 */
static inline int rp__feeder_of(int rank, int nservers) {
    return nservers > 0 && rank > nservers ? 1 + (rank - nservers - 1) % nservers : 0;
}

/** "dict", "queue", ... (an rp_kind) for messages; "object" for others. */
const char *rp__kind_name(int kind);

/* ---- callers' tokens ----------------------------------------------------- */

/* The token of an object call made in a forked child (header's pool field):
 * which child, and which of its threads (lock ownership is per token). */
#define RP__TOK_CHILD 0x80000000u  /* made in a forked child */
#define RP__TOK_PROC 0x40000000u   /* ... a Process (else a pool's executor) */
#define RP__TOK_THREAD 0x3fc00000u /* its thread, 8 bits */
#define RP__TOK_THREAD_SHIFT 22
#define RP__TOK_PID 0x003fffffu /* its pid (Linux pids fit 22 bits) */

/* ---- elem.c: elements of a Value or an Array in the shared arena ---------- */

/* The largest element of an RP_ELEM_BYTES array. */
#define RP__MAX_ELEM_SIZE ((size_t)1 << 20)

/* Read-modify-write operations on one element (A_RMW's flags). */
enum { RP__RMW_FAA = 1, RP__RMW_FADD = 2, RP__RMW_CAS = 3, RP__RMW_SWAP = 4, RP__RMW_COUNT };

/* The header in front of each array's elements in the arena (32 bytes). */
typedef struct rp__ahdr {
    uint64_t gen; /* the object id while it lives, 0 once destroyed */
    uint64_t length;
    uint32_t type;
    uint32_t elem_size;
    uint64_t spare;
} rp__ahdr;

/** Can @p op apply to elements of @p type?  0 or RP_ETYPE. */
int rp__rmw_check(int type, int op);

/**
 * Apply @p op to the element at @p p of @p type with operands @p x, @p y
 * (bit patterns in the element's width: an INT32 or FLOAT in the low 32
 * bits), sequentially consistent; the element's bits before go to *old.
 * Returns 1 if a CAS swapped, else 0.
 */
int rp__rmw(void *p, int type, int op, uint64_t x, uint64_t y, uint64_t *old);

/** Copy one element in or out: whole (a relaxed atomic) for 4 and 8 bytes. */
void rp__elem_load(const void *p, size_t size, void *out);
void rp__elem_store(void *p, size_t size, const void *in);

#endif /* RP_WIRE_H */
