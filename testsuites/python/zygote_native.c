/* The runner zygote's job cycle, in C (zygote.py runner calls serve()).

   Why C: the zygote forks one child per job, and a fork leaves every writable page of the zygote
   copy-on-write in both processes. Python code run after a fork touches hundreds of pages (every
   object it reads gets its reference count written), so a cycle of receive, fork, supervise,
   sweep and reply written in Python cost the zygote ~8 ms of CPU per job on a VM where a page
   fault costs ~15-40 us, more than the job itself. Here the zygote touches a few static buffers
   and its C stack; Python runs again only in the child, which returns from serve() to run the
   candidate (runner.py).

   The cycle itself (receive, fork, supervise, sweep, reply; SECURITY.md "The fast path") is
   testsuites/native/zygote_cycle.h, which the JavaScript fork server's addon shares; this file
   is its Python side: two descriptors per job (the candidate's code, the runner's end of the
   channel to the judge), the child's descriptors, CPython's fork hooks and serve().

   Anything unexpected from the supervisor (a malformed frame, a failed pipe or fork) raises in
   Python: the zygote exits and the supervisor replaces the jail. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define JOB_FDS 2
#include "../native/zygote_cycle.h"

/* ---------- zygote_cycle.h's hooks: the child's descriptors, CPython's fork hooks ---------- */

/* The job's two descriptors as 3 and 4, every descriptor above them closed. */
static void place_job_descriptors(const int* high) {
    for (int i = 0; i < JOB_FDS; i++)
        if (dup2(high[i], 3 + i) < 0) _exit(CHILD_FAILED);
    close_from(3 + JOB_FDS);
}

static void before_fork(void) {
    PyOS_BeforeFork();
}

static void after_fork_child(void) {
    PyOS_AfterFork_Child();
}

static void after_fork_parent(void) {
    PyOS_AfterFork_Parent();
}

/* serve(control_fd, scratch_dirs, keep_bytes): the runner zygote's loop. Returns None when the
   supervisor hung up or said exit; in a job's child returns (3, 4), the candidate's code and
   the channel to the judge, for runner.main. */
static PyObject* serve(PyObject* self, PyObject* args) {
    (void)self;
    int control;
    PyObject* dirs;
    Py_ssize_t keep;
    if (!PyArg_ParseTuple(args, "iO!n", &control, &PyTuple_Type, &dirs, &keep)) return NULL;
    if (!zygote.ready) {
        Py_ssize_t count = PyTuple_GET_SIZE(dirs);
        if (count > MAX_SCRATCH || keep <= 0 || keep > KEEP_MAX) {
            PyErr_SetString(PyExc_ValueError, "serve: bad scratch list or keep_bytes");
            return NULL;
        }
        zygote.control = control;
        zygote.keep = (size_t)keep;
        zygote.scratch_count = (int)count;
        for (Py_ssize_t i = 0; i < count; i++) {
            const char* dir = PyUnicode_AsUTF8(PyTuple_GET_ITEM(dirs, i));
            if (dir == NULL) return NULL;
            if (strlen(dir) >= sizeof zygote.scratch[i]) {
                PyErr_SetString(PyExc_ValueError, "serve: scratch path too long");
                return NULL;
            }
            strcpy(zygote.scratch[i], dir);
            if (note_scratch((int)i) != 0)
                return PyErr_SetFromErrnoWithFilename(PyExc_OSError, dir);
        }
        if (getrlimit(RLIMIT_CPU, &zygote.hard_cpu) != 0 ||
            getrlimit(RLIMIT_AS, &zygote.hard_as) != 0)
            return PyErr_SetFromErrno(PyExc_OSError);
        read_own_state(&zygote.start, control);
        zygote.ready = 1;
    } else if (control != zygote.control) {
        PyErr_SetString(PyExc_ValueError, "serve: another control descriptor");
        return NULL;
    }

    struct job job;
    switch (serve_jobs(&job)) {
    case CYCLE_DONE:
        Py_RETURN_NONE;
    case CYCLE_CHILD:
        return Py_BuildValue("(ii)", 3, 4);
    case CYCLE_MALFORMED_FRAME:
        PyErr_SetString(PyExc_ValueError, "serve: malformed job frame");
        return NULL;
    default: /* receiving, running the job or replying failed */
        return PyErr_SetFromErrno(PyExc_OSError);
    }
}

static PyMethodDef methods[] = {
    {"serve", serve, METH_VARARGS,
     "serve(control_fd, scratch_dirs, keep_bytes): the runner zygote's job loop (see the "
     "module's source). None at the end; (3, 4) in a job's child."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT,
                                    "zygote_native",
                                    "The runner zygote's job cycle in C.",
                                    -1,
                                    methods,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

PyMODINIT_FUNC PyInit_zygote_native(void) {
    return PyModule_Create(&module);
}
