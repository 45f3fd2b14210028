"""The fast-start worker: a pre-initialised interpreter that forks one child per job.

Each slot has two zygotes, each PID 1 of its own jail (namespaces, read-only root, seccomp and
limits were set up by the supervisor before exec): `zygote.py runner` forks the runner, which gets
only the candidate's code and runs it; `zygote.py judge` judges each job itself (judge.py),
without a fork: it gets the tests, the nonce and the result channel, runs neither test code nor
candidate code, and asks the runner over a socket pair the supervisor hands them for the
candidate's side of each assertion, so the expected values never enter the candidate's jail.
Fd 3 is the control channel.

The runner zygote's job cycle (receive, fork, supervise, sweep, reply) is C
(zygote_native.c, built into the build's native/python and bound at /assay-native): after a
fork every page Python touches is a copy-on-write fault, and a Python loop cost the zygote more
CPU per job than a small job itself. Python runs again only in the child, which returns from
zygote_native.serve() to run the candidate (runner.py).

The runner zygote never reads a job's code or tests itself, so no job leaves anything in its
memory for a later child to find; the judge reads tests and the candidate's answers, but never
forks, and keeps nothing of a job but syntax (plans). After each job a zygote kills
every other process of its namespace (a double-forked daemon included) and reaps them; a runner
job that left anything in /work, /tmp or /dev/shm gets its jail replaced (the judge's zygote
empties them after an oracle), so two candidates never see each other.

Nothing of one job may survive into the next (SECURITY.md "The fast path"): each job gets
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
import signal
import shutil
import socket
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import channel  # noqa: E402
import runner  # noqa: E402

sys.path.insert(1, "/assay-native")
import zygote_native  # noqa: E402

# Imported once here so that no runner pays for them: a fresh `import typing` alone costs
# several milliseconds, more than the rest of a small job. Runners and judges get copies.
# Not `random` (nor `statistics`, which imports it): it registers an at-fork hook that reseeds
# in every child, about a millisecond of copy-on-write faults per job here whether or not the
# candidate uses it. Its C parts are loaded, so a child that imports it pays only random.py.
PRELOAD = ("typing", "collections", "math", "itertools", "functools", "operator", "re",
           "string", "heapq", "bisect", "_random", "_sha512", "fractions", "decimal",
           "datetime", "hashlib", "copy", "dataclasses", "enum", "array", "textwrap")

CONTROL_FD = 3
SCRATCH = ("/work", "/tmp", "/dev/shm")
SCRATCH_MODES = {}  # each scratch root's mode at start, restored before every wipe
KEEP_BYTES = 8192  # of each captured stream of a runner's child
CPU_LIMIT = resource.RLIM_INFINITY  # the jail's RLIMIT_CPU, which counts this process too
PR_SET_DUMPABLE = 4
F_GETSIG = getattr(fcntl, "F_GETSIG", 11)
RLIMITS = sorted(getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_"))
START_STATE = {}  # own_state() at start; a job that changed it gets the jail replaced
JUDGE_FDS = 3     # a judge's job: the tests (with the nonce), the result channel, its channel end


def read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
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
    after every job the zygote kills all other processes and checks (runner) or empties (judge)
    those directories."""
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


def run_child(fds):
    """In a runner's child, set up by zygote_native: runs the candidate, never returns."""
    code = 0
    try:
        runner.main(*fds)
    except BaseException:  # noqa: B036 - a child never returns into the zygote's loop
        code = 70
    finally:
        os._exit(code)


def serve_judge(control):
    """The judge's loop: each job judged in this process (judge.py)."""
    while True:
        job, fds = receive_job(control)
        if job is None or job.get("op") == "exit":
            return
        if len(fds) != JUDGE_FDS:
            for fd in fds:
                os.close(fd)
            channel.write_frame(CONTROL_FD, {"done": False, "error": "wrong descriptor count"})
            continue
        reply = judge.run_job(job, fds)
        if reply.pop("forked", False):
            # The oracle ran test code in a child: nothing it started or wrote may stay.
            kill_everything()
            reply["clean"] = reply["clean"] and all(
                [wipe(path, SCRATCH_MODES[path]) for path in SCRATCH])
        # This process's own CPU time counts against the jail's RLIMIT_CPU (which kills): ask
        # for a fresh jail long before that, never in the middle of a job.
        own = resource.getrusage(resource.RUSAGE_SELF)
        reply["retire"] = (CPU_LIMIT != resource.RLIM_INFINITY
                           and own.ru_utime + own.ru_stime > CPU_LIMIT / 2)
        if own_state() != START_STATE:
            reply["clean"] = False  # a job reached this process: a fresh jail for the next
        channel.write_frame(CONTROL_FD, reply)


def main():
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role not in ("runner", "judge"):
        raise SystemExit("zygote.py: usage: zygote.py runner|judge")
    check_inside_jail()
    # PID 1 of a namespace receives only the signals it handles: with the default disposition
    # a job's SIGINT or a broken pipe's SIGPIPE cannot end the zygote (a write then fails with
    # EPIPE). Python's own SIGINT handler would let a job kill it. The children inherit the
    # defaults.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for path in SCRATCH:
        SCRATCH_MODES[path] = stat.S_IMODE(os.stat(path).st_mode)
    global CPU_LIMIT
    CPU_LIMIT = resource.getrlimit(resource.RLIMIT_CPU)[0]
    set_dumpable(0)
    if role == "judge":
        # Only the judge's zygote holds the judge: a runner zygote's every page is copied
        # into (and torn down with) each child, so it carries nothing its children never run.
        global judge
        import judge  # noqa: E402
    for name in PRELOAD:
        importlib.import_module(name)
    control = socket.socket(fileno=CONTROL_FD)
    # Everything imported so far stays in the permanent generation: the collector never walks
    # (and so never copies on write) the zygote's heap in the children.
    gc.freeze()
    START_STATE.update(own_state())
    channel.write_frame(CONTROL_FD, {"ready": True})
    if role == "judge":
        serve_judge(control)
        return
    fds = zygote_native.serve(CONTROL_FD, SCRATCH, KEEP_BYTES)
    if fds is not None:
        run_child(fds)


if __name__ == "__main__":
    main()
