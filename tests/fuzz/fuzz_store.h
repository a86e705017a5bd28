/*
 * The input of the store's fuzz target, shared with the seed generator: a
 * sequence of requests, each
 *
 *   u8 sel | u16 len (little-endian) | len bytes: one whole OBJ_REQ message
 *
 * from caller rank 1 + (sel & 3); sel & 4: the caller may not be parked;
 * sel & 8: afterwards, an hour passes (parked requests with a timeout
 * expire).  A header's object id 1..FZ_NOBJS is replaced by the id of one of
 * the objects the store starts with (fz_objs, in that order); 0 and other ids
 * are kept as they are.
 */
#ifndef RP_FUZZ_STORE_H
#define RP_FUZZ_STORE_H

#include <stdint.h>

/* The objects every run starts with: name, kind, OPEN's two parameters. */
typedef struct fz_obj {
    const char *name;
    int kind;
    int64_t p1, p2;
} fz_obj;

#define FZ_NOBJS 13

static const fz_obj fz_objs[FZ_NOBJS] = {
    {"d", 1, 0, 0},              /* dict */
    {"l", 2, 0, 0},              /* list */
    {"n", 3, 0, 0},              /* namespace */
    {"q", 4, 2, 2},              /* priority queue, maxsize 2 */
    {"j", 4, 4, 0},              /* joinable queue */
    {"k", 5, 0, 0},              /* lock */
    {"r", 5, 1, 0},              /* recursive lock */
    {"s", 6, 1, 1},              /* bounded semaphore of 1 */
    {"e", 7, 0, 0},              /* event */
    {"c", 8, 0, 0},              /* condition */
    {"b", 9, 2, 0},              /* barrier of 2 */
    {"p", 10, 1, 0},             /* duplex pipe */
    {"a", 11, 2 | (8 << 8), 16}, /* array of 16 int64 */
};

#endif /* RP_FUZZ_STORE_H */
