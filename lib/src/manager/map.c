/*
 * The table under a dict and under the store's names: laid out as CPython's
 * dict, a dense array of entries in insertion order and a sparse
 * open-addressing index into it, so iteration follows insertion order and
 * the index costs 4 bytes a slot.
 */
#include "manager/store.h"

#include <stdlib.h>
#include <string.h>

#define IDX_EMPTY 0u
#define IDX_DUMMY UINT32_MAX

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
uint64_t rp__hash_bytes(const void *p, size_t n) {
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
entry *rp__map_find_h(const map *m, const void *k, size_t klen, uint64_t h, size_t *pos) {
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

entry *rp__map_find(const map *m, const void *k, size_t klen, size_t *pos) {
    return rp__map_find_h(m, k, klen, rp__hash_bytes(k, klen), pos);
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
int rp__map_insert(map *m, const void *k, size_t klen, uint64_t h, slot *v) {
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

void rp__map_remove(map *m, size_t pos) {
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

void rp__map_clear(map *m) {
    for (size_t i = 0; i < m->nents; i++)
        if (m->ents[i] != NULL) {
            rp__slot_free(&m->ents[i]->v);
            free(m->ents[i]);
        }
    free(m->ents);
    free(m->idx);
    memset(m, 0, sizeof *m);
}
