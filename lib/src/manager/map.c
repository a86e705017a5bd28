/*
 * The table under a dict and under the store's names: laid out as CPython's
 * dict, a dense array of entries in insertion order and a sparse
 * open-addressing index into it, so iteration follows insertion order and
 * the index costs 4 bytes a slot.
 */
#include "manager/store.h"

#include <stdlib.h>
#include <string.h>

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
        while (idx[j] != RP__IDX_EMPTY)
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
    size_t i = rp__map_probe(m, k, klen, e->hash, &found);
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
    m->idx[pos] = RP__IDX_DUMMY;
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
