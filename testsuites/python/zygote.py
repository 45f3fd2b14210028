"""The fast-start worker: a pre-initialised interpreter that forks one child per job.

Each slot has two zygotes, each PID 1 of its own jail (namespaces, read-only root, seccomp and
limits were set up by the supervisor before exec): `zygote.py runner` forks the runner, which gets
only the candidate's code and runs it; `zygote.py judge` judges each job itself (judge.py),
without a fork: it gets the tests, the nonce and the result channel, runs neither test code nor
candidate code, and asks the runner over a socket pair the supervisor hands them for the
candidate's side of each assertion, so the expected values never enter the candidate's jail.
Fd 3 is the control channel.

The runner zygote never reads a job's code or tests itself, so no job leaves anything in its
memory for a later child to find; the judge reads tests and the candidate's answers, but never
forks, and keeps nothing of a job but syntax (plans). After each job a zygote kills
every other process of its namespace (a double-forked daemon included), reaps them, and empties
/work, /tmp and /dev/shm, so two candidates never see each other.

Nothing of one job may survive into the next (DESIGN.md "The judge model", rule 2): each job gets
fresh capture pipes, its child runs in a session (and so an autogroup) of its own, and seccomp
refuses calls aimed at another process (prlimit, setpriority, sched_set*, fcntl owner/signal).
After every job the zygote checks that its own state is what it was at start (priority,
affinity, scheduling, every rlimit, its autogroup's nice, oom_score_adj, the control socket's
flags, owner and signal), that the job created no process besides its child (the namespace's
last pid), left nothing in the scratch directories and created no inode there (a probe file's
inode number); otherwise it reports `clean: false` and the supervisor replaces the jail.
"""

import ctypes
import fcntl
import gc
import importlib
import json
import os
import resource
import select
import signal
import shutil
import socket
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import channel  # noqa: E402
import judge  # noqa: E402
import runner  # noqa: E402

# Imported once here so that no runner pays for them: a fresh `import typing` alone costs
# several milliseconds, more than the rest of a small job. Runners and judges get copies.
PRELOAD = ("typing", "collections", "math", "itertools", "functools", "operator", "re",
           "string", "heapq", "bisect", "random", "statistics", "fractions", "decimal",
           "datetime", "hashlib", "copy", "dataclasses", "enum", "array", "textwrap")

CONTROL_FD = 3
SCRATCH = ("/work", "/tmp", "/dev/shm")
SCRATCH_MODES = {}  # each scratch root's mode at start, restored before every wipe
KEEP_BYTES = 8192
HARD_LIMITS = {}  # resource -> the jail's hard limit, read once
NOFILE = 1024     # the jail's descriptor limit, read once
CPU_LIMIT = resource.RLIM_INFINITY  # the jail's RLIMIT_CPU, which counts this process too
PR_SET_DUMPABLE = 4
F_GETSIG = getattr(fcntl, "F_GETSIG", 11)
RLIMITS = sorted(getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_"))
START_STATE = {}  # own_state() at start; a job that changed it gets the jail replaced
INODE_PROBES = {}  # scratch dir -> inode number of the last probe file made there


def probe_inode(path):
    """Creates and removes one file in `path`, returns its inode number (None on failure). A
    tmpfs numbers its inodes from a counter of its own, one up per inode: a probe that is not
    the last one's + 1 means the job created files there, even ones it removed itself."""
    probe = os.path.join(path, ".assay-probe")
    try:
        fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            return os.fstat(fd).st_ino
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError:
        return None


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def last_pid():
    """The last pid handed out in this PID namespace (None if unknown)."""
    for path, field in (("/proc/sys/kernel/ns_last_pid", 0), ("/proc/loadavg", -1)):
        text = read_text(path)
        try:
            return int(text.split()[field])
        except (AttributeError, ValueError, IndexError):
            continue
    return None


def own_state():
    """What a job could have changed of this process from outside it. Seccomp refuses the calls
    that would (prlimit, setpriority, sched_set*, fcntl F_SETOWN/F_SETSIG on a pid or descriptor
    not the caller's own); this is the second line: a change gets the jail replaced."""
    state = {
        "priority": os.getpriority(os.PRIO_PROCESS, 0),
        "affinity": sorted(os.sched_getaffinity(0)),
        "scheduler": os.sched_getscheduler(0),
        "sched_priority": os.sched_getparam(0).sched_priority,
        "rlimits": [resource.getrlimit(kind) for kind in RLIMITS],
        "autogroup": read_text("/proc/self/autogroup"),
        "oom_score_adj": read_text("/proc/self/oom_score_adj"),
    }
    try:
        state["control"] = (fcntl.fcntl(CONTROL_FD, fcntl.F_GETFL),
                            fcntl.fcntl(CONTROL_FD, fcntl.F_GETOWN),
                            fcntl.fcntl(CONTROL_FD, F_GETSIG))
    except OSError:
        state["control"] = None
    return state


def check_inside_jail():
    """Refuses to run anywhere but as PID 1 of a jail whose scratch dirs are private tmpfs mounts:
    after every job the zygote kills all other processes and empties those directories."""
    if os.getpid() != 1:
        raise SystemExit("zygote.py: not PID 1 of a fresh PID namespace; refusing to run")
    tmpfs = set()
    with open("/proc/self/mountinfo") as mounts:
        for line in mounts:
            before, _, after = line.partition(" - ")
            if after.split(" ", 1)[0] == "tmpfs":
                tmpfs.add(before.split(" ")[4])
    missing = [path for path in SCRATCH if path not in tmpfs]
    if missing:
        raise SystemExit("zygote.py: %s not a private tmpfs; refusing to run" % ", ".join(missing))


def set_dumpable(value):
    # Not dumpable: no other process of the jail may read this one's memory or fds via /proc.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE)")


def _limit(kind, value):
    hard = HARD_LIMITS[kind]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    resource.setrlimit(kind, (value, value))


def become_child(fds, out_w, err_w, cpu_ms, memory_mb, memory_cgroup):
    """In a freshly forked child: a session (and so an autogroup) of its own, stdout/stderr to
    the capture pipes, `fds` as 3, 4, ..., every other descriptor closed, limits set. Returns the
    new descriptor numbers."""
    # Its own session: `nice` on its autogroup (/proc/self/autogroup) is then its own, not the
    # zygote's. The sweep (kill -1) reaches every session of the namespace alike.
    os.setsid()
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    # dup() returns increasing numbers above the ones in use, so each dup2 below only overwrites
    # descriptors that are no longer needed.
    high = [os.dup(fd) for fd in fds]
    low = list(range(3, 3 + len(fds)))
    for target, fd in zip(low, high):
        os.dup2(fd, target)
    os.closerange(3 + len(fds), NOFILE)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The supervisor enforces the CPU limit from the jail's cgroup count (its own kill: a
    # timeout); RLIMIT_CPU is a backstop above it (sandbox/verdict_policy.hpp cpu_backstop_ms).
    backstop_ms = cpu_ms + max(1000, cpu_ms // 4)
    _limit(resource.RLIMIT_CPU, max(1, -(-backstop_ms // 1000)))
    # Where a memory cgroup limits the jail it decides (its OOM kill is memory_limit); RLIMIT_AS
    # is then a generous backstop, as in the cold path (sandbox/rlimits_linux.cpp).
    _limit(resource.RLIMIT_AS, ((memory_mb * 2 + 1024) if memory_cgroup else memory_mb) << 20)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    os.chdir("/work")
    return low


def fork_child(body):
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        body()
    except BaseException:  # noqa: B036 - a child never returns into the zygote's loop
        code = 70
    finally:
        os._exit(code)


def kill_everything():
    """Kills every process of the namespace but this one, reaps them, returns their rusage."""
    usage = []
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            _, _, ru = os.wait4(-1, 0)
        except ChildProcessError:
            return usage
        usage.append(ru)


def wipe(path, mode):
    """Empties a scratch directory the job could have chmod-ed, renamed into or nested deeply.
    Returns False when the job left anything there (or changed its mode): the supervisor then
    replaces the whole jail, since even an emptied tmpfs remembers its inode counter."""
    try:
        if stat.S_IMODE(os.stat(path).st_mode) == mode and not os.listdir(path):
            return True  # the usual case: nothing to do
        os.chmod(path, mode)
        # Open every directory to its owner first (iteratively: no depth limit), then delete.
        pending = [path]
        while pending:
            directory = pending.pop()
            for entry in os.scandir(directory):
                if entry.is_dir(follow_symlinks=False):
                    os.chmod(entry.path, 0o700)
                    pending.append(entry.path)
        for entry in os.scandir(path):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        return False
    except (OSError, RecursionError):
        return False


class Capture:
    """One captured stream of one job, a fresh pipe (so nothing a job set on it, F_SETPIPE_SZ,
    O_NONBLOCK, an owner or a signal, reaches another job): the first KEEP_BYTES of the output
    are kept, the rest only counted. This process keeps the write end until the sweep has killed
    every other holder, so draining until the pipe is empty reads all of it; then close()."""

    def __init__(self):
        self.fd, self.write_fd = os.pipe()
        os.set_blocking(self.fd, False)
        self.kept = bytearray()
        self.total = 0

    def close(self):
        os.close(self.fd)
        os.close(self.write_fd)

    def pump(self):
        try:
            chunk = os.read(self.fd, 65536)
        except BlockingIOError:
            return False
        if not chunk:
            return False
        self.total += len(chunk)
        room = KEEP_BYTES - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        return True

    def drain(self):
        while self.pump():
            pass

    def report(self):
        return {"text": self.kept.decode("utf-8", "replace"), "total": self.total}


def describe_status(status):
    if os.WIFSIGNALED(status):
        return {"state": "signaled", "signal": os.WTERMSIG(status)}
    return {"state": "exited", "code": os.WEXITSTATUS(status)}


# What each role gets: the descriptors of a job, in order, and how its child runs. The judge
# judges in this process (no child): the tests (with the nonce), the result channel, its end of
# the channel to the runner.
ROLES = {
    # runner: the candidate's code and its end of the channel to the judge.
    "runner": (2, lambda low, deadline: runner.main(low[0], low[1])),
    "judge": (3, None),
}


def run_job(role, job, fds):
    """Forks this role's child for one job, supervises it under the job's limits, then sweeps
    the namespace. The runner's and the judge's zygotes live in different jails. While the child
    lives this process does as little as it can: every page it touches then is copied."""
    wall_ms = int(job.get("wall_ms", 10000))
    cpu_ms = int(job.get("cpu_ms", 5000))
    memory_mb = int(job.get("memory_mb", 512))
    output_bytes = int(job.get("output_bytes", 1 << 20))
    memory_cgroup = bool(job.get("memory_cgroup", False))
    streams = out, err = Capture(), Capture()
    pid_before = last_pid()
    started = time.monotonic()
    deadline = started + wall_ms / 1000.0
    body = ROLES[role][1]

    child = fork_child(lambda: body(become_child(fds, out.write_fd, err.write_fd, cpu_ms,
                                                 memory_mb, memory_cgroup), deadline))
    for fd in fds:
        os.close(fd)
    child_fd = os.pidfd_open(child)
    watched = [out.fd, err.fd, child_fd]
    timed_out = output_limit = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        ready, _, _ = select.select(watched, [], [], remaining)
        if child_fd in ready:
            break
        for stream in streams:
            if stream.fd in ready:
                stream.pump()
        if out.total > output_bytes or err.total > output_bytes:
            output_limit = True
            break
    finished = time.monotonic()
    os.close(child_fd)

    usage = []
    done, status, ru = os.wait4(child, os.WNOHANG)
    if done:
        usage.append(ru)
    usage += kill_everything()
    for stream in streams:
        stream.drain()
        stream.close()
    output_limit = output_limit or out.total > output_bytes or err.total > output_bytes
    clean = all([wipe(path, SCRATCH_MODES[path]) for path in SCRATCH])
    for path in SCRATCH:
        # Inode numbers of the scratch tmpfs are a counter the next job would read.
        last, INODE_PROBES[path] = INODE_PROBES.get(path), probe_inode(path)
        clean = clean and last is not None and INODE_PROBES[path] == last + 1
    # The job created no process besides its child (a thread counts): otherwise the next job's
    # pids would tell how many, so the jail is replaced. What a pid still tells: how many jobs
    # ran in this jail since it started.
    pid_after = last_pid()
    clean = clean and pid_before is not None and pid_after == pid_before + 1
    swept = time.monotonic()

    return {
        "done": True,
        "role": role,
        "clean": clean,
        "child": describe_status(status) if done else {"state": "killed"},
        "timed_out": timed_out,
        "output_limit": output_limit,
        "cpu_ms": round(sum(ru.ru_utime + ru.ru_stime for ru in usage) * 1000),
        "wall_ms": round((time.monotonic() - started) * 1000, 3),
        "peak_rss_kb": max([ru.ru_maxrss for ru in usage] or [0]),
        "phases_ms": {"child": round((finished - started) * 1000, 3),
                      "sweep": round((swept - finished) * 1000, 3)},
        "stdout": out.report(),
        "stderr": err.report(),
    }


def receive_job(control):
    """One job frame and its descriptors; (None, []) when the supervisor hung up."""
    data, fds, _, _ = socket.recv_fds(control, 65536, 4)
    if len(data) < 4:
        return None, fds
    size = int.from_bytes(data[:4], "big")
    while len(data) < 4 + size:
        more = control.recv(4 + size - len(data))
        if not more:
            return None, fds
        data += more
    return json.loads(data[4:4 + size]), fds


def main():
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role not in ROLES:
        raise SystemExit("zygote.py: usage: zygote.py runner|judge")
    check_inside_jail()
    # PID 1 receives only the signals it handles; Python handles SIGINT, so a job could kill
    # its zygote with it. Children get the default back (become_child).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for path in SCRATCH:
        SCRATCH_MODES[path] = stat.S_IMODE(os.stat(path).st_mode)
        INODE_PROBES[path] = probe_inode(path)
    for kind in (resource.RLIMIT_CPU, resource.RLIMIT_AS):
        HARD_LIMITS[kind] = resource.getrlimit(kind)[1]
    global NOFILE, CPU_LIMIT
    NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    CPU_LIMIT = resource.getrlimit(resource.RLIMIT_CPU)[0]
    set_dumpable(0)
    for name in PRELOAD:
        importlib.import_module(name)
    control = socket.socket(fileno=CONTROL_FD)
    # Everything imported so far stays in the permanent generation: the collector never walks
    # (and so never copies on write) the zygote's heap in the children.
    gc.freeze()
    START_STATE.update(own_state())
    channel.write_frame(CONTROL_FD, {"ready": True})
    while True:
        job, fds = receive_job(control)
        if job is None or job.get("op") == "exit":
            return
        if len(fds) != ROLES[role][0]:
            for fd in fds:
                os.close(fd)
            channel.write_frame(CONTROL_FD, {"done": False, "error": "wrong descriptor count"})
            continue
        if role == "judge":
            reply = judge.run_job(job, fds)
            if reply.pop("forked", False):
                # The oracle ran test code in a child: nothing it started or wrote may stay.
                kill_everything()
                reply["clean"] = reply["clean"] and all(
                    [wipe(path, SCRATCH_MODES[path]) for path in SCRATCH])
        else:
            reply = run_job(role, job, fds)
        # This process's own CPU time counts against the jail's RLIMIT_CPU (which kills): ask
        # for a fresh jail long before that, never in the middle of a job.
        own = resource.getrusage(resource.RUSAGE_SELF)
        reply["retire"] = (CPU_LIMIT != resource.RLIM_INFINITY
                           and own.ru_utime + own.ru_stime > CPU_LIMIT / 2)
        if own_state() != START_STATE:
            reply["clean"] = False  # a job reached this process: a fresh jail for the next
        channel.write_frame(CONTROL_FD, reply)


if __name__ == "__main__":
    main()
