/* The JavaScript fork server's job cycle (testsuites/javascript/zygote.js calls serve()).

   A warm node (runtime.js and the modules the harness uses loaded, nothing of any job) forks
   one child per job; the child returns from serve() into JavaScript and runs the job's program
   as node would run main.js, then exits. The zygote itself never runs a job's code and never
   reads it: the code arrives in a memfd that only the child reads.

   The cycle (receive, fork, supervise, sweep, reply) is testsuites/native/zygote_cycle.h
   (SECURITY.md "The fast path"), shared with the Python runner zygote's extension, with three
   descriptors per job instead of two: the program's code, and two that the child gets as fds 3
   and 4 (the runner: the value records it writes, unused; the judge: the job's nonce and the
   runner's records, the result lines it writes). A frame's `judge: true` tells the child which
   program it runs. What makes a forked node work at all is node_fork.cc (C++: node's own API). */

#define _GNU_SOURCE
#include <node_api.h>
#include <sys/prctl.h>
#include <uv.h>

#define JOB_FDS 3
#include "../native/zygote_cycle.h"

/* ---------- the child's descriptors (zygote_cycle.h's hooks) ---------- */

/* Which descriptors were open in the zygote just before the fork (its RLIMIT_NOFILE is the
   jail's, far below FD_SCAN). */
#define FD_SCAN 4096
static unsigned char open_before_fork[FD_SCAN];
static unsigned char open_at_start[FD_SCAN]; /* when serve() began: node's own and control */
/* What each of those was (device and inode): in a child, a descriptor that is still the same
   object is shared with the server. */
static struct {
    dev_t dev;
    ino_t ino;
} identity_at_start[FD_SCAN];

static void note_identities(void) {
    for (int fd = 0; fd < FD_SCAN; fd++) {
        struct stat st;
        if (open_at_start[fd] && fstat(fd, &st) == 0) {
            identity_at_start[fd].dev = st.st_dev;
            identity_at_start[fd].ino = st.st_ino;
        }
    }
}

static void note_open_descriptors(unsigned char* open) {
    for (int fd = 0; fd < FD_SCAN; fd++)
        open[fd] = fcntl(fd, F_GETFD) != -1;
}

/* The job's three descriptors as 3, 4 and 5 (their copies closed), then: */
static void place_job_descriptors(const int* high) {
    for (int i = 0; i < JOB_FDS; i++)
        if (dup2(high[i], 3 + i) < 0 || close(high[i]) != 0) _exit(CHILD_FAILED);
    /* Everything the zygote got since it started (the control socket's frames: this job's
       original descriptors; its capture pipes) and the control socket. Not node's own, which
       were there at start: uv_loop_fork() replaces the loop's, and libuv's at-fork handler has
       already given the child a signal lock pipe of its own (often under the old numbers),
       without which it aborts at its first signal handler or child process. */
    for (int fd = 3 + JOB_FDS; fd < FD_SCAN; fd++)
        if (open_before_fork[fd] && (!open_at_start[fd] || fd == zygote.control)) close(fd);
}

static void before_fork(void) {
    note_open_descriptors(open_before_fork);
}

/* node's own (node_fork.cc) come later, in child_job(), with a napi_env. */
static void after_fork_child(void) {}

static void after_fork_parent(void) {}

/* ---------- node ---------- */

/* node_fork.cc */
int assay_node_prepare_fork(void);
int assay_node_after_fork_child(napi_env env);
napi_value assay_node_exit_code(napi_env env, napi_callback_info info);

static napi_value fail(napi_env env, const char* what) {
    char message[256];
    snprintf(message, sizeof message, "zygote_native.serve: %s: %s", what, strerror(errno));
    napi_throw_error(env, NULL, message);
    return NULL;
}

/* The program's code from the memfd at fd 3; the child's two job descriptors then move to 3
   and 4. Never returns on failure. */
static char* child_code(size_t* len) {
    struct stat st;
    if (fstat(3, &st) != 0 || st.st_size < 0 || st.st_size > (64 << 20)) _exit(CHILD_FAILED);
    char* code = malloc((size_t)st.st_size + 1);
    if (code == NULL) _exit(CHILD_FAILED);
    size_t done = 0;
    while (done < (size_t)st.st_size) {
        ssize_t got = pread(3, code + done, (size_t)st.st_size - done, (off_t)done);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) _exit(CHILD_FAILED);
        done += (size_t)got;
    }
    if (dup2(4, 3) < 0 || dup2(5, 4) < 0 || close(5) != 0) _exit(CHILD_FAILED);
    *len = done;
    return code;
}

/* node's own signal handlers (SIGUSR1 starts its inspector, ...): the zygote runs without
   them, so that a signal a child sends to PID 1 meets the default disposition, which a
   namespace's init ignores; each child gets them back. */
static struct sigaction node_handlers[NSIG];
static int handled[NSIG];

static int drop_handlers(void) {
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        if (sigaction(sig, NULL, &node_handlers[sig]) != 0) continue; /* a glibc-reserved one */
        if (node_handlers[sig].sa_handler == SIG_DFL || node_handlers[sig].sa_handler == SIG_IGN)
            continue;
        struct sigaction none;
        memset(&none, 0, sizeof none);
        none.sa_handler = SIG_DFL;
        if (sigaction(sig, &none, NULL) != 0) return -1;
        handled[sig] = 1;
    }
    return 0;
}

static void restore_handlers(void) {
    for (int sig = 1; sig < NSIG; sig++)
        if (handled[sig] && sigaction(sig, &node_handlers[sig], NULL) != 0) _exit(CHILD_FAILED);
}

/* The event-loop descriptors of the zygote's other threads (eventfds, epoll instances), which do
   not exist in the child: shared with the zygote, they would let a child wake its idle threads.
   uv_loop_fork() has made the main loop's own anew; libuv's pipes stay (the child's own). */
static void close_other_loops(void) {
    uv_loop_t* loop = uv_default_loop();
    for (int fd = 3 + JOB_FDS; fd < FD_SCAN; fd++) {
        if (!open_at_start[fd] || fd == loop->backend_fd || fd == loop->async_io_watcher.fd ||
            fd == loop->async_wfd || fd == loop->signal_pipefd[0] || fd == loop->signal_pipefd[1])
            continue;
        char path[64], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0 && (size_t)n >= strlen("anon_inode:") &&
            memcmp(target, "anon_inode:", strlen("anon_inode:")) == 0) {
            close(fd);
            continue;
        }
        /* The other threads' pipes (their loops' signal and wake-up pipes) are the server's
           own objects still: a job that wrote into one would be read by the server (a crash,
           a message to a loop it does not own) or by the next job. What the child made anew
           under an old number (libuv's signal lock pipe at fork) is another object, kept. */
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_dev == identity_at_start[fd].dev &&
            st.st_ino == identity_at_start[fd].ino)
            close(fd);
    }
}

static napi_value child_job(napi_env env, int judge) {
    restore_handlers();
    if (assay_node_after_fork_child(env) != 0) _exit(CHILD_FAILED);
    close_other_loops();
    size_t len = 0;
    char* code = child_code(&len);
    napi_value out, text, role;
    if (napi_create_object(env, &out) != napi_ok ||
        napi_create_string_utf8(env, code, len, &text) != napi_ok ||
        napi_get_boolean(env, judge, &role) != napi_ok ||
        napi_set_named_property(env, out, "code", text) != napi_ok ||
        napi_set_named_property(env, out, "judge", role) != napi_ok)
        _exit(CHILD_FAILED);
    free(code);
    return out;
}

static int setup(napi_env env, napi_value* args) {
    int32_t control = -1, keep = 0;
    uint32_t count = 0;
    if (napi_get_value_int32(env, args[0], &control) != napi_ok ||
        napi_get_array_length(env, args[1], &count) != napi_ok ||
        napi_get_value_int32(env, args[2], &keep) != napi_ok || count > MAX_SCRATCH || keep <= 0 ||
        keep > KEEP_MAX) {
        errno = EINVAL;
        return -1;
    }
    /* The supervisor started node with placeholders on fds 4 .. 2 + JOB_FDS, so that node's
       own descriptors (libuv's loop, its signal pipes) lie above the numbers a child's job
       descriptors get; they are free from here on. */
    for (int fd = 4; fd < 3 + JOB_FDS; fd++)
        if (fd != control) close(fd);
    zygote.control = control;
    zygote.keep = (size_t)keep;
    zygote.scratch_count = (int)count;
    for (uint32_t i = 0; i < count; i++) {
        napi_value item;
        size_t len = 0;
        if (napi_get_element(env, args[1], i, &item) != napi_ok ||
            napi_get_value_string_utf8(env, item, zygote.scratch[i], sizeof zygote.scratch[i],
                                       &len) != napi_ok ||
            len + 1 >= sizeof zygote.scratch[i]) {
            errno = EINVAL;
            return -1;
        }
        if (note_scratch((int)i) != 0) return -1;
    }
    if (getrlimit(RLIMIT_CPU, &zygote.hard_cpu) != 0 || getrlimit(RLIMIT_AS, &zygote.hard_as) != 0)
        return -1;
    /* V8 maps its heap MADV_DONTFORK: once, here (this process runs no JavaScript from now on,
       so V8 maps nothing new). */
    if (assay_node_prepare_fork() != 0) return -1;
    /* Not dumpable: no other process of the jail may read this one's memory or fds via /proc. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || drop_handlers() != 0) return -1;
    read_own_state(&zygote.start, control);
    note_open_descriptors(open_at_start);
    note_identities();
    zygote.ready = 1;
    return 0;
}

/* serve(controlFd, scratchDirs, keepBytes): the zygote's loop. Returns undefined when the
   supervisor hung up or said exit; in a job's child returns {code, judge}: the program to run
   and whether it is the judge's. */
static napi_value serve(napi_env env, napi_callback_info info) {
    size_t argc = 3;
    napi_value args[3];
    if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3) {
        errno = EINVAL;
        return fail(env, "arguments");
    }
    if (zygote.ready) {
        errno = EBUSY;
        return fail(env, "called twice");
    }
    if (setup(env, args) != 0) return fail(env, "setup");
    struct job job;
    switch (serve_jobs(&job)) {
    case CYCLE_DONE:
        return NULL;
    case CYCLE_CHILD:
        return child_job(env, job.judge);
    case CYCLE_RECEIVE_FAILED:
        return fail(env, "receive");
    case CYCLE_MALFORMED_FRAME:
        return fail(env, "malformed job frame");
    case CYCLE_JOB_FAILED:
        return fail(env, "job");
    default: /* CYCLE_REPLY_FAILED */
        return fail(env, "reply");
    }
}

NAPI_MODULE_INIT() {
    napi_value function;
    if (napi_create_function(env, "serve", NAPI_AUTO_LENGTH, serve, NULL, &function) != napi_ok ||
        napi_set_named_property(env, exports, "serve", function) != napi_ok ||
        napi_create_function(env, "exitCode", NAPI_AUTO_LENGTH, assay_node_exit_code, NULL,
                             &function) != napi_ok ||
        napi_set_named_property(env, exports, "exitCode", function) != napi_ok)
        return NULL;
    return exports;
}
