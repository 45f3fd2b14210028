/* The C++ fork server (languages/cpp.toml `zygote`, sandbox/fork_server.hpp): PID 1 of one
   long-lived jail per slot, which runs each compiled program (a runner or a judge) in a fresh
   child of its own instead of a jail of its own, so that a program costs a fork and an exec
   instead of a jail's set-up and tear-down.

   The cycle (receive, fork, supervise, sweep, reply; SECURITY.md "The fast path") is
   testsuites/native/zygote_cycle.h, shared with the Python and JavaScript fork servers, with
   three descriptors per job: the program (a memfd holding the executable the compile jail
   built), and two that the child gets as fds 3 and 4 (the runner: the value records it writes,
   and a placeholder it closes; the judge: the job's nonce and the runner's records in, its result
   lines out). The server never reads the program: the child executes the memfd, as the cold path
   executes /work/program:
   - with the jail's environment, less the LD_BIND_NOW the supervisor gives every server;
   - at fixed addresses for the runner (the jail's personality: languages/cpp.toml
     `randomize_addresses`), randomized for the judge (it reads what the candidate's side sent),
     as the cold path's jails have them;
   - as argv[0] "/work/program", the name the cold path runs it by.
   Unlike the cold path the program is not its namespace's PID 1, so a signal it sends itself
   (abort(), raise) takes effect as under plain execution. */

#define _GNU_SOURCE
#include <sys/personality.h>
#include <sys/prctl.h>

#define JOB_FDS 3
#include "../native/zygote_cycle.h"

extern char** environ;

/* ---------- zygote_cycle.h's hooks ---------- */

/* The job's three descriptors as 3, 4 and 5, every descriptor above them closed. */
static void place_job_descriptors(const int* high) {
    for (int i = 0; i < JOB_FDS; i++)
        if (dup2(high[i], 3 + i) < 0) _exit(CHILD_FAILED);
    close_from(3 + JOB_FDS);
}

static void before_fork(void) {}
static void after_fork_child(void) {}
static void after_fork_parent(void) {}

/* ---------- the server ---------- */

static const char* const scratch_dirs[] = {"/work", "/tmp", "/dev/shm"};
#define KEEP_BYTES 8192
#define CONTROL_FD 3

/* Refuses to run anywhere but as PID 1 of a fresh PID namespace with private scratch tmpfs. */
static int inside_jail(void) {
    if (getpid() != 1) {
        fprintf(stderr, "exec_server: not PID 1 of a fresh PID namespace; refusing to run\n");
        return 0;
    }
    FILE* mounts = fopen("/proc/self/mountinfo", "r");
    if (mounts == NULL) {
        fprintf(stderr, "exec_server: /proc/self/mountinfo: %s\n", strerror(errno));
        return 0;
    }
    int found[3] = {0, 0, 0};
    char line[4096];
    while (fgets(line, sizeof line, mounts) != NULL) {
        /* "id parent major:minor root mount-point options ... - fstype source options" */
        char point[1024];
        if (sscanf(line, "%*s %*s %*s %*s %1023s", point) != 1) continue;
        const char* dash = strstr(line, " - ");
        if (dash == NULL || strncmp(dash + 3, "tmpfs ", 6) != 0) continue;
        for (int i = 0; i < 3; i++)
            if (strcmp(point, scratch_dirs[i]) == 0) found[i] = 1;
    }
    fclose(mounts);
    for (int i = 0; i < 3; i++)
        if (!found[i]) {
            fprintf(stderr, "exec_server: %s is not a private tmpfs; refusing to run\n",
                    scratch_dirs[i]);
            return 0;
        }
    return 1;
}

static int setup(void) {
    /* The supervisor started the server with placeholders on fds 4 and 5, so that nothing of
       the server's own lies where a child's job descriptors go; they are free from here on. */
    close(4);
    close(5);
    zygote.control = CONTROL_FD;
    zygote.keep = KEEP_BYTES;
    zygote.scratch_count = 3;
    for (int i = 0; i < 3; i++) {
        snprintf(zygote.scratch[i], sizeof zygote.scratch[i], "%s", scratch_dirs[i]);
        if (note_scratch(i) != 0) return -1;
    }
    if (getrlimit(RLIMIT_CPU, &zygote.hard_cpu) != 0 || getrlimit(RLIMIT_AS, &zygote.hard_as) != 0)
        return -1;
    /* Not dumpable: no program of the jail may read this process's memory or fds via /proc
       (an exec'd program is dumpable again: its own). */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return -1;
    read_own_state(&zygote.start, CONTROL_FD);
    zygote.ready = 1;
    return 0;
}

static int greet(void) {
    static const char body[] = "{\"ready\":true}";
    const uint32_t size = sizeof body - 1;
    char frame[4 + sizeof body];
    frame[0] = (char)(size >> 24);
    frame[1] = (char)(size >> 16);
    frame[2] = (char)(size >> 8);
    frame[3] = (char)size;
    memcpy(frame + 4, body, size);
    return write_all(CONTROL_FD, frame, 4 + size);
}

/* In a job's child: the program from the memfd at fd 3, its two descriptors moved to 3 and 4. */
static void run_program(int judge) {
    int program = fcntl(3, F_DUPFD_CLOEXEC, 3 + JOB_FDS);
    if (program < 0 || dup2(4, 3) < 0 || dup2(5, 4) < 0 || close(5) != 0) _exit(CHILD_FAILED);
    /* The runner's second descriptor is the supervisor's placeholder: closed, so that its first
       open() gets fd 4, as in its own jail. */
    if (!judge && close(4) != 0) _exit(CHILD_FAILED);
    /* The judge's layout is random, as in its cold jail; PER_LINUX is the only persona the
       jail's filter lets a process set. */
    if (judge && personality(PER_LINUX) < 0) _exit(CHILD_FAILED);
    char* argv[] = {(char*)"/work/program", NULL};
    syscall(SYS_execveat, program, "", argv, environ, AT_EMPTY_PATH);
    fprintf(stderr, "exec_server: could not execute the program: %s\n", strerror(errno));
    _exit(CHILD_FAILED);
}

int main(void) {
    if (!inside_jail()) return 2;
    unsetenv("LD_BIND_NOW");
    if (setup() != 0) {
        fprintf(stderr, "exec_server: setup: %s\n", strerror(errno));
        return 3;
    }
    if (greet() != 0) {
        fprintf(stderr, "exec_server: greeting: %s\n", strerror(errno));
        return 3;
    }
    struct job job;
    switch (serve_jobs(&job)) {
    case CYCLE_DONE:
        return 0;
    case CYCLE_CHILD:
        run_program(job.judge);
        return CHILD_FAILED;
    case CYCLE_RECEIVE_FAILED:
        fprintf(stderr, "exec_server: receive: %s\n", strerror(errno));
        return 3;
    case CYCLE_MALFORMED_FRAME:
        fprintf(stderr, "exec_server: malformed job frame\n");
        return 3;
    case CYCLE_JOB_FAILED:
        fprintf(stderr, "exec_server: job: %s\n", strerror(errno));
        return 3;
    default: /* CYCLE_REPLY_FAILED */
        fprintf(stderr, "exec_server: reply: %s\n", strerror(errno));
        return 3;
    }
}
