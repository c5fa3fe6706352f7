/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device access on cgroup v2: compile linux.resources.devices into a
 * BPF_PROG_TYPE_CGROUP_DEVICE program and attach it to the container's
 * directory with bpf(2) directly. Not libbpf: the program is built by hand
 * either way, and linking libbpf (with libelf and zlib) costs every call of
 * hutch about 0.25 ms of CPU in the loader, a quarter of a `state`. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The program sees struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
 * u32 minor; } in r1, where access_type = (BPF_DEVCG_ACC_* << 16) |
 * BPF_DEVCG_DEV_*. It returns 1 to allow, 0 to deny. Rules are tried from the
 * last to the first and the first match decides, which gives the "later rule
 * wins" order of the v1 devices.allow/deny writes; nothing matching is a deny.
 * An allow rule matches when every requested access is in its set, a deny rule
 * when any requested access is in its set. */

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, o)    INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_K(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s)     INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i)     INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JMP_K(op, d, i)   INSN(BPF_JMP | (op) | BPF_K, d, 0, -1, i) /* off patched later */
#define EXIT()            INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct prog {
	struct bpf_insn *insns;
	size_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->insns = xrealloc(p->insns, (p->n + 1) * sizeof(*p->insns));
	p->insns[p->n++] = insn;
}

static int access_bits(const char *access, int *ret)
{
	int bits = 0;

	for (const char *c = access; *c; c++) {
		if (*c == 'r')
			bits |= BPF_DEVCG_ACC_READ;
		else if (*c == 'w')
			bits |= BPF_DEVCG_ACC_WRITE;
		else if (*c == 'm')
			bits |= BPF_DEVCG_ACC_MKNOD;
		else
			return -1;
	}
	*ret = bits;
	return 0;
}

/* Emit one rule; *matches_all tells the caller earlier rules are unreachable. */
static int emit_rule(struct prog *p, const struct spec_device_cgroup *d, bool *matches_all,
                     struct hutch_error **err)
{
	const char *type = d->type && *d->type ? d->type : "a";
	const char *access = d->access && *d->access ? d->access : "rwm";
	const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
	size_t start = p->n;
	int bits;

	if (access_bits(access, &bits) < 0)
		return herr_msg(err, "invalid device access \"%s\"", access);
	if (strcmp(type, "c") == 0)
		emit(p, JMP_K(BPF_JNE, 2, BPF_DEVCG_DEV_CHAR));
	else if (strcmp(type, "b") == 0)
		emit(p, JMP_K(BPF_JNE, 2, BPF_DEVCG_DEV_BLOCK));
	else if (strcmp(type, "a") != 0)
		return herr_msg(err, "invalid device type \"%s\"", type);
	if (bits != all) {
		emit(p, MOV32_X(1, 3));
		if (d->allow) {
			emit(p, ALU32_K(BPF_AND, 1, ~bits & all));
			emit(p, JMP_K(BPF_JNE, 1, 0));
		} else {
			emit(p, ALU32_K(BPF_AND, 1, bits));
			emit(p, JMP_K(BPF_JEQ, 1, 0));
		}
	}
	if (d->major.set && d->major.value >= 0)
		emit(p, JMP_K(BPF_JNE, 4, (int32_t)d->major.value));
	if (d->minor.set && d->minor.value >= 0)
		emit(p, JMP_K(BPF_JNE, 5, (int32_t)d->minor.value));
	*matches_all = p->n == start && (d->allow || bits == all);
	emit(p, MOV64_K(0, d->allow ? 1 : 0));
	emit(p, EXIT());
	/* every "no match" jump lands just after this block */
	for (size_t i = start; i < p->n; i++)
		if (BPF_CLASS(p->insns[i].code) == BPF_JMP && p->insns[i].off == -1)
			p->insns[i].off = (int16_t)(p->n - i - 1);
	return 0;
}

int cg_bpf_devices_compile(const struct spec_device_cgroup *rules, size_t n, void **ret_insns,
                           size_t *ret_n, struct hutch_error **err)
{
	struct prog p = {0};
	bool matches_all = false;

	emit(&p, LDX_W(2, 1, 0));
	emit(&p, ALU32_K(BPF_AND, 2, 0xffff)); /* r2: device type */
	emit(&p, LDX_W(3, 1, 0));
	emit(&p, ALU32_K(BPF_RSH, 3, 16)); /* r3: requested access */
	emit(&p, LDX_W(4, 1, 4));          /* r4: major */
	emit(&p, LDX_W(5, 1, 8));          /* r5: minor */
	for (size_t i = n; i-- > 0 && !matches_all;) {
		if (emit_rule(&p, &rules[i], &matches_all, err) < 0) {
			free(p.insns);
			return herr_prefix(err, "[%zu]", i);
		}
	}
	if (!matches_all) {
		emit(&p, MOV64_K(0, 0));
		emit(&p, EXIT());
	}
	*ret_insns = p.insns;
	*ret_n = p.n;
	return 0;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load_attempt(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uintptr_t) "GPL";
	if (log) {
		attr.log_buf = (uintptr_t)log;
		attr.log_size = (uint32_t)log_size;
		attr.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

/* The verifier's reason for a refusal: the last line of its log that is
 * not the closing statistics ("processed N insns ..."). */
static const char *log_reason(char *log)
{
	char *reason = NULL;

	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
		if (strncmp(line, "processed ", 10) != 0)
			reason = line;
	return reason ? reason : "no message";
}

int cg_bpf_devices_load(const struct bpf_insn *insns, size_t n, struct hutch_error **err)
{
	char log[16384] = "";
	int fd = load_attempt(insns, n, NULL, 0);
	int saved = errno;

	/* Loaded without a verifier log: with one, the verifier formats a line
	 * for every instruction it checks. Only a refused program is loaded
	 * again, with the log, to say why. */
	if (fd >= 0)
		return fd;
	fd = load_attempt(insns, n, log, sizeof(log));
	if (fd >= 0) /* refused once, accepted now: nothing to explain */
		return fd;
	/* ENOSPC: the log overflowed the buffer; the first error is the real one */
	return herr_errno(err, saved, "load the device filter (BPF verifier: %.200s)",
	                  log_reason(log));
}

/* Ids of the device programs attached to cgfd now. */
static int query(int cgfd, uint32_t *ids, uint32_t *n, struct hutch_error **err)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uintptr_t)ids;
	attr.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return herr_errno(err, errno, "query the attached device filters");
	*n = attr.query.prog_cnt;
	return 0;
}

static int attach(int cgfd, int progfd, struct hutch_error **err)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)progfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return herr_errno(err, errno, "attach the device filter");
	return 0;
}

static int detach_id(int cgfd, uint32_t id, struct hutch_error **err)
{
	union bpf_attr attr;
	_cleanup_close_ int fd = -1;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return errno == ENOENT ? 0 : herr_errno(err, errno, "get device filter %u", id);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
		return herr_errno(err, errno, "detach the old device filter %u", id);
	return 0;
}

int cg_bpf_devices_apply(const char *dir, const struct spec_device_cgroup *rules, size_t n,
                         struct hutch_error **err)
{
	_cleanup_free_ void *insns = NULL;
	_cleanup_close_ int cgfd = -1, progfd = -1;
	uint32_t old[64], n_old = 64;
	size_t n_insns;

	if (cg_bpf_devices_compile(rules, n, &insns, &n_insns, err) < 0)
		return -1;
	cgfd = openat(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return herr_errno(err, errno, "open %s", dir);
	if (query(cgfd, old, &n_old, err) < 0)
		return -1;
	if (n_old > 64)
		n_old = 64;
	progfd = cg_bpf_devices_load(insns, n_insns, err);
	if (progfd < 0)
		return -1;
	/* Attach the new program before detaching the old ones, so there is no
	 * moment without a filter. */
	if (attach(cgfd, progfd, err) < 0)
		return -1;
	for (uint32_t i = 0; i < n_old; i++)
		if (detach_id(cgfd, old[i], err) < 0)
			return -1;
	return 0;
}
