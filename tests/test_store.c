/*
 * Unit tests without MPI: shared objects through the public API on a runtime
 * that has only a store (the path rank 0 takes), the fields of object
 * messages, and garbage requests.  Every operation and error code.
 */
#include "manager/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static rp_runtime *fake_rt(size_t key_max, size_t value_max, size_t mem_max) {
    rp_runtime *rt = calloc(1, sizeof *rt);
    rp_options o = RP_OPTIONS_INIT;
    if (key_max)
        o.obj_key_max = key_max;
    if (value_max)
        o.obj_value_max = value_max;
    if (mem_max)
        o.obj_mem_max = mem_max;
    rt->opt = o;
    rt->store = rp__store_new(&o, 0);
    assert_non_null(rt->store);
    return rt;
}

static int setup(void **state) {
    *state = fake_rt(0, 0, 0);
    return 0;
}

static int teardown(void **state) {
    rp_runtime *rt = *state;
    rp__store_free(rt->store);
    free(rt);
    return 0;
}

#define K(s) rp_key_str(s)

/* ---- fields on the wire ---------------------------------------------------- */

static void test_fields_roundtrip(void **state) {
    (void)state;
    rp__fwriter w;
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_D_SET, .job = 77, .start = 5};
    rp__fw_init(&w, &h);
    rp__fw_int(&w, -42);
    rp__fw_double(&w, 2.5);
    rp__fw_bytes(&w, "abcdefgh", 8); /* a multiple of 8: the NUL needs padding */
    rp__fw_bytes(&w, "", 0);
    rp__fw_none(&w);
    assert_int_equal(rp__fw_finish(&w), 0);
    rp__hdr d;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &d), 0);
    assert_int_equal(d.count, 5);
    assert_int_equal(d.start, 5);
    rp__freader r;
    assert_int_equal(rp__freader_init(&r, &d, w.buf.p + RP__HDR_SIZE), 0);
    rp__field f;
    assert_true(rp__freader_next(&r, &f) && f.type == RP__F_INT && f.i == -42);
    assert_true(rp__freader_next(&r, &f) && f.type == RP__F_DOUBLE && f.d == 2.5);
    assert_true(rp__freader_next(&r, &f) && f.type == RP__F_BYTES && f.len == 8);
    assert_string_equal((const char *)f.p, "abcdefgh");
    assert_true(rp__freader_next(&r, &f) && f.type == RP__F_BYTES && f.len == 0);
    assert_true(rp__freader_next(&r, &f) && f.type == RP__F_NONE);
    assert_false(rp__freader_next(&r, &f));
    rp__buf_free(&w.buf);
}

static void test_fields_reject_garbage(void **state) {
    (void)state;
    rp__fwriter w;
    rp__hdr h = {.kind = RP__MSG_OBJ_REP};
    rp__fw_init(&w, &h);
    rp__fw_bytes(&w, "xyz", 3);
    rp__fw_int(&w, 1);
    assert_int_equal(rp__fw_finish(&w), 0);
    uint8_t *b = w.buf.p + RP__HDR_SIZE;
    rp__hdr d;
    rp__freader r;
    assert_int_equal(rp__hdr_decode(w.buf.p, w.buf.len, &d), 0);
    assert_int_equal(rp__freader_init(&r, &d, b), 0);
    /* Flip each byte of the body in turn: a change in a type, a reserved
     * byte, a length or the NUL is caught; one in the data or an integer is
     * not garbage.  Either way the reader stays in bounds. */
    for (size_t i = 0; i < d.body_len; i++) {
        b[i] ^= 0x41;
        int rc = rp__freader_init(&r, &d, b);
        rp__field f;
        if (rc == 0)
            while (rp__freader_next(&r, &f))
                ;
        int is_data = (i >= 16 && i < 19) || (i >= 32 && i < 40);
        assert_int_equal(rc, is_data ? 0 : RP_EPROTO);
        b[i] ^= 0x41;
    }
    /* A count that disagrees with the body, a kind that is not an object message. */
    d.count = 3;
    assert_int_equal(rp__freader_init(&r, &d, b), RP_EPROTO);
    d.count = 1;
    assert_int_equal(rp__freader_init(&r, &d, b), RP_EPROTO);
    d.count = 2;
    d.kind = RP__MSG_TASK;
    assert_int_equal(rp__freader_init(&r, &d, b), RP_EPROTO);
    /* A length that runs past the end. */
    d.kind = RP__MSG_OBJ_REP;
    b[15] = 0x7f;
    assert_int_equal(rp__freader_init(&r, &d, b), RP_EPROTO);
    rp__buf_free(&w.buf);
    assert_string_equal(rp__op_name(RP__OP_D_CAS), "D_CAS");
    assert_string_equal(rp__op_name(999), "?");
    assert_string_equal(rp__msg_name(RP__MSG_OBJ_REP), "OBJ_REP");
}

/* A caller on rank 0. */
static const rp__caller me = {.rank = 0, .local = 1};

/* Raw requests the client would never send: the store answers with errors. */
static int raw_call(rp_runtime *rt, int op, uint64_t id, int nfields, int extra_type) {
    rp__fwriter w;
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ, .code = op, .job = id, .start = 9};
    rp__fw_init(&w, &h);
    for (int i = 0; i < nfields; i++) {
        if (extra_type == RP__F_INT)
            rp__fw_int(&w, i);
        else
            rp__fw_bytes(&w, "k", 1);
    }
    assert_int_equal(rp__fw_finish(&w), 0);
    void *rep;
    size_t len;
    rp__hdr d;
    rp__hdr_decode(w.buf.p, w.buf.len, &d);
    assert_int_equal(rp__store_exec(rt->store, &d, w.buf.p + RP__HDR_SIZE, &me, &rep, &len), 0);
    rp__buf_free(&w.buf);
    rp__hdr a;
    assert_int_equal(rp__hdr_decode(rep, len, &a), 0);
    assert_int_equal(a.kind, RP__MSG_OBJ_REP);
    assert_int_equal(a.start, 9);
    free(rep);
    return a.code;
}

static void test_garbage_requests(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, "g", RP_CREATE, &d), 0);
    assert_int_equal(raw_call(rt, 0, d.id, 0, 0), RP_EPROTO);
    assert_int_equal(raw_call(rt, RP__OP_COUNT, d.id, 0, 0), RP_EPROTO);
    assert_int_equal(raw_call(rt, 4000, d.id, 0, 0), RP_EPROTO);
    assert_int_equal(raw_call(rt, RP__OP_D_GET, d.id, 3, RP__F_BYTES), RP_EPROTO); /* arity */
    assert_int_equal(raw_call(rt, RP__OP_D_GET, d.id, 1, RP__F_INT), RP_EPROTO);   /* key type */
    assert_int_equal(raw_call(rt, RP__OP_D_UPDATE, d.id, 3, RP__F_BYTES), RP_EPROTO);
    assert_int_equal(raw_call(rt, RP__OP_L_GET, d.id, 1, RP__F_INT), RP_ETYPE);
    /* Ids this store never issued: not handles. */
    assert_int_equal(raw_call(rt, RP__OP_D_GET, 12345, 1, RP__F_BYTES), RP_EBADF);
    assert_int_equal(raw_call(rt, RP__OP_D_GET, 0, 1, RP__F_BYTES), RP_EBADF);
    assert_int_equal(raw_call(rt, RP__OP_OPEN, 0, 4, RP__F_INT), RP_EPROTO); /* name an int */
    /* A header whose body does not hold its fields. */
    rp__hdr h = {.kind = RP__MSG_OBJ_REQ, .code = RP__OP_D_LEN, .job = d.id, .count = 2};
    void *rep;
    size_t len;
    assert_int_equal(rp__store_exec(rt->store, &h, NULL, &me, &rep, &len), 0);
    rp__hdr a;
    assert_int_equal(rp__hdr_decode(rep, len, &a), 0);
    assert_int_equal(a.code, RP_EPROTO);
    free(rep);
    /* The store still works. */
    assert_int_equal(rp_dict_set(rt, d, K("x"), rp_int(1)), 0);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

/* ---- objects ------------------------------------------------------------------ */

static void test_open_flags_and_kinds(void **state) {
    rp_runtime *rt = *state;
    rp_dict d, d2;
    rp_list l;
    rp_ns ns;
    assert_int_equal(rp_dict_open(rt, "data", 0, &d), RP_ENOENT);
    assert_non_null(strstr(rp_last_error(), "data"));
    assert_int_equal(rp_dict_open(rt, "data", RP_CREATE, &d), 0);
    assert_int_equal(rp_dict_open(rt, "data", 0, &d2), 0);
    assert_true(d.id == d2.id);
    assert_int_equal(rp_dict_open(rt, "data", RP_CREATE, &d2), 0);
    assert_true(d.id == d2.id);
    assert_int_equal(rp_dict_open(rt, "data", RP_CREATE | RP_EXCL, &d2), RP_EEXIST);
    assert_int_equal(rp_list_open(rt, "data", RP_CREATE, &l), RP_ETYPE);
    assert_int_equal(rp_ns_open(rt, "data", 0, &ns), RP_ETYPE);
    assert_int_equal(rp_dict_open(rt, "", RP_CREATE, &d2), RP_EINVAL);
    assert_int_equal(rp_dict_open(rt, "x", 8, &d2), RP_EINVAL);
    assert_int_equal(rp_dict_open(rt, "x", RP_CREATE, NULL), RP_EINVAL);
    assert_int_equal(rp_dict_open(NULL, "x", RP_CREATE, &d2), RP_EINVAL);
    /* Anonymous objects are always new. */
    rp_dict a1, a2;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a1), 0);
    assert_int_equal(rp_dict_open(rt, NULL, 0, &a2), 0);
    assert_true(a1.id != a2.id && a1.id != d.id);

    rp_obj_info *info;
    size_t n;
    assert_int_equal(rp_obj_list(rt, &info, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(info[0].name, "data");
    assert_int_equal(info[0].kind, RP_KIND_DICT);
    assert_true(info[0].id == d.id);
    assert_string_equal(info[1].name, "");
    assert_true(info[2].id == a2.id);
    free(info);

    /* Destroyed: every handle fails, the name is free, ids are not reused. */
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    assert_int_equal(rp_dict_set(rt, d, K("k"), rp_int(1)), RP_ENOENT);
    assert_int_equal(rp_dict_destroy(rt, d), RP_ENOENT);
    assert_int_equal(rp_dict_open(rt, "data", 0, &d2), RP_ENOENT);
    assert_int_equal(rp_list_open(rt, "data", RP_CREATE | RP_EXCL, &l), 0);
    assert_true(l.id != d.id);
    assert_int_equal(rp_dict_set(rt, d, K("k"), rp_int(1)), RP_ENOENT);
    assert_int_equal(rp_list_destroy(rt, l), 0);
    assert_int_equal(rp_dict_destroy(rt, a1), 0);
    assert_int_equal(rp_dict_destroy(rt, a2), 0);
    assert_int_equal(rp_obj_list(rt, &info, &n), 0);
    assert_int_equal(n, 0);
    free(info);
    size_t used = 1, limit = 0;
    assert_int_equal(rp_obj_memory(rt, &used, &limit), 0);
    assert_int_equal(used, 0);
    assert_int_equal(limit, (size_t)1 << 30);
}

/* ---- dict ---------------------------------------------------------------------- */

static void test_dict_get_set_types(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    assert_int_equal(rp_dict_set(rt, d, K("i"), rp_int(-7)), 0);
    assert_int_equal(rp_dict_set(rt, d, K("f"), rp_double(0.25)), 0);
    assert_int_equal(rp_dict_set(rt, d, K("s"), rp_str("hello")), 0);
    const uint8_t bin[4] = {0, 1, 0, 2};
    assert_int_equal(rp_dict_set(rt, d, rp_key_bytes(bin, 4), rp_bytes(bin, 4)), 0);
    assert_int_equal(rp_dict_set(rt, d, K("none"), rp_none()), RP_EINVAL);
    assert_int_equal(rp_dict_set(rt, d, rp_key_bytes(NULL, 3), rp_int(1)), RP_EINVAL);

    rp_value v;
    assert_int_equal(rp_dict_get(rt, d, K("i"), &v), 0);
    assert_int_equal(v.type, RP_T_INT);
    assert_int_equal(v.i, -7);
    assert_null(v.owned);
    assert_int_equal(rp_dict_get(rt, d, K("s"), &v), 0);
    assert_int_equal(v.type, RP_T_BYTES);
    assert_int_equal(v.len, 5);
    assert_string_equal((const char *)v.data, "hello"); /* NUL-terminated */
    rp_value_free(&v);
    assert_int_equal(v.type, RP_T_NONE);
    rp_value_free(NULL);
    assert_int_equal(rp_dict_get(rt, d, rp_key_bytes(bin, 4), &v), 0);
    assert_int_equal(v.len, 4);
    assert_memory_equal(v.data, bin, 4);
    rp_value_free(&v);
    assert_int_equal(rp_dict_get(rt, d, K("missing"), &v), RP_ENOKEY);
    assert_int_equal(v.type, RP_T_NONE);
    assert_non_null(strstr(rp_last_error(), "missing"));
    assert_int_equal(rp_dict_get(rt, d, K("i"), NULL), RP_EINVAL);

    int64_t i;
    double f;
    char buf[8];
    assert_int_equal(rp_dict_get_int(rt, d, K("i"), &i), 0);
    assert_int_equal(i, -7);
    assert_int_equal(rp_dict_get_int(rt, d, K("f"), &i), RP_ETYPE);
    assert_int_equal(rp_dict_get_int(rt, d, K("nope"), &i), RP_ENOKEY);
    assert_int_equal(rp_dict_get_double(rt, d, K("f"), &f), 0);
    assert_true(f == 0.25);
    assert_int_equal(rp_dict_get_double(rt, d, K("i"), &f), 0);
    assert_true(f == -7.0);
    assert_int_equal(rp_dict_get_double(rt, d, K("s"), &f), RP_ETYPE);
    assert_int_equal(rp_dict_get_str(rt, d, K("s"), buf, sizeof buf), 0);
    assert_string_equal(buf, "hello");
    assert_int_equal(rp_dict_get_str(rt, d, K("s"), buf, 4), RP_ETRUNC);
    assert_string_equal(buf, "hel");
    assert_int_equal(rp_dict_get_str(rt, d, K("i"), buf, sizeof buf), RP_ETYPE);
    assert_int_equal(rp_dict_get_str(rt, d, K("s"), NULL, 4), RP_EINVAL);

    /* Replace with another type. */
    assert_int_equal(rp_dict_set(rt, d, K("i"), rp_str("now a string")), 0);
    assert_int_equal(rp_dict_get_str(rt, d, K("i"), buf, sizeof buf), RP_ETRUNC);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

static void test_dict_del_contains_len_pop_setdefault_clear(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    size_t n;
    rp_value v;
    assert_int_equal(rp_dict_open(rt, "d", RP_CREATE, &d), 0);
    assert_int_equal(rp_dict_len(rt, d, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rp_dict_len(rt, d, NULL), RP_EINVAL);
    assert_int_equal(rp_dict_contains(rt, d, K("a")), 0);
    assert_int_equal(rp_dict_set(rt, d, K("a"), rp_int(1)), 0);
    assert_int_equal(rp_dict_contains(rt, d, K("a")), 1);
    assert_int_equal(rp_dict_len(rt, d, &n), 0);
    assert_int_equal(n, 1);

    assert_int_equal(rp_dict_setdefault(rt, d, K("a"), rp_int(5), &v), 0);
    assert_int_equal(v.i, 1); /* present: unchanged */
    assert_int_equal(rp_dict_setdefault(rt, d, K("b"), rp_str("bee"), &v), 0);
    assert_string_equal((const char *)v.data, "bee");
    rp_value_free(&v);
    assert_int_equal(rp_dict_setdefault(rt, d, K("c"), rp_double(3), NULL), 0);
    assert_int_equal(rp_dict_setdefault(rt, d, K("c"), rp_none(), NULL), RP_EINVAL);
    assert_int_equal(rp_dict_len(rt, d, &n), 0);
    assert_int_equal(n, 3);

    assert_int_equal(rp_dict_pop(rt, d, K("b"), &v), 0);
    assert_string_equal((const char *)v.data, "bee");
    rp_value_free(&v);
    assert_int_equal(rp_dict_pop(rt, d, K("b"), &v), RP_ENOKEY);
    assert_int_equal(rp_dict_pop(rt, d, K("c"), NULL), 0);
    assert_int_equal(rp_dict_del(rt, d, K("a")), 0);
    assert_int_equal(rp_dict_del(rt, d, K("a")), RP_ENOKEY);
    assert_int_equal(rp_dict_contains(rt, d, K("a")), 0);

    assert_int_equal(rp_dict_set(rt, d, K("x"), rp_str("y")), 0);
    assert_int_equal(rp_dict_clear(rt, d), 0);
    assert_int_equal(rp_dict_len(rt, d, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rp_dict_set(rt, d, K("x"), rp_int(2)), 0); /* usable after clear */
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    size_t used;
    assert_int_equal(rp_obj_memory(rt, &used, NULL), 0);
    assert_int_equal(used, 0);
}

static void test_dict_items_order_update_get_many(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    rp_key keys[4] = {K("one"), K("two"), K("three"), K("four")};
    rp_value vals[4] = {rp_int(1), rp_double(2.0), rp_str("3"), rp_int(4)};
    assert_int_equal(rp_dict_update(rt, d, keys, vals, 4), 0);
    assert_int_equal(rp_dict_update(rt, d, keys, NULL, 1), RP_EINVAL);
    rp_value bad[1] = {rp_none()};
    assert_int_equal(rp_dict_update(rt, d, keys, bad, 1), RP_EINVAL);
    /* Delete and re-insert: it moves to the end, as in Python. */
    assert_int_equal(rp_dict_del(rt, d, K("two")), 0);
    assert_int_equal(rp_dict_set(rt, d, K("two"), rp_int(22)), 0);
    assert_int_equal(rp_dict_set(rt, d, K("one"), rp_int(11)), 0); /* replace keeps place */

    rp_items it;
    assert_int_equal(rp_dict_items(rt, d, RP_KEYS | RP_VALUES, &it), 0);
    assert_int_equal(it.n, 4);
    const char *order[4] = {"one", "three", "four", "two"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(it.keys[i].len, strlen(order[i]));
        assert_memory_equal(it.keys[i].data, order[i], it.keys[i].len);
    }
    assert_int_equal(it.values[0].i, 11);
    assert_string_equal((const char *)it.values[1].data, "3");
    assert_int_equal(it.values[3].i, 22);
    rp_items_free(&it);
    assert_null(it.mem);
    rp_items_free(NULL);
    assert_int_equal(rp_dict_items(rt, d, RP_KEYS, &it), 0);
    assert_int_equal(it.n, 4);
    assert_null(it.values);
    rp_items_free(&it);
    assert_int_equal(rp_dict_items(rt, d, RP_VALUES, &it), 0);
    assert_null(it.keys);
    assert_int_equal(it.values[2].i, 4);
    rp_items_free(&it);
    assert_int_equal(rp_dict_items(rt, d, 0, &it), RP_EINVAL);
    assert_int_equal(rp_dict_items(rt, d, 4, &it), RP_EINVAL);

    rp_key ask[3] = {K("four"), K("zzz"), K("three")};
    assert_int_equal(rp_dict_get_many(rt, d, ask, 3, &it), 0);
    assert_int_equal(it.n, 3);
    assert_int_equal(it.values[0].i, 4);
    assert_int_equal(it.values[1].type, RP_T_NONE);
    assert_string_equal((const char *)it.values[2].data, "3");
    rp_items_free(&it);
    assert_int_equal(rp_dict_get_many(rt, d, NULL, 3, &it), RP_EINVAL);
    assert_int_equal(rp_dict_get_many(rt, d, ask, 0, &it), 0);
    assert_int_equal(it.n, 0);
    rp_items_free(&it);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

static void test_dict_atomics(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    rp_value v;
    int64_t i;
    assert_int_equal(rp_dict_open(rt, "data", RP_CREATE, &d), 0);
    /* add: missing counts as 0; ints stay ints; an int and a double make a double. */
    assert_int_equal(rp_dict_add_int(rt, d, K("n"), 5, &i), 0);
    assert_int_equal(i, 5);
    assert_int_equal(rp_dict_add_int(rt, d, K("n"), -7, NULL), 0);
    assert_int_equal(rp_dict_get_int(rt, d, K("n"), &i), 0);
    assert_int_equal(i, -2);
    assert_int_equal(rp_dict_add(rt, d, K("n"), rp_double(0.5), &v), 0);
    assert_int_equal(v.type, RP_T_DOUBLE);
    assert_true(v.d == -1.5);
    assert_int_equal(rp_dict_add(rt, d, K("x"), rp_double(0.25), &v), 0);
    assert_int_equal(rp_dict_add(rt, d, K("x"), rp_int(1), &v), 0);
    assert_true(v.type == RP_T_DOUBLE && v.d == 1.25);
    assert_int_equal(rp_dict_set(rt, d, K("big"), rp_int(INT64_MAX - 1)), 0);
    assert_int_equal(rp_dict_add_int(rt, d, K("big"), 2, &i), RP_EOVERFLOW);
    assert_int_equal(rp_dict_get_int(rt, d, K("big"), &i), 0);
    assert_true(i == INT64_MAX - 1); /* unchanged */
    assert_int_equal(rp_dict_set(rt, d, K("s"), rp_str("text")), 0);
    assert_int_equal(rp_dict_add_int(rt, d, K("s"), 1, NULL), RP_ETYPE);
    assert_int_equal(rp_dict_add(rt, d, K("n"), rp_str("1"), NULL), RP_ETYPE);
    assert_int_equal(rp_dict_add(rt, d, K("n"), rp_none(), NULL), RP_EINVAL);

    /* cas */
    assert_int_equal(rp_dict_set(rt, d, K("c"), rp_int(10)), 0);
    assert_int_equal(rp_dict_cas(rt, d, K("c"), rp_int(9), rp_int(8), &v), 0);
    assert_int_equal(v.i, 10);
    assert_int_equal(rp_dict_cas(rt, d, K("c"), rp_double(10), rp_int(8), NULL), 0); /* type */
    assert_int_equal(rp_dict_cas(rt, d, K("c"), rp_int(10), rp_int(9), &v), 1);
    assert_int_equal(v.i, 10);
    assert_int_equal(rp_dict_get_int(rt, d, K("c"), &i), 0);
    assert_int_equal(i, 9);
    /* expected none: insert only if absent */
    assert_int_equal(rp_dict_cas(rt, d, K("new"), rp_none(), rp_str("v"), &v), 1);
    assert_int_equal(v.type, RP_T_NONE);
    assert_int_equal(rp_dict_cas(rt, d, K("new"), rp_none(), rp_str("w"), &v), 0);
    assert_string_equal((const char *)v.data, "v");
    rp_value_free(&v);
    assert_int_equal(rp_dict_cas(rt, d, K("new"), rp_str("v"), rp_str("w"), NULL), 1);
    /* desired none: delete if equal */
    assert_int_equal(rp_dict_cas(rt, d, K("new"), rp_str("w"), rp_none(), NULL), 1);
    assert_int_equal(rp_dict_contains(rt, d, K("new")), 0);
    double nan = 0.0 / 0.0;
    assert_int_equal(rp_dict_set(rt, d, K("nan"), rp_double(nan)), 0);
    assert_int_equal(rp_dict_cas(rt, d, K("nan"), rp_double(nan), rp_double(1), NULL), 1);

    /* swap */
    assert_int_equal(rp_dict_swap(rt, d, K("c"), rp_str("s"), &v), 0);
    assert_int_equal(v.i, 9);
    assert_int_equal(rp_dict_swap(rt, d, K("fresh"), rp_int(1), &v), 0);
    assert_int_equal(v.type, RP_T_NONE);
    assert_int_equal(rp_dict_swap(rt, d, K("fresh"), rp_none(), &v), RP_EINVAL);
    assert_int_equal(rp_dict_get_int(rt, d, K("fresh"), &i), 0);
    assert_int_equal(i, 1);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

/* The seed program's race, done the safe ways: atomic add, and a CAS loop. */
static void test_dict_seed_counter(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, "data", RP_CREATE, &d), 0);
    assert_int_equal(rp_dict_set(rt, d, K("num"), rp_int(10)), 0);
    for (int k = 0; k < 5; k++)
        assert_int_equal(rp_dict_add_int(rt, d, K("num"), -1, NULL), 0);
    for (int k = 0; k < 5; k++) {
        int64_t n;
        int swapped;
        do {
            assert_int_equal(rp_dict_get_int(rt, d, K("num"), &n), 0);
            swapped = rp_dict_cas(rt, d, K("num"), rp_int(n), rp_int(n - 1), NULL);
            assert_true(swapped >= 0);
        } while (!swapped);
    }
    int64_t n;
    assert_int_equal(rp_dict_get_int(rt, d, K("num"), &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

/* Many keys: growth, deletion, compaction, and every value still right. */
static void test_dict_many_keys(void **state) {
    rp_runtime *rt = *state;
    rp_dict d;
    enum { N = 50000 };
    char k[32];
    assert_int_equal(rp_dict_open(rt, NULL, 0, &d), 0);
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < N; i++) {
            snprintf(k, sizeof k, "key-%d", i);
            assert_int_equal(rp_dict_set(rt, d, K(k), rp_int(i * 3 + r)), 0);
        }
        for (int i = 0; i < N; i += 2) {
            snprintf(k, sizeof k, "key-%d", i);
            assert_int_equal(rp_dict_del(rt, d, K(k)), 0);
        }
    }
    size_t n;
    assert_int_equal(rp_dict_len(rt, d, &n), 0);
    assert_int_equal(n, N / 2);
    for (int i = 0; i < N; i++) {
        int64_t v;
        snprintf(k, sizeof k, "key-%d", i);
        int rc = rp_dict_get_int(rt, d, K(k), &v);
        if (i % 2 == 0) {
            assert_int_equal(rc, RP_ENOKEY);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(v, i * 3 + 1);
        }
    }
    rp_items it;
    assert_int_equal(rp_dict_items(rt, d, RP_KEYS, &it), 0);
    assert_int_equal(it.n, N / 2);
    assert_memory_equal(it.keys[0].data, "key-1", 5); /* insertion order survives */
    rp_items_free(&it);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
}

/* ---- list --------------------------------------------------------------------- */

static int64_t get_i(rp_runtime *rt, rp_list l, int64_t i) {
    rp_value v;
    assert_int_equal(rp_list_get(rt, l, i, &v), 0);
    assert_int_equal(v.type, RP_T_INT);
    return v.i;
}

static void test_list_ops(void **state) {
    rp_runtime *rt = *state;
    rp_list l;
    size_t n;
    rp_value v;
    assert_int_equal(rp_list_open(rt, "l", RP_CREATE, &l), 0);
    assert_int_equal(rp_list_pop(rt, l, -1, &v), RP_ERANGE);
    assert_non_null(strstr(rp_last_error(), "empty"));
    for (int i = 0; i < 5; i++)
        assert_int_equal(rp_list_append(rt, l, rp_int(i)), 0);
    rp_value more[2] = {rp_str("five"), rp_double(6.0)};
    assert_int_equal(rp_list_extend(rt, l, more, 2), 0);
    assert_int_equal(rp_list_extend(rt, l, NULL, 2), RP_EINVAL);
    rp_value bad[1] = {rp_none()};
    assert_int_equal(rp_list_extend(rt, l, bad, 1), RP_EINVAL);
    assert_int_equal(rp_list_append(rt, l, rp_none()), RP_EINVAL);
    assert_int_equal(rp_list_len(rt, l, &n), 0);
    assert_int_equal(n, 7);
    assert_int_equal(get_i(rt, l, 0), 0);
    assert_int_equal(get_i(rt, l, -7), 0);
    assert_int_equal(rp_list_get(rt, l, -1, &v), 0);
    assert_true(v.type == RP_T_DOUBLE && v.d == 6.0);
    assert_int_equal(rp_list_get(rt, l, 5, &v), 0);
    assert_string_equal((const char *)v.data, "five");
    rp_value_free(&v);
    assert_int_equal(rp_list_get(rt, l, 7, &v), RP_ERANGE);
    assert_int_equal(rp_list_get(rt, l, -8, &v), RP_ERANGE);
    assert_int_equal(rp_list_get(rt, l, 0, NULL), RP_EINVAL);

    assert_int_equal(rp_list_set(rt, l, -2, rp_int(50)), 0);
    assert_int_equal(get_i(rt, l, 5), 50);
    assert_int_equal(rp_list_set(rt, l, 7, rp_int(1)), RP_ERANGE);

    assert_int_equal(rp_list_pop(rt, l, -1, &v), 0); /* 6.0 */
    assert_true(v.d == 6.0);
    assert_int_equal(rp_list_pop(rt, l, 0, &v), 0);
    assert_int_equal(v.i, 0);
    assert_int_equal(rp_list_pop(rt, l, 10, NULL), RP_ERANGE);
    /* now [1, 2, 3, 4, 50] */
    assert_int_equal(rp_list_insert(rt, l, 0, rp_int(-1)), 0);
    assert_int_equal(rp_list_insert(rt, l, -1, rp_int(49)), 0);   /* before the last */
    assert_int_equal(rp_list_insert(rt, l, 100, rp_int(99)), 0);  /* clamped: appended */
    assert_int_equal(rp_list_insert(rt, l, -100, rp_int(-2)), 0); /* clamped: first */
    int64_t want[] = {-2, -1, 1, 2, 3, 4, 49, 50, 99};
    assert_int_equal(rp_list_len(rt, l, &n), 0);
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(get_i(rt, l, (int64_t)i), want[i]);
    assert_int_equal(rp_list_destroy(rt, l), 0);
}

/* Python's l[a:b] for step 1, as the reference. */
static void py_slice(int64_t n, int64_t a, int64_t b, int64_t *from, int64_t *to) {
    if (a < 0)
        a = a + n < 0 ? 0 : a + n;
    if (a > n)
        a = n;
    if (b < 0)
        b = b + n < 0 ? 0 : b + n;
    if (b > n)
        b = n;
    *from = a;
    *to = b > a ? b : a;
}

static void test_list_slices(void **state) {
    rp_runtime *rt = *state;
    rp_list l;
    assert_int_equal(rp_list_open(rt, NULL, 0, &l), 0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(rp_list_append(rt, l, rp_int(i * 10)), 0);
    for (int64_t a = -8; a <= 8; a++)
        for (int64_t b = -8; b <= 8; b++) {
            rp_items it;
            int64_t from, to;
            assert_int_equal(rp_list_slice(rt, l, a, b, &it), 0);
            py_slice(6, a, b, &from, &to);
            assert_int_equal(it.n, (size_t)(to - from));
            assert_null(it.keys);
            for (size_t i = 0; i < it.n; i++)
                assert_int_equal(it.values[i].i, (from + (int64_t)i) * 10);
            rp_items_free(&it);
        }
    rp_items it;
    assert_int_equal(rp_list_slice(rt, l, 2, RP_SLICE_END, &it), 0);
    assert_int_equal(it.n, 4);
    rp_items_free(&it);
    assert_int_equal(rp_list_slice(rt, l, INT64_MIN, INT64_MAX, &it), 0);
    assert_int_equal(it.n, 6);
    rp_items_free(&it);
    assert_int_equal(rp_list_slice(rt, l, 0, 1, NULL), RP_EINVAL);
    rp_dict notlist = {l.id};
    assert_int_equal(rp_dict_len(rt, notlist, &(size_t){0}), RP_ETYPE);
    assert_int_equal(rp_list_destroy(rt, l), 0);
}

/* ---- namespace ------------------------------------------------------------------ */

static void test_namespace(void **state) {
    rp_runtime *rt = *state;
    rp_ns ns;
    rp_value v;
    assert_int_equal(rp_ns_open(rt, "cfg", RP_CREATE, &ns), 0);
    assert_int_equal(rp_ns_set(rt, ns, "x", rp_int(1)), 0);
    assert_int_equal(rp_ns_set(rt, ns, "name", rp_str("run-7")), 0);
    assert_int_equal(rp_ns_get(rt, ns, "name", &v), 0);
    assert_string_equal((const char *)v.data, "run-7");
    rp_value_free(&v);
    assert_int_equal(rp_ns_get(rt, ns, "y", &v), RP_ENOKEY);
    assert_int_equal(rp_ns_get(rt, ns, "", &v), RP_EINVAL);
    assert_int_equal(rp_ns_set(rt, ns, NULL, rp_int(1)), RP_EINVAL);
    /* The dict view: atomic ops on attributes. */
    int64_t x;
    assert_int_equal(rp_dict_add_int(rt, rp_ns_dict(ns), K("x"), 41, &x), 0);
    assert_int_equal(x, 42);
    assert_int_equal(rp_ns_del(rt, ns, "x"), 0);
    assert_int_equal(rp_ns_del(rt, ns, "x"), RP_ENOKEY);
    rp_dict d;
    assert_int_equal(rp_dict_open(rt, "cfg", 0, &d), RP_ETYPE);
    assert_int_equal(rp_ns_destroy(rt, ns), 0);
    assert_int_equal(rp_ns_get(rt, ns, "name", &v), RP_ENOENT);
}

/* ---- limits ---------------------------------------------------------------------- */

static void test_limits(void **state) {
    (void)state;
    rp_runtime *rt = fake_rt(8, 16, 2000);
    rp_dict d;
    rp_list l;
    assert_int_equal(rp_dict_open(rt, "123456789", RP_CREATE, &d), RP_ETOOBIG);
    assert_int_equal(rp_dict_open(rt, "d", RP_CREATE, &d), 0);
    assert_int_equal(rp_dict_set(rt, d, K("123456789"), rp_int(1)), RP_ETOOBIG);
    assert_non_null(strstr(rp_last_error(), "obj_key_max"));
    assert_int_equal(rp_dict_set(rt, d, K("12345678"), rp_int(1)), 0);
    char big[18] = "0123456789abcdefg";
    assert_int_equal(rp_dict_set(rt, d, K("v"), rp_str(big)), RP_ETOOBIG);
    assert_non_null(strstr(rp_last_error(), "obj_value_max"));
    big[15] = '\0';
    assert_int_equal(rp_dict_set(rt, d, K("v"), rp_str(big)), 0);
    /* Fill up to obj_mem_max: then RP_ENOSPC, and nothing changed. */
    int rc = 0, i;
    char k[16];
    for (i = 0; i < 100 && rc == 0; i++) {
        snprintf(k, sizeof k, "k%d", i);
        rc = rp_dict_set(rt, d, K(k), rp_int(i));
    }
    assert_int_equal(rc, RP_ENOSPC);
    assert_non_null(strstr(rp_last_error(), "obj_mem_max"));
    assert_int_equal(rp_dict_contains(rt, d, K(k)), 0);
    size_t used, limit;
    assert_int_equal(rp_obj_memory(rt, &used, &limit), 0);
    assert_int_equal(limit, 2000);
    assert_true(used <= 2000 && used > 1500);
    /* Batches are all or nothing. */
    size_t before;
    assert_int_equal(rp_dict_len(rt, d, &before), 0);
    rp_key ks[3] = {K("x1"), K("x2"), K("x3")};
    rp_value vs[3] = {rp_int(1), rp_int(2), rp_int(3)};
    assert_int_equal(rp_dict_update(rt, d, ks, vs, 3), RP_ENOSPC);
    size_t after;
    assert_int_equal(rp_dict_len(rt, d, &after), 0);
    assert_int_equal(before, after);
    assert_int_equal(rp_list_open(rt, "l", RP_CREATE, &l), RP_ENOSPC);
    /* Freeing gives the memory back. */
    assert_int_equal(rp_dict_clear(rt, d), 0);
    assert_int_equal(rp_list_open(rt, "l", RP_CREATE, &l), 0);
    rp_value many[50];
    for (i = 0; i < 50; i++)
        many[i] = rp_int(i);
    assert_int_equal(rp_list_extend(rt, l, many, 50), RP_ENOSPC);
    size_t n;
    assert_int_equal(rp_list_len(rt, l, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(rp_list_extend(rt, l, many, 10), 0);
    assert_int_equal(rp_list_set(rt, l, 0, rp_str(big)), 0);
    assert_int_equal(rp_list_pop(rt, l, 0, NULL), 0);
    assert_int_equal(rp_list_destroy(rt, l), 0);
    assert_int_equal(rp_dict_destroy(rt, d), 0);
    assert_int_equal(rp_obj_memory(rt, &used, NULL), 0);
    assert_int_equal(used, 0);
    rp__store_free(rt->store);
    free(rt);
}

/* ---- Value and Array without MPI: the manager's path --------------------------- */

/* No arena (shm_arena_size 0): arrays are refused. */
static void test_array_no_arena(void **state) {
    rp_runtime *rt = *state;
    assert_int_equal(rp_elem_size(RP_ELEM_INT32), 4);
    assert_int_equal(rp_elem_size(RP_ELEM_UINT64), 8);
    assert_int_equal(rp_elem_size(RP_ELEM_DOUBLE), 8);
    assert_int_equal(rp_elem_size(RP_ELEM_BYTES), 0);
    assert_int_equal(rp_elem_size((rp_elem)99), 0);
    rp_array a;
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_INT64, 0, 4, &a), RP_ESTATE);
    assert_int_equal(rp_value_open(rt, "v", RP_CREATE, RP_ELEM_DOUBLE, &a), RP_ESTATE);
}

/* First fit, merging with both neighbours, and room kept for frees. */
static void test_arena_allocator(void **state) {
    (void)state;
    rp__arena a;
    size_t o[4];
    assert_int_equal(rp__arena_init(&a, NULL, 1024), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(rp__arena_alloc(&a, 256, &o[i]), 0);
        assert_int_equal(o[i], (size_t)i * 256);
    }
    assert_int_equal(rp__arena_alloc(&a, 64, &o[0]), RP_ENOSPC);
    rp__arena_free(&a, 256, 256);
    rp__arena_free(&a, 768, 256);
    assert_int_equal(a.nfree, 2);
    assert_int_equal(rp__arena_alloc(&a, 512, &o[0]), RP_ENOSPC); /* no 512 in a row */
    rp__arena_free(&a, 512, 256);                                 /* merges both sides */
    assert_int_equal(a.nfree, 1);
    assert_int_equal(rp__arena_alloc(&a, 768, &o[0]), 0);
    assert_int_equal(o[0], 256);
    assert_int_equal(a.used, 1024);
    rp__arena_free(&a, 0, 256);
    rp__arena_free(&a, 256, 768);
    assert_int_equal(a.used, 0);
    assert_int_equal(a.nfree, 1);
    rp__arena_fini(&a);
}

/* An arena in plain memory: every access goes through the store's requests. */
static void test_array_through_store(void **state) {
    rp_runtime *rt = *state;
    static uint64_t mem[4096 / 8];
    assert_int_equal(rp__store_set_arena(rt->store, mem, sizeof mem), 0);
    rp_array a;
    assert_int_equal(rp_array_open(rt, "a", RP_CREATE, RP_ELEM_INT64, 0, 8, &a), 0);
    int64_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8], old;
    assert_int_equal(rp_array_write(rt, a, 0, 8, in), 0);
    assert_int_equal(rp_array_fetch_add_i64(rt, a, 7, 10, &old), 0);
    assert_int_equal(old, 8);
    assert_int_equal(rp_array_cas_i64(rt, a, 0, 1, -1, &old), 1);
    assert_int_equal(rp_array_read(rt, a, 0, 8, out), 0);
    assert_int_equal(out[0], -1);
    assert_int_equal(out[7], 18);
    assert_int_equal(rp_array_read(rt, a, 4, 5, out), RP_ERANGE);
    void *p;
    assert_int_equal(rp_array_ptr(rt, a, &p), RP_ESTATE);
    assert_int_equal(rp_array_open(rt, NULL, 0, RP_ELEM_BYTES, 1, 4096, &a), RP_ETOOBIG);
    rp_array b; /* a failed open leaves the handle alone */
    assert_int_equal(rp_array_open(rt, "a", 0, RP_ELEM_INT64, 0, 0, &b), 0);
    assert_memory_equal(&a, &b, sizeof a);
    assert_int_equal(rp_array_destroy(rt, a), 0);
    assert_int_equal(rp_array_open(rt, "a", 0, RP_ELEM_INT64, 0, 0, &b), RP_ENOENT);
    assert_int_equal(rp_array_get(rt, a, 0, out), RP_ENOENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_roundtrip),
        cmocka_unit_test(test_fields_reject_garbage),
        cmocka_unit_test_setup_teardown(test_garbage_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_flags_and_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_get_set_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_del_contains_len_pop_setdefault_clear, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dict_items_order_update_get_many, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_atomics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_seed_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dict_many_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_slices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespace, setup, teardown),
        cmocka_unit_test(test_limits),
        cmocka_unit_test_setup_teardown(test_array_no_arena, setup, teardown),
        cmocka_unit_test(test_arena_allocator),
        cmocka_unit_test_setup_teardown(test_array_through_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
