# i386 system call via int 0x80 from machine code built with ctypes: foreign arch, sent to the
# seccomp listener, which names it. On a kernel running without IA32 emulation (some VMs) the
# int 0x80 faults (SIGSEGV) before any system call is made: runtime_error.
# expect: forbidden_syscall|runtime_error
# stdout-lacks: returned
import ctypes, mmap
code = bytes([0xb8, 0x14, 0, 0, 0,   # mov eax, 20 (i386 getpid)
              0xcd, 0x80,            # int 0x80
              0xc3])                 # ret
buf = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
buf.write(code)
addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
fn = ctypes.CFUNCTYPE(ctypes.c_long)(addr)
print("returned", fn())
