/* One job cycle for both fork servers: the Python runner zygote's CPython extension
   (testsuites/python/zygote_native.c) and the JavaScript fork server's node addon
   (testsuites/javascript/zygote_native.c) each include this file once, after the system and
   runtime headers they need (with _GNU_SOURCE) and a definition of JOB_FDS (the descriptors
   that come with a job: Python's two, JavaScript's three). Each defines the hooks declared below
   (place_job_descriptors, before_fork, after_fork_child, after_fork_parent) and its own serve(),
   which fixes the settings and calls serve_jobs(). Everything here is static: each module has
   its own copy, and its buffers are in that module's .bss.

   One job, as zygote.py did it before (SECURITY.md "The fast path", nothing of one job
   may survive into the next):
   - receive a frame (4-byte big-endian length, a flat JSON object: op, wall_ms, cpu_ms,
     memory_mb, output_bytes, memory_cgroup; JavaScript's also judge) with the job's JOB_FDS
     descriptors (Python's: the candidate's code, the runner's end of the channel to the judge;
     JavaScript's: see its file);
   - fork the child with fresh capture pipes for stdout/stderr; the child gets a session (and so
     an autogroup) of its own, the job's descriptors as 3 and up and none of the zygote's others
     (place_job_descriptors), RLIMIT_CPU as a backstop above the limit the supervisor enforces,
     RLIMIT_AS, oom_score_adj 1000, cwd /work;
   - keep the first keep_bytes of each stream, count the rest, stop at the wall deadline or the
     output limit, then kill every process of the namespace and reap them (their CPU counted);
   - check that the job left the scratch directories empty with their modes, created no inode
     there (a probe file's inode number is the last one's + 1), created no process but its child
     (the namespace's last pid) and changed nothing of this process (priority, affinity,
     scheduler, every rlimit, autogroup, oom_score_adj, the control socket's flags, owner and
     signal); otherwise the reply says clean: false and the supervisor replaces the jail (a dirty
     jail is thrown away, not cleaned);
   - reply with one frame, the same JSON the supervisor has always read (sandbox/harness.cpp). */

#ifndef ASSAY_ZYGOTE_CYCLE_H
#define ASSAY_ZYGOTE_CYCLE_H

#ifndef JOB_FDS
#error "define JOB_FDS (the descriptors that come with a job) before including zygote_cycle.h"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (1 << 20)
#define MAX_SCRATCH 4
#define CHILD_FAILED 70

/* ---------- small helpers ---------- */

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static long long rusage_us(const struct rusage* ru) {
    return (long long)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1000000LL +
           ru->ru_utime.tv_usec + ru->ru_stime.tv_usec;
}

/* Reads a small /proc file whole; returns its length or -1. */
static ssize_t read_small(const char* path, char* buf, size_t size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t got = read(fd, buf, size - 1);
    close(fd);
    if (got < 0) return -1;
    buf[got] = '\0';
    return got;
}

/* The last pid handed out in this PID namespace, -1 if unknown. */
static long last_pid(void) {
    char buf[256];
    if (read_small("/proc/sys/kernel/ns_last_pid", buf, sizeof buf) > 0) return atol(buf);
    if (read_small("/proc/loadavg", buf, sizeof buf) > 0) {
        const char* last = strrchr(buf, ' ');
        if (last != NULL) return atol(last + 1);
    }
    return -1;
}

/* ---------- a byte buffer of fixed capacity ---------- */

/* Every buffer that holds anything of a job is static (this module's .bss): the zygote's heap
   never sees a job's output, and forget_job() can clear all of it. */
#define KEEP_MAX 65536
#define REPLY_MAX (12 * KEEP_MAX + 4096) /* two streams, each byte escaped as \u00XX at most */

struct buffer {
    char* data;
    size_t len, cap;
};

static void put(struct buffer* b, const char* s, size_t n) {
    if (n > b->cap - b->len) n = b->cap - b->len; /* cannot happen within REPLY_MAX */
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void puts_(struct buffer* b, const char* s) {
    put(b, s, strlen(s));
}

static void putf(struct buffer* b, const char* format, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct buffer* b, const char* format, ...) {
    char tmp[128];
    va_list args;
    va_start(args, format);
    int n = vsnprintf(tmp, sizeof tmp, format, args);
    va_end(args);
    if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* The UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at most U+10FFFF): sets
   *valid and returns its length; otherwise returns the length of its maximal valid prefix
   (at least 1), which decodes to one U+FFFD, as Python's "replace" and WHATWG decode it. */
static size_t utf8_sequence(const unsigned char* s, size_t n, int* valid) {
    unsigned char c = s[0];
    *valid = 1;
    if (c < 0x80) return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c == 0xE0)
        len = 3, lo = 0xA0;
    else if (c == 0xED)
        len = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
        len = 3;
    else if (c == 0xF0)
        len = 4, lo = 0x90;
    else if (c == 0xF4)
        len = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3)
        len = 4;
    else {
        *valid = 0;
        return 1;
    }
    size_t i = 1;
    for (; i < len && i < n; i++) {
        const unsigned char low = i == 1 ? lo : 0x80, high = i == 1 ? hi : 0xBF;
        if (s[i] < low || s[i] > high) break;
    }
    if (i < len) *valid = 0;
    return i;
}

/* A JSON string of bytes decoded as UTF-8 with invalid sequences replaced by U+FFFD. */
static void put_json_string(struct buffer* b, const unsigned char* s, size_t n) {
    put(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            put(b, "\\", 1);
            put(b, (const char*)&c, 1);
            i++;
        } else if (c < 0x20) {
            putf(b, "\\u%04x", c);
            i++;
        } else {
            int valid;
            size_t len = utf8_sequence(s + i, n - i, &valid);
            if (valid)
                put(b, (const char*)s + i, len);
            else
                puts_(b, "\\ufffd");
            i += len;
        }
    }
    put(b, "\"", 1);
}

/* ---------- the job frame ---------- */

struct job {
    int exit, judge; /* judge: JavaScript's (which program its child runs) */
    long long wall_ms, cpu_ms, memory_mb, output_bytes;
    int memory_cgroup;
};

static const char* skip_space(const char* p, const char* end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A JSON string without escapes (the supervisor's keys and ops); NULL if it is not one. */
static const char* scan_plain_string(const char* p, const char* end, const char** start,
                                     size_t* len) {
    if (p >= end || *p != '"') return NULL;
    *start = ++p;
    while (p < end && *p != '"') {
        if (*p == '\\') return NULL;
        p++;
    }
    if (p >= end) return NULL;
    *len = (size_t)(p - *start);
    return p + 1;
}

static int key_is(const char* key, size_t len, const char* want) {
    return strlen(want) == len && memcmp(key, want, len) == 0;
}

/* Parses the supervisor's flat job object; 0 on success. Unknown keys with scalar values are
   skipped; numbers are truncated to integers (as int() did). */
static int parse_job(const char* p, const char* end, struct job* job) {
    *job = (struct job){0, 0, 10000, 5000, 512, 1 << 20, 0};
    p = skip_space(p, end);
    if (p >= end || *p++ != '{') return -1;
    p = skip_space(p, end);
    if (p < end && *p == '}') return skip_space(p + 1, end) == end ? 0 : -1;
    for (;;) {
        const char* key;
        size_t key_len;
        p = scan_plain_string(skip_space(p, end), end, &key, &key_len);
        if (p == NULL) return -1;
        p = skip_space(p, end);
        if (p >= end || *p++ != ':') return -1;
        p = skip_space(p, end);
        if (p >= end) return -1;
        if (*p == '"') {
            const char* value;
            size_t value_len;
            p = scan_plain_string(p, end, &value, &value_len);
            if (p == NULL) return -1;
            if (key_is(key, key_len, "op")) job->exit = key_is(value, value_len, "exit");
        } else if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
            if (key_is(key, key_len, "memory_cgroup")) job->memory_cgroup = 1;
            if (key_is(key, key_len, "judge")) job->judge = 1;
            p += 4;
        } else if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
            if (key_is(key, key_len, "memory_cgroup")) job->memory_cgroup = 0;
            p += 5;
        } else if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
            p += 4;
        } else {
            char number[64];
            size_t n = 0;
            while (p + n < end && n < sizeof number - 1 && strchr("+-0123456789.eE", p[n]))
                n++;
            if (n == 0) return -1;
            memcpy(number, p, n);
            number[n] = '\0';
            char* stop;
            double value = strtod(number, &stop);
            if (*stop != '\0' || value != value || value > 9e15 || value < -9e15) return -1;
            p += n;
            long long whole = (long long)value;
            if (key_is(key, key_len, "wall_ms"))
                job->wall_ms = whole;
            else if (key_is(key, key_len, "cpu_ms"))
                job->cpu_ms = whole;
            else if (key_is(key, key_len, "memory_mb"))
                job->memory_mb = whole;
            else if (key_is(key, key_len, "output_bytes"))
                job->output_bytes = whole;
        }
        p = skip_space(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}') return skip_space(p + 1, end) == end ? 0 : -1;
        return -1;
    }
}

static char frame_buf[MAX_FRAME + 4];

static void close_all(const int* fds, int n) {
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

/* Reads exactly `len` more bytes into buf; 0 when the supervisor hung up first. */
static int recv_exact(int control, char* buf, size_t len) {
    while (len > 0) {
        ssize_t got = recv(control, buf, len, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        buf += got;
        len -= (size_t)got;
    }
    return 1;
}

/* One frame and the descriptors that came with it (they come with its first byte); nothing
   past the frame is read. Returns the body length, 0 when the supervisor hung up, -1 (errno
   set, EPROTO for a bad frame) on failure. */
static ssize_t receive_frame(int control, int* fds, int* nfds) {
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(int) * 4)];
    } control_data;
    struct iovec iov = {frame_buf, 4};
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control_data.space;
    msg.msg_controllen = sizeof control_data.space;
    *nfds = 0;
    ssize_t got;
    do
        got = recvmsg(control, &msg, MSG_CMSG_CLOEXEC);
    while (got < 0 && errno == EINTR);
    if (got < 0) return -1;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count && *nfds < 4; i++)
            memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (got == 0 || !recv_exact(control, frame_buf + got, 4 - (size_t)got)) {
        close_all(fds, *nfds);
        *nfds = 0;
        return 0;
    }
    uint32_t size = ((uint32_t)(unsigned char)frame_buf[0] << 24) |
                    ((uint32_t)(unsigned char)frame_buf[1] << 16) |
                    ((uint32_t)(unsigned char)frame_buf[2] << 8) | (unsigned char)frame_buf[3];
    if (size > MAX_FRAME || (msg.msg_flags & MSG_CTRUNC)) {
        close_all(fds, *nfds);
        *nfds = 0;
        errno = EPROTO;
        return -1;
    }
    if (!recv_exact(control, frame_buf + 4, size)) {
        close_all(fds, *nfds);
        *nfds = 0;
        return 0;
    }
    return (ssize_t)size;
}

static int write_all(int fd, const char* data, size_t len) {
    while (len > 0) {
        ssize_t put_ = write(fd, data, len);
        if (put_ < 0 && errno == EINTR) continue;
        if (put_ <= 0) return -1;
        data += put_;
        len -= (size_t)put_;
    }
    return 0;
}

static char reply_buf[REPLY_MAX];
static struct buffer reply = {reply_buf, 0, sizeof reply_buf};

/* Sends reply.data[4..] as a frame (reply starts with 4 bytes of room for the length). */
static int send_reply(int control) {
    uint32_t size = (uint32_t)(reply.len - 4);
    unsigned char header[4] = {size >> 24, size >> 16, size >> 8, size};
    memcpy(reply.data, header, 4);
    return write_all(control, reply.data, reply.len);
}

static void start_reply(void) {
    reply.len = 0;
    put(&reply, "\0\0\0\0", 4);
}

/* ---------- this process's own state ---------- */

struct own_state {
    int priority, scheduler, sched_priority;
    cpu_set_t affinity;
    struct rlimit limits[RLIM_NLIMITS];
    char autogroup[128], oom_score_adj[32];
    int control_flags, control_owner, control_signal;
};

static void read_own_state(struct own_state* s, int control) {
    memset(s, 0, sizeof *s);
    errno = 0;
    s->priority = getpriority(PRIO_PROCESS, 0);
    if (errno != 0) s->priority = INT_MIN;
    if (sched_getaffinity(0, sizeof s->affinity, &s->affinity) != 0) CPU_ZERO(&s->affinity);
    s->scheduler = sched_getscheduler(0);
    struct sched_param param;
    s->sched_priority = sched_getparam(0, &param) == 0 ? param.sched_priority : -1;
    for (int i = 0; i < RLIM_NLIMITS; i++)
        if (getrlimit(i, &s->limits[i]) != 0) s->limits[i].rlim_cur = s->limits[i].rlim_max = 0;
    if (read_small("/proc/self/autogroup", s->autogroup, sizeof s->autogroup) < 0)
        s->autogroup[0] = '\0';
    if (read_small("/proc/self/oom_score_adj", s->oom_score_adj, sizeof s->oom_score_adj) < 0)
        s->oom_score_adj[0] = '\0';
    s->control_flags = fcntl(control, F_GETFL);
    s->control_owner = fcntl(control, F_GETOWN);
    s->control_signal = fcntl(control, F_GETSIG);
}

static int same_state(const struct own_state* a, const struct own_state* b) {
    if (a->priority != b->priority || a->scheduler != b->scheduler ||
        a->sched_priority != b->sched_priority || !CPU_EQUAL(&a->affinity, &b->affinity) ||
        a->control_flags != b->control_flags || a->control_owner != b->control_owner ||
        a->control_signal != b->control_signal || strcmp(a->autogroup, b->autogroup) != 0 ||
        strcmp(a->oom_score_adj, b->oom_score_adj) != 0)
        return 0;
    for (int i = 0; i < RLIM_NLIMITS; i++)
        if (a->limits[i].rlim_cur != b->limits[i].rlim_cur ||
            a->limits[i].rlim_max != b->limits[i].rlim_max)
            return 0;
    return 1;
}

/* ---------- the zygote's settings, fixed at the first serve() ---------- */

static struct {
    int ready;
    int control;
    size_t keep;
    int scratch_count;
    char scratch[MAX_SCRATCH][256];
    mode_t scratch_mode[MAX_SCRATCH];
    long probe[MAX_SCRATCH]; /* inode number of the last probe file, -1 if unknown */
    struct own_state start;
    struct rlimit hard_cpu, hard_as;
} zygote;

static char kept[2][KEEP_MAX];

/* Creates and removes one file in `dir`; its inode number, -1 on failure. A tmpfs numbers its
   inodes from a counter of its own, one up per inode. */
static long probe_inode(const char* dir) {
    char path[320];
    snprintf(path, sizeof path, "%s/.assay-probe", dir);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    struct stat st;
    long inode = fstat(fd, &st) == 0 ? (long)st.st_ino : -1;
    close(fd);
    if (unlink(path) != 0) return -1;
    return inode;
}

/* Scratch directory `i` of the settings (its path already in zygote.scratch[i]): the mode a job
   must leave it with and the inode counter's probe. -1 (errno set) when it cannot be read. */
static int note_scratch(int i) {
    struct stat st;
    if (stat(zygote.scratch[i], &st) != 0) return -1;
    zygote.scratch_mode[i] = st.st_mode & 07777;
    zygote.probe[i] = probe_inode(zygote.scratch[i]);
    return 0;
}

/* Closes every descriptor from `first` up, in a child before it runs a job (inline: a server
   that closes its own way has no unused copy). */
static inline void close_from(int first) {
    if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
    struct rlimit nofile;
    int top = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 65536
                  ? (int)nofile.rlim_cur
                  : 65536;
    for (int fd = first; fd < top; fd++)
        close(fd);
}

/* The scratch directory is empty and has its mode. */
static int untouched(const char* dir, mode_t mode) {
    struct stat st;
    if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 07777) != mode) return 0;
    DIR* d = opendir(dir);
    if (d == NULL) return 0;
    int empty = 1;
    struct dirent* entry;
    while (empty && (entry = readdir(d)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) empty = 0;
    closedir(d);
    return empty;
}

/* ---------- the child ---------- */

static rlim_t clamp(rlim_t value, const struct rlimit* hard) {
    return hard->rlim_max == RLIM_INFINITY || value < hard->rlim_max ? value : hard->rlim_max;
}

/* Each side's own (defined after including this file): moves the job's descriptors from high[]
   (copies above 3 + JOB_FDS) to 3 .. 2 + JOB_FDS and closes the descriptors the child must not
   keep. Never returns on failure. */
static void place_job_descriptors(const int* high);

/* In the freshly forked child, before any Python or JavaScript runs: see the file's comment.
   Never returns on failure. */
static void become_child(const int* fds, int out_w, int err_w, const struct job* job) {
    if (setsid() < 0) _exit(CHILD_FAILED);
    /* A stdin of its own: the zygote's fd 0 is one open file shared by every child, whose
       flags (O_APPEND, O_NONBLOCK) a job could set for the next one to read. */
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0) _exit(CHILD_FAILED);
    close(null);
    int high[JOB_FDS];
    for (int i = 0; i < JOB_FDS; i++)
        if ((high[i] = fcntl(fds[i], F_DUPFD, 3 + JOB_FDS)) < 0) _exit(CHILD_FAILED);
    if (dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) _exit(CHILD_FAILED);
    place_job_descriptors(high);
    /* The supervisor enforces the CPU limit from the jail's cgroup count (its own kill: a
       timeout); RLIMIT_CPU is a backstop above it (sandbox/verdict_policy.hpp). */
    long long backstop_ms = job->cpu_ms + (job->cpu_ms / 4 > 1000 ? job->cpu_ms / 4 : 1000);
    long long seconds = (backstop_ms + 999) / 1000;
    struct rlimit cpu;
    cpu.rlim_cur = cpu.rlim_max = clamp((rlim_t)(seconds < 1 ? 1 : seconds), &zygote.hard_cpu);
    /* Where a memory cgroup limits the jail it decides; RLIMIT_AS is then a generous backstop. */
    long long mb = job->memory_cgroup ? job->memory_mb * 2 + 1024 : job->memory_mb;
    struct rlimit as;
    as.rlim_cur = as.rlim_max = clamp((rlim_t)(mb < 1 ? 1 : mb) << 20, &zygote.hard_as);
    if (setrlimit(RLIMIT_CPU, &cpu) != 0 || setrlimit(RLIMIT_AS, &as) != 0) _exit(CHILD_FAILED);
    int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom >= 0) {
        if (write(oom, "1000", 4) < 0) { /* not fatal: the jail's memory limit still holds */
        }
        close(oom);
    }
    if (chdir("/work") != 0) _exit(CHILD_FAILED);
}

/* ---------- supervising one job ---------- */

struct capture {
    int fd, write_fd;
    char* kept;
    size_t kept_len;
    long long total;
};

static char pump_buf[16384];
static size_t pump_used; /* how much of pump_buf this job has written */

static int pump(struct capture* c) {
    ssize_t got = read(c->fd, pump_buf, sizeof pump_buf);
    if (got <= 0) return 0;
    if ((size_t)got > pump_used) pump_used = (size_t)got;
    c->total += got;
    size_t room = zygote.keep - c->kept_len;
    size_t take = (size_t)got < room ? (size_t)got : room;
    memcpy(c->kept + c->kept_len, pump_buf, take);
    c->kept_len += take;
    return 1;
}

/* Kills every process of the namespace but this one and reaps them, adding their CPU. */
static void kill_everything(long long* cpu_us, long* peak_rss_kb) {
    for (;;) {
        kill(-1, SIGKILL);
        struct rusage ru;
        int status;
        if (wait4(-1, &status, 0, &ru) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        *cpu_us += rusage_us(&ru);
        if (ru.ru_maxrss > *peak_rss_kb) *peak_rss_kb = ru.ru_maxrss;
    }
}

/* What the zygote saw of one job. */
struct outcome {
    int clean, done, status, timed_out, output_limit;
    long long cpu_us;
    long peak_rss_kb;
    double started, finished, swept;
    struct capture streams[2];
};

/* The child has exited (or died): its pidfd is readable, or without a pidfd, waitid says so. */
static int child_gone(pid_t child) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    return waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
}

/* Each side's own (defined after including this file): what its runtime needs around a fork,
   called just before it, in the child after become_child(), in the zygote just after it. */
static void before_fork(void);
static void after_fork_child(void);
static void after_fork_parent(void);

/* Runs one job to its end; in the child returns 1 (the caller runs the candidate), in the
   zygote 0 with `out` filled, -1 with errno set. */
static int run_job(const struct job* job, const int* fds, struct outcome* out) {
    struct capture* streams = out->streams;
    for (int i = 0; i < 2; i++) {
        int pipe_fds[2];
        if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
            int saved = errno;
            if (i == 1) close(streams[0].fd), close(streams[0].write_fd);
            close_all(fds, JOB_FDS);
            errno = saved;
            return -1;
        }
        fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
        streams[i] = (struct capture){pipe_fds[0], pipe_fds[1], kept[i], 0, 0};
    }
    const long pid_before = last_pid();
    out->started = now_ms();
    const double deadline = out->started + (double)job->wall_ms;

    before_fork();
    pid_t child = fork();
    if (child == 0) {
        become_child(fds, streams[0].write_fd, streams[1].write_fd, job);
        after_fork_child();
        return 1;
    }
    int fork_errno = errno;
    after_fork_parent();
    close_all(fds, JOB_FDS);
    if (child < 0) {
        for (int i = 0; i < 2; i++)
            close(streams[i].fd), close(streams[i].write_fd);
        errno = fork_errno;
        return -1;
    }

    int child_fd = (int)syscall(SYS_pidfd_open, child, 0);
    out->timed_out = out->output_limit = 0;
    for (;;) {
        double remaining = deadline - now_ms();
        if (remaining <= 0) {
            out->timed_out = 1;
            break;
        }
        struct pollfd watched[3] = {
            {streams[0].fd, POLLIN, 0}, {streams[1].fd, POLLIN, 0}, {child_fd, POLLIN, 0}};
        int wait_ms = remaining > 1e9 ? 1000000000 : (int)remaining + 1;
        if (child_fd < 0 && wait_ms > 10) wait_ms = 10;
        int ready = poll(watched, child_fd >= 0 ? 3 : 2, wait_ms);
        if (ready < 0 && errno != EINTR) break;
        if (child_fd >= 0 ? watched[2].revents != 0 : child_gone(child)) break;
        for (int i = 0; i < 2; i++)
            if (watched[i].revents) pump(&streams[i]);
        if (streams[0].total > job->output_bytes || streams[1].total > job->output_bytes) {
            out->output_limit = 1;
            break;
        }
    }
    out->finished = now_ms();
    if (child_fd >= 0) close(child_fd);

    out->cpu_us = 0;
    out->peak_rss_kb = 0;
    struct rusage ru;
    out->status = 0;
    out->done = wait4(child, &out->status, WNOHANG, &ru) == child;
    if (out->done) {
        out->cpu_us += rusage_us(&ru);
        out->peak_rss_kb = ru.ru_maxrss;
    }
    kill_everything(&out->cpu_us, &out->peak_rss_kb);
    /* Every other holder of the write ends is dead: drain what is left, then close. */
    for (int i = 0; i < 2; i++) {
        while (pump(&streams[i])) {
        }
        close(streams[i].fd);
        close(streams[i].write_fd);
    }
    if (streams[0].total > job->output_bytes || streams[1].total > job->output_bytes)
        out->output_limit = 1;

    out->clean = 1;
    for (int i = 0; i < zygote.scratch_count; i++) {
        if (!untouched(zygote.scratch[i], zygote.scratch_mode[i])) out->clean = 0;
        long inode = probe_inode(zygote.scratch[i]);
        if (inode < 0 || zygote.probe[i] < 0 || inode != zygote.probe[i] + 1) out->clean = 0;
        zygote.probe[i] = inode;
        /* Times the job may have set (an atime in the future survives relatime): now. */
        if (utimensat(AT_FDCWD, zygote.scratch[i], NULL, 0) != 0) out->clean = 0;
    }
    /* The job created no process besides its child (a thread counts): otherwise the next job's
       pids would tell how many. */
    const long pid_after = last_pid();
    if (pid_before < 0 || pid_after != pid_before + 1) out->clean = 0;
    out->swept = now_ms();
    return 0;
}

/* The reply, the JSON sandbox/harness.cpp reads. `own_state_kept`: this process is as it was
   at start (otherwise a job reached it, and the next job gets a fresh jail). */
static void build_reply(const struct outcome* o, int own_state_kept) {
    start_reply();
    puts_(&reply, "{\"done\":true,\"role\":\"runner\",\"clean\":");
    puts_(&reply, o->clean && own_state_kept ? "true" : "false");
    if (!o->done)
        puts_(&reply, ",\"child\":{\"state\":\"killed\"}");
    else if (WIFSIGNALED(o->status))
        putf(&reply, ",\"child\":{\"state\":\"signaled\",\"signal\":%d}", WTERMSIG(o->status));
    else
        putf(&reply, ",\"child\":{\"state\":\"exited\",\"code\":%d}", WEXITSTATUS(o->status));
    putf(&reply, ",\"timed_out\":%s,\"output_limit\":%s", o->timed_out ? "true" : "false",
         o->output_limit ? "true" : "false");
    putf(&reply, ",\"cpu_ms\":%lld,\"wall_ms\":%.3f,\"peak_rss_kb\":%ld", (o->cpu_us + 500) / 1000,
         now_ms() - o->started, o->peak_rss_kb);
    putf(&reply, ",\"phases_ms\":{\"child\":%.3f,\"sweep\":%.3f}", o->finished - o->started,
         o->swept - o->finished);
    static const char* names[2] = {"stdout", "stderr"};
    for (int i = 0; i < 2; i++) {
        putf(&reply, ",\"%s\":{\"text\":", names[i]);
        put_json_string(&reply, (const unsigned char*)o->streams[i].kept, o->streams[i].kept_len);
        putf(&reply, ",\"kept\":%zu,\"total\":%lld}", o->streams[i].kept_len, o->streams[i].total);
    }
    /* This process's CPU counts against the jail's RLIMIT_CPU (which kills): ask for a fresh
       jail long before that, never in the middle of a job. */
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    const struct rlimit* cpu = &zygote.start.limits[RLIMIT_CPU];
    const int retire = cpu->rlim_cur != RLIM_INFINITY &&
                       (double)rusage_us(&self) / 1e6 > (double)cpu->rlim_cur / 2;
    putf(&reply, ",\"retire\":%s}", retire ? "true" : "false");
}

/* Every later child starts as a copy of this process: nothing of this job's output (kept, in
   the pipe buffer, in the reply) or its frame may stay in memory for the next candidate to
   read from its own copy. */
static void forget_job(const struct outcome* o, ssize_t frame_size) {
    for (int i = 0; i < 2; i++)
        memset(o->streams[i].kept, 0, o->streams[i].kept_len);
    memset(pump_buf, 0, pump_used);
    pump_used = 0;
    memset(reply.data, 0, reply.len);
    memset(frame_buf, 0, 4 + (size_t)frame_size);
}

/* ---------- the loop ---------- */

/* How serve_jobs() ended: the supervisor hung up or said exit; in a job's child (`job` filled);
   or a failure, errno set (EPROTO for a malformed frame), that ends the zygote. */
enum cycle_end {
    CYCLE_DONE,
    CYCLE_CHILD,
    CYCLE_RECEIVE_FAILED,
    CYCLE_MALFORMED_FRAME,
    CYCLE_JOB_FAILED,
    CYCLE_REPLY_FAILED
};

/* The zygote's loop, once serve() has fixed the settings: one job after another until the
   supervisor hangs up or says exit; returns in each job's child. */
static enum cycle_end serve_jobs(struct job* job) {
    for (;;) {
        int fds[4], nfds;
        ssize_t size = receive_frame(zygote.control, fds, &nfds);
        if (size == 0) return CYCLE_DONE;
        if (size < 0) return CYCLE_RECEIVE_FAILED;
        if (parse_job(frame_buf + 4, frame_buf + 4 + size, job) != 0) {
            close_all(fds, nfds);
            errno = EPROTO;
            return CYCLE_MALFORMED_FRAME;
        }
        if (job->exit) {
            close_all(fds, nfds);
            return CYCLE_DONE;
        }
        if (nfds != JOB_FDS) {
            close_all(fds, nfds);
            start_reply();
            puts_(&reply, "{\"done\":false,\"error\":\"wrong descriptor count\"}");
            if (send_reply(zygote.control) != 0) return CYCLE_REPLY_FAILED;
            continue;
        }
        struct outcome outcome;
        int ran = run_job(job, fds, &outcome);
        if (ran < 0) return CYCLE_JOB_FAILED;
        if (ran == 1) return CYCLE_CHILD;
        struct own_state now;
        read_own_state(&now, zygote.control);
        build_reply(&outcome, same_state(&now, &zygote.start));
        int sent = send_reply(zygote.control);
        forget_job(&outcome, size);
        if (sent != 0) return CYCLE_REPLY_FAILED;
    }
}

#endif
