// What a child forked from a running node needs before it runs any JavaScript (zygote_native.c
// calls these). Measured on node 20 (V8 11.3), each item a crash or a hang without it:
// - V8 maps its heap and code ranges MADV_DONTFORK: a child that returns into JavaScript
//   finds them gone (SIGSEGV). assay_node_prepare_fork() turns them back to MADV_DOFORK.
// - libuv's epoll descriptor and signal pipe are the zygote's: uv_loop_fork() makes the
//   child's own, and the loop's cached time is the zygote's (timers would fire early).
// - Only the forking thread exists in the child. The V8 platform's worker threads do not: a
//   task posted to them never runs, and node waits for it at the end of the event loop
//   (NodePlatform::DrainTasks) and on exit (joining them). The zygote runs node with
//   --single-threaded (V8 posts no background work), and in the child the platform's two
//   "run on a worker thread" entries run the task at once on the calling thread instead (a
//   job's worker task then does its share where the job is joined anyway).
// - process.exit() and a fatal exception end through node's exit handler, which shuts the
//   platform down (joining threads that do not exist): the child's handler _exits with the
//   code instead. A natural end runs the 'exit' listeners, then frees the environment, whose
//   cleanup hook _exits with the code zygote.js recorded after the listeners ran.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <node.h>
#include <node_api.h>
#include <sys/mman.h>
#include <unistd.h>
#include <uv.h>
#include <v8-platform.h>

namespace {

int exit_code = 0;

void run_now(v8::Platform*, std::unique_ptr<v8::Task> task) {
    task->Run();
}

void run_now_delayed(v8::Platform*, std::unique_ptr<v8::Task> task, double) {
    task->Run();
}

// The vtable slot of a virtual member function (Itanium C++ ABI: the pointer is 1 + offset).
template <typename Member> long slot_of(Member member) {
    struct {
        std::intptr_t ptr, adjust;
    } raw{};
    static_assert(sizeof member == sizeof raw, "an Itanium ABI pointer to member");
    std::memcpy(&raw, &member, sizeof raw);
    if ((raw.ptr & 1) == 0) return -1; // not virtual
    return static_cast<long>((raw.ptr - 1) / static_cast<std::intptr_t>(sizeof(void*)));
}

int patch_platform(node::Environment* env) {
    v8::Platform* platform = node::GetMultiIsolatePlatform(env);
    if (platform == nullptr) return -1;
    void** table = *reinterpret_cast<void***>(platform);
    const long now = slot_of(&v8::Platform::CallOnWorkerThread);
    const long delayed = slot_of(&v8::Platform::CallDelayedOnWorkerThread);
    if (now < 0 || delayed < 0) return -1;
    const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    const auto low = reinterpret_cast<std::uintptr_t>(table) & ~(page - 1);
    const auto high =
        (reinterpret_cast<std::uintptr_t>(table + (now > delayed ? now : delayed) + 1) + page - 1) &
        ~(page - 1);
    // The child's own copy of the page (copy on write): the zygote's table stays as it is.
    if (mprotect(reinterpret_cast<void*>(low), high - low, PROT_READ | PROT_WRITE) != 0) return -1;
    table[now] = reinterpret_cast<void*>(&run_now);
    table[delayed] = reinterpret_cast<void*>(&run_now_delayed);
    return mprotect(reinterpret_cast<void*>(low), high - low, PROT_READ);
}

void leave(void*) {
    _exit(exit_code);
}

} // namespace

extern "C" int assay_node_prepare_fork(void) {
    FILE* maps = std::fopen("/proc/self/smaps", "re");
    if (maps == nullptr) return -1;
    char line[512];
    unsigned long low = 0;
    unsigned long high = 0;
    int failed = 0;
    while (std::fgets(line, sizeof line, maps) != nullptr) {
        unsigned long a = 0;
        unsigned long b = 0;
        char after = 0;
        if (std::sscanf(line, "%lx-%lx%c", &a, &b, &after) == 3 && after == ' ') {
            low = a;
            high = b;
        } else if (std::strncmp(line, "VmFlags:", 8) == 0 && std::strstr(line, " dc") != nullptr) {
            if (madvise(reinterpret_cast<void*>(low), high - low, MADV_DOFORK) != 0) failed = 1;
        }
    }
    std::fclose(maps);
    return failed ? -1 : 0;
}

extern "C" int assay_node_after_fork_child(napi_env env) {
    uv_loop_t* loop = uv_default_loop();
    if (uv_loop_fork(loop) != 0) return -1;
    uv_update_time(loop);
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    if (isolate == nullptr) return -1;
    node::Environment* environment = node::GetCurrentEnvironment(isolate->GetCurrentContext());
    if (environment == nullptr || patch_platform(environment) != 0) return -1;
    node::SetProcessExitHandler(environment, [](node::Environment*, int code) { _exit(code); });
    return napi_add_env_cleanup_hook(env, leave, nullptr) == napi_ok ? 0 : -1;
}

// exitCode(code): the code a natural end exits with (zygote.js, after the 'exit' listeners).
extern "C" napi_value assay_node_exit_code(napi_env env, napi_callback_info info) {
    size_t argc = 1;
    napi_value arg;
    int32_t code = 0;
    if (napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr) == napi_ok && argc == 1 &&
        napi_get_value_int32(env, arg, &code) == napi_ok)
        exit_code = code;
    return nullptr;
}
