// The Pool from C++: rankpool's header is C, included as is (extern "C"),
// with MPI's C API only.  A map over a std::vector, an apply_async whose
// callback is a lambda, and a shared dict counted from the tasks.
//
// Run: mpirun -np 3 build/apps/cpp_pool      (or alone: rank 0 runs the tasks)
// Build elsewhere against an installed rankpool, with CMake
//     find_package(rankpool REQUIRED)   # in a project with LANGUAGES CXX
//     target_link_libraries(app PRIVATE rankpool::rankpool)
// or with pkg-config:  c++ cpp_pool.cpp $(pkg-config --cflags --libs rankpool)
#include <rankpool.h>

#include <atomic>
#include <cstdio>
#include <numeric>
#include <vector>

namespace {

struct square_arg {
    long x;
    rp_dict counter; // a handle is a plain value: it travels in the argument
};

int square(rp_task_ctx *ctx, const void *arg, size_t size) {
    if (size != sizeof(square_arg))
        return rp_fail(ctx, 1, "argument of %zu bytes", size);
    const auto *a = static_cast<const square_arg *>(arg);
    long y = a->x * a->x;
    int rc = rp_dict_add_int(rp_task_runtime(ctx), a->counter, rp_key_str("calls"), 1, nullptr);
    return rc != 0 ? rc : rp_return(ctx, &y, sizeof y);
}

int body(rp_runtime *rt, int, char **, void *) {
    rp_dict counter;
    if (rp_dict_open(rt, nullptr, RP_CREATE, &counter) != 0)
        return 1;
    std::vector<square_arg> in;
    for (long x = 1; x <= 5; x++)
        in.push_back({x, counter});
    std::vector<long> out(in.size());

    rp_pool *pool = nullptr;
    if (rp_pool_create(rt, nullptr, &pool) != 0)
        return 1;
    int rc = rp_pool_map(pool, "square", in.data(), in.size(), sizeof(square_arg), out.data(),
                         sizeof(long), nullptr);

    // A callback is a plain function: a lambda without captures converts to one.
    static std::atomic<long> called{0};
    rp_call_options co = RP_CALL_OPTIONS_INIT;
    co.callback = [](rp_result *res, void *) {
        const void *data;
        size_t len;
        if (rp_result_get(res, 0, &data, &len) == 0 && len == sizeof(long))
            called = *static_cast<const long *>(data);
    };
    square_arg seven{7, counter};
    rp_result *res = nullptr;
    if (rc == 0)
        rc = rp_pool_apply_async(pool, "square", &seven, sizeof seven, &co, &res);
    if (rc == 0)
        rc = rp_result_wait(res, RP_FOREVER);
    rp_result_free(res);
    rp_pool_destroy(pool); // joins: the callback has run

    rp_value calls = rp_none();
    if (rc == 0)
        rc = rp_dict_get(rt, counter, rp_key_str("calls"), &calls);
    if (rc != 0) {
        std::fprintf(stderr, "cpp_pool: %s: %s\n", rp_err_name(rc), rp_last_error());
        return 1;
    }
    long sum = std::accumulate(out.begin(), out.end(), 0L);
    std::printf("[");
    for (size_t i = 0; i < out.size(); i++)
        std::printf("%s%ld", i ? ", " : "", out[i]);
    bool ok = sum == 55 && called == 49 && calls.i == 6;
    std::printf("] sum %ld, callback got %ld, %lld task calls counted: %s\n", sum, called.load(),
                static_cast<long long>(calls.i), ok ? "OK" : "WRONG");
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
    static const rp_task_def tasks[] = {RP_TASK(square)};
    rp_options opt = RP_OPTIONS_INIT;
    opt.tasks = tasks;
    opt.ntasks = 1;
    return rp_main(&argc, &argv, &opt, body, nullptr);
}
