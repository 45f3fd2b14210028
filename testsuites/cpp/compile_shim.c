/* Preloaded into C++ compile jails (languages/cpp.toml `compile_env`): page faults are what a
   compile with a precompiled header spends most of its system time on (a fault costs 15-40 us
   on a VM), and two kinds of mapping make most of them. This library changes how those two
   get their memory, never what is in it, so the compiler's output is byte for byte the same
   (tests/pipeline/test_program_executor.cpp):
   - A private, writable mapping of a precompiled header (a `.gch` file, 20-100 MB, which cc1plus
     maps at the address it was written for and then touches page by page) becomes anonymous
     memory at the same address, asked for in transparent huge pages, filled with the file's
     bytes by pread: what a private mapping reads, a few hundred faults fewer. Should anything
     fail, the real mapping is made instead.
   - An anonymous mapping of 2 MB or more (the compiler's garbage-collected heap grows by such
     chunks) is asked for in transparent huge pages (MADV_HUGEPAGE; the kernel's `madvise` mode).
   Where the kernel gives no huge pages, both are what they were, one fault per page. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE (2UL << 20)

typedef void* (*mmap_fn)(void*, size_t, int, int, int, off_t);

static mmap_fn next_mmap(void) {
    static mmap_fn real;
    if (real == NULL) real = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
    return real;
}

static int is_precompiled_header(int fd) {
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 5) return 0;
    target[n] = '\0';
    return strcmp(target + n - 4, ".gch") == 0;
}

/* `length` bytes of `fd` from `offset` into writable anonymous memory at `address` (with the
   caller's flags, so a MAP_FIXED stays fixed); MAP_FAILED when any step fails (nothing left
   mapped). */
static void* read_into_anonymous(void* address, size_t length, int prot, int flags, int fd,
                                 off_t offset) {
    void* p =
        next_mmap()(address, length, prot,
                    (flags & ~(MAP_SHARED | MAP_DENYWRITE)) | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return MAP_FAILED;
    if (address != NULL && p != address) {
        munmap(p, length);
        return MAP_FAILED;
    }
    madvise(p, length, MADV_HUGEPAGE);
    size_t done = 0;
    while (done < length) {
        ssize_t got = pread(fd, (char*)p + done, length - done, offset + (off_t)done);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break; /* past the end of the file: zeros, as a mapping reads there */
        done += (size_t)got;
    }
    if (done == 0) {
        munmap(p, length);
        return MAP_FAILED;
    }
    return p;
}

void* mmap(void* address, size_t length, int prot, int flags, int fd, off_t offset) {
    mmap_fn real = next_mmap();
    if (real == NULL) {
        errno = ENOSYS;
        return MAP_FAILED;
    }
    if (fd >= 0 && (flags & MAP_PRIVATE) && (prot & PROT_WRITE) && length >= HUGE_PAGE &&
        is_precompiled_header(fd)) {
        const int saved = errno;
        void* p = read_into_anonymous(address, length, prot, flags, fd, offset);
        if (p != MAP_FAILED) return p;
        errno = saved;
    }
    void* p = real(address, length, prot, flags, fd, offset);
    if (p != MAP_FAILED && (flags & MAP_ANONYMOUS) && length >= HUGE_PAGE) {
        const int saved = errno;
        madvise(p, length, MADV_HUGEPAGE);
        errno = saved;
    }
    return p;
}

void* mmap64(void* address, size_t length, int prot, int flags, int fd, off_t offset)
    __attribute__((alias("mmap")));
