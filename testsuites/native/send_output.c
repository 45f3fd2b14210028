/* A compile jail's first process (languages/cpp.toml `send_output`; src/pipeline/
   program_compile.cpp): `send_output FILE COMMAND ARG...` runs COMMAND with its standard output
   on standard error, and when it exits 0 writes FILE (what it made, in the jail's /work) to
   standard output, which the supervisor reads under the jail's output limit. The same as
   `/bin/sh -c '"$0" "$@" >&2 && exec /bin/cat FILE' COMMAND ARG...`, without a shell and a cat
   to start for every compile:
   - COMMAND is found and started as the shell would (execvp: PATH, a script without #!);
   - COMMAND's exit status is this program's (a signal: 128 + its number, as the shell's);
   - COMMAND not found or not executable: 127 or 126 and a line on stderr, as the shell's;
   - FILE missing or unreadable after a successful COMMAND: 1 and a line on stderr, as cat's.
   Statically linked: nothing to load before it starts. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int send_file(const char* path) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "send_output: %s: %s\n", path, strerror(errno));
        return 1;
    }
    for (;;) {
        const ssize_t n = sendfile(STDOUT_FILENO, fd, NULL, 1 << 20);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) break;
        /* Not a file sendfile can read (a FIFO, a directory): the copy cat would make. */
        char buffer[65536];
        for (;;) {
            const ssize_t r = read(fd, buffer, sizeof buffer);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
                fprintf(stderr, "send_output: %s: %s\n", path, strerror(errno));
                close(fd);
                return 1;
            }
            if (r == 0) break;
            for (ssize_t done = 0; done < r;) {
                const ssize_t w = write(STDOUT_FILENO, buffer + done, (size_t)(r - done));
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) {
                    close(fd);
                    return 1;
                }
                done += w;
            }
        }
        break;
    }
    close(fd);
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: send_output FILE COMMAND [ARG...]\n");
        return 2;
    }
    const pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "send_output: fork: %s\n", strerror(errno));
        return 2;
    }
    if (child == 0) {
        if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) _exit(126);
        execvp(argv[2], argv + 2);
        const int error = errno;
        fprintf(stderr, "send_output: %s: %s\n", argv[2], strerror(error));
        _exit(error == ENOENT ? 127 : 126);
    }
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(child, &status, 0);
        if (done == child) break;
        if (done < 0 && errno != EINTR) {
            fprintf(stderr, "send_output: waitpid: %s\n", strerror(errno));
            return 2;
        }
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    if (!WIFEXITED(status)) return 2;
    if (WEXITSTATUS(status) != 0) return WEXITSTATUS(status);
    return send_file(argv[1]);
}
