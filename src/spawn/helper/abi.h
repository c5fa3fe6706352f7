/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How the runtime tells the container's helper program (helper.c) what to do:
 * its argv, and the layout of the seccomp program it loads. Plain C with no
 * libc: both sides include it.
 *
 *   argv: HELPER_ARGV0 [-s FD] [-w FD | -k FD] [-e FD] [-f FD] [-c E:P:I:A]
 *         -- PATH ARG0 [ARG...]
 *
 *   -s FD   the sync socket: send SYNC_READY on it, then close it
 *   -w FD   exec.fifo's read end: wait for `start`'s byte, keep it open until
 *           the execve (start waits for the last reader to go)
 *   -k FD   exec.fifo's read end, already released: only keep it open
 *   -e FD   start.err: where a failure is reported (as well as on stderr)
 *   -f FD   a sealed memfd holding the seccomp program (struct
 *           helper_bpf_header + instructions) to load right before execve
 *   -c ...  capability sets to restore before execve, four hex numbers
 *           (effective, permitted, inheritable, ambient): see child.c
 *   PATH    the executable, already resolved; ARG0... its argv
 *
 * Every FD is a plain number, open without close-on-exec in the helper; the
 * helper marks them close-on-exec (or closes them) before its execve. The
 * environment is the program's. Anything else - another argv[0], an unknown
 * option, a missing "--" - makes the helper exit 126 with a message. */
#ifndef HUTCH_SPAWN_HELPER_ABI_H
#define HUTCH_SPAWN_HELPER_ABI_H

#include <stdint.h>

#define HELPER_ARGV0 "hutch-init"

#define HELPER_BPF_MAGIC 0x68627066u /* "hbpf" */
#define HELPER_BPF_MAX   4096        /* BPF_MAXINSNS */

struct helper_bpf_header {
	uint32_t magic;
	uint32_t flags; /* for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...) */
	uint32_t len;   /* instructions (struct sock_filter, 8 bytes each) that follow */
	uint32_t reserved;
};

#endif
