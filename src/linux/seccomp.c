/* SPDX-License-Identifier: GPL-2.0-or-later */
/* .linux.seccomp: compile with libseccomp in the runtime, load the BPF with
 * seccomp(2) in the container init; features.json and version reporting. */
#include "linux/seccomp.h"
#include "linux/seccomp_internal.h"
#include "spec/names.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ORIGIN "config.json: .linux.seccomp"

/* Flags newer than some uapi headers */
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static void seccomp_ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_scmp_ __attribute__((cleanup(seccomp_ctx_releasep)))

static int sys_seccomp(unsigned int op, unsigned int flags, void *args)
{
	return (int)syscall(SYS_seccomp, op, flags, args);
}

/* --- values ------------------------------------------------------------ */

/* spec/names.h keeps actions and architectures as libseccomp's values; those
 * are the kernel's SECCOMP_RET_* and AUDIT_ARCH_*, which kernel_has_action
 * and the ENOSYS stub rely on. */
_Static_assert(SCMP_ACT_KILL_PROCESS == SECCOMP_RET_KILL_PROCESS &&
                   SCMP_ACT_KILL_THREAD == SECCOMP_RET_KILL_THREAD &&
                   SCMP_ACT_TRAP == SECCOMP_RET_TRAP && SCMP_ACT_ERRNO(0) == SECCOMP_RET_ERRNO &&
                   SCMP_ACT_TRACE(0) == SECCOMP_RET_TRACE && SCMP_ACT_LOG == SECCOMP_RET_LOG &&
                   SCMP_ACT_ALLOW == SECCOMP_RET_ALLOW && SCMP_ACT_NOTIFY == SECCOMP_RET_USER_NOTIF,
               "libseccomp's actions are the kernel's return values");

static bool takes_errno(uint32_t action)
{
	return action == SCMP_ACT_ERRNO(0) || action == SCMP_ACT_TRACE(0);
}

/* Does the libseccomp in use know the architecture token? */
static bool arch_known(scmp_filter_ctx ctx, uint32_t token)
{
	return ctx && seccomp_arch_exist(ctx, token) != -EINVAL;
}

/* The kernel knows a flag when it gets past flag validation to copying the
 * (NULL) program: EFAULT. Unknown flags give EINVAL. Nothing is installed. */
static bool kernel_has_flag(unsigned int flag)
{
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER; /* only valid together */
	return sys_seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* EOPNOTSUPP: the kernel lacks the action. Kernels before 4.14 do not know
 * the query (EINVAL); libseccomp's own probing then refuses what is missing. */
static bool kernel_has_action(uint32_t ret_action)
{
	return sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &ret_action) == 0 || errno != EOPNOTSUPP;
}

/* --- compile ----------------------------------------------------------- */

/* path: e.g. ".defaultAction" / ".syscalls[3]"; errno_key: the JSON key of the
 * errno value ("defaultErrnoRet" / "errnoRet"). */
static int resolve_action(uint32_t action, const struct opt_u64 *errno_ret, const char *path,
                          const char *action_key, const char *errno_key, uint32_t *ret,
                          struct hutch_error **err)
{
	const char *name = spec_name_of(&spec_seccomp_actions, action);

	if (!kernel_has_action(action))
		return herr_msg(err, ORIGIN "%s.%s: %s is not supported by this kernel", path,
		                action_key, name);
	if (!takes_errno(action)) {
		if (errno_ret->set)
			return herr_msg(err, ORIGIN "%s.%s: %s does not take an errno value", path,
			                errno_key, name);
		*ret = action;
		return 0;
	}
	if (errno_ret->set && errno_ret->value > 0xffff)
		return herr_msg(err, ORIGIN "%s.%s: %llu is out of range (0-65535)", path,
		                errno_key, (unsigned long long)errno_ret->value);
	*ret = action | (uint32_t)(errno_ret->set ? errno_ret->value : EPERM);
	return 0;
}

static bool action_refuses(uint32_t act)
{
	uint32_t kind = act & SECCOMP_RET_ACTION_FULL;

	return kind != SECCOMP_RET_ALLOW && kind != SECCOMP_RET_LOG && kind != SECCOMP_RET_TRACE;
}

static int add_architectures(scmp_filter_ctx ctx, const struct spec_seccomp *s,
                             struct seccomp_arch_max *archs, size_t *n_archs,
                             struct hutch_error **err)
{
	archs[(*n_archs)++] = (struct seccomp_arch_max){seccomp_arch_native(), 0};
	for (size_t i = 0; i < s->n_architectures; i++) {
		uint32_t tok = s->architectures[i];
		const char *name = spec_name_of(&spec_seccomp_archs, tok);
		int r;

		if (!arch_known(ctx, tok))
			return herr_msg(err,
			                ORIGIN ".architectures[%zu]: architecture \"%s\" is not "
			                       "supported by libseccomp %s",
			                i, name, seccomp_version_string());
		r = seccomp_arch_add(ctx, tok);
		if (r == -EEXIST) /* the native one, or listed twice */
			continue;
		if (r < 0)
			return herr_errno(err, -r, ORIGIN ".architectures[%zu]: add \"%s\"", i,
			                  name);
		archs[(*n_archs)++] = (struct seccomp_arch_max){tok, 0};
	}
	return 0;
}

static int resolve_flags(const struct spec_seccomp *s, unsigned int *ret, struct hutch_error **err)
{
	*ret = 0;
	for (size_t i = 0; i < s->n_flags; i++) {
		if (!kernel_has_flag(s->flags[i]))
			return herr_msg(err,
			                ORIGIN ".flags[%zu]: %s is not supported by this kernel", i,
			                spec_name_of(&spec_seccomp_flags, s->flags[i]));
		*ret |= s->flags[i];
	}
	return 0;
}

static int resolve_args(const struct spec_seccomp_syscall *sc, size_t idx, struct scmp_arg_cmp *cmp,
                        bool *ret_same_index, struct hutch_error **err)
{
	unsigned int seen = 0;

	*ret_same_index = false;
	for (size_t k = 0; k < sc->n_args; k++) {
		const struct spec_seccomp_arg *a = &sc->args[k];

		if (a->index > 5)
			return herr_msg(
			    err, ORIGIN ".syscalls[%zu].args[%zu].index: %u is out of range (0-5)",
			    idx, k, a->index);
		if (seen & (1u << a->index))
			*ret_same_index = true;
		seen |= 1u << a->index;
		cmp[k] = (struct scmp_arg_cmp){.arg = a->index,
		                               .op = (enum scmp_compare)a->op,
		                               .datum_a = a->value,
		                               .datum_b = a->valueTwo};
	}
	return 0;
}

static bool notify_forbidden(const char *name)
{
	/* The init passes the listener fd up with sendmsg and reports errors with
	 * write; notifying those would wait for an agent that has no fd yet. */
	return strcmp(name, "write") == 0 || strcmp(name, "sendmsg") == 0;
}

/* Add the rules for syscalls[idx], one name at a time. */
static int add_syscall(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *sc, size_t idx,
                       uint32_t def_act, bool *notify, struct hutch_error **err)
{
	_cleanup_free_ struct scmp_arg_cmp *cmp = xcalloc(sc->n_args, sizeof(*cmp));
	char path[40];
	bool same_index;
	uint32_t act;
	size_t j = 0;

	snprintf(path, sizeof(path), ".syscalls[%zu]", idx);
	if (resolve_action(sc->action, &sc->errnoRet, path, "action", "errnoRet", &act, err) < 0 ||
	    resolve_args(sc, idx, cmp, &same_index, err) < 0)
		return -1;
	/* API level 5: libseccomp and the kernel both support user notification */
	if (act == SCMP_ACT_NOTIFY && seccomp_api_get() < 5)
		return herr_msg(err,
		                ORIGIN ".syscalls[%zu].action: SCMP_ACT_NOTIFY needs Linux >= 5.0 "
		                       "and libseccomp >= 2.5",
		                idx);
	strv_foreach (name, sc->names) {
		int nr = seccomp_syscall_resolve_name(*name), r = 0;

		if (act == SCMP_ACT_NOTIFY && notify_forbidden(*name))
			return herr_msg(err,
			                ORIGIN ".syscalls[%zu].names[%zu]: SCMP_ACT_NOTIFY cannot "
			                       "be used for the %s syscall (the container's setup "
			                       "uses it before the agent has the listener fd)",
			                idx, j, *name);
		j++;
		if (act == def_act) /* libseccomp refuses rules that repeat the default */
			continue;
		if (nr == __NR_SCMP_ERROR) {
			log_debug("seccomp: unknown syscall \"%s\" ignored", *name);
			continue;
		}
		if (same_index) /* the same argument twice: each condition its own rule */
			for (size_t k = 0; k < sc->n_args && r == 0; k++)
				r = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
		else
			r = seccomp_rule_add_array(ctx, act, nr, (unsigned int)sc->n_args, cmp);
		if (r == -EEXIST)
			return herr_msg(err,
			                ORIGIN ".syscalls[%zu]: rule for \"%s\" conflicts with an "
			                       "earlier rule (same arguments, other action)",
			                idx, *name);
		if (r < 0)
			return herr_errno(err, -r, ORIGIN ".syscalls[%zu]: add rule for \"%s\"",
			                  idx, *name);
		if (act == SCMP_ACT_NOTIFY)
			*notify = true;
	}
	return 0;
}

/* For the ENOSYS stub: the highest syscall number any entry names, per arch. */
static void find_max_nrs(const struct spec_seccomp *s, struct seccomp_arch_max *archs, size_t n)
{
	for (size_t a = 0; a < n; a++) {
		archs[a].max_nr = 0;
		for (size_t i = 0; i < s->n_syscalls; i++)
			strv_foreach (name, s->syscalls[i].names) {
				int nr = seccomp_syscall_resolve_name_arch(archs[a].arch, *name);
				if (nr >= 0 && (uint32_t)nr > archs[a].max_nr)
					archs[a].max_nr = (uint32_t)nr;
			}
	}
}

/* libseccomp 2.5 can only export to an fd: go through a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_filter *f, struct hutch_error **err)
{
	_cleanup_close_ int fd = memfd_create("hutch-seccomp-bpf", MFD_CLOEXEC);
	size_t size, done = 0;
	struct stat st;
	int r;

	if (fd < 0)
		return herr_errno(err, errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return herr_errno(err, -r, "seccomp: export BPF");
	if (fstat(fd, &st) < 0)
		return herr_errno(err, errno, "seccomp: stat exported BPF");
	size = (size_t)st.st_size;
	if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > SECCOMP_MAX_INSNS)
		return herr_msg(err,
		                "seccomp: compiled filter has an invalid size (%zu bytes, at most "
		                "%d instructions)",
		                size, SECCOMP_MAX_INSNS);
	f->insns = xmalloc(size);
	while (done < size) {
		ssize_t n = pread(fd, (char *)f->insns + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return herr_errno(err, n < 0 ? errno : EIO, "seccomp: read exported BPF");
		done += (size_t)n;
	}
	f->len = size / sizeof(struct sock_filter);
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct spec_seccomp *s, uint32_t def_act,
                     bool *notify, struct hutch_error **err)
{
	size_t n_names = 0;

	for (size_t i = 0; i < s->n_syscalls; i++) {
		if (add_syscall(ctx, &s->syscalls[i], i, def_act, notify, err) < 0)
			return -1;
		n_names += strv_len(s->syscalls[i].names);
	}
	/* A binary tree of syscall numbers instead of a linear list (runc does
	 * the same above 32 names); libseccomp <= 2.5.4 misgenerates it for an
	 * empty filter, which cannot happen with this many names. */
	if (n_names > 32 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		log_debug("seccomp: binary tree optimization not available");
	return 0;
}

/* Flag adjustments that depend on whether a listener is created. */
static void finish_flags(struct seccomp_filter *f)
{
	if (!f->notify && (f->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)) {
		log_debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored without "
		          "SCMP_ACT_NOTIFY");
		f->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	}
	/* TSYNC with NEW_LISTENER is EINVAL unless failures are reported as ESRCH */
	if (f->notify && (f->flags & SECCOMP_FILTER_FLAG_TSYNC)) {
		if (kernel_has_flag(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
			f->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
		else
			f->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_TSYNC;
	}
}

int seccomp_compile(const struct spec_seccomp *s, struct seccomp_filter **ret,
                    struct hutch_error **err)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = NULL;
	_cleanup_seccomp_filter_ struct seccomp_filter *f = xcalloc(1, sizeof(*f));
	_cleanup_free_ struct seccomp_arch_max *archs =
	    xcalloc(s->n_architectures + 1, sizeof(*archs));
	size_t n_archs = 0;
	uint32_t def_act;

	if (resolve_action(s->defaultAction, &s->defaultErrnoRet, "", "defaultAction",
	                   "defaultErrnoRet", &def_act, err) < 0)
		return -1;
	if (def_act == SCMP_ACT_NOTIFY)
		return herr_msg(err, ORIGIN ".defaultAction: SCMP_ACT_NOTIFY cannot be the default "
		                            "action");
	if (s->listenerMetadata && !s->listenerPath)
		return herr_msg(err, ORIGIN ".listenerMetadata: set without listenerPath");
	if (resolve_flags(s, &f->flags, err) < 0)
		return -1;
	ctx = seccomp_init(def_act);
	if (!ctx)
		return herr_msg(err,
		                ORIGIN ".defaultAction: %s is not supported by libseccomp %s "
		                       "on this kernel",
		                spec_name_of(&spec_seccomp_actions, s->defaultAction),
		                seccomp_version_string());
	if (add_architectures(ctx, s, archs, &n_archs, err) < 0 ||
	    add_rules(ctx, s, def_act, &f->notify, err) < 0)
		return -1;
	if (f->notify && (!s->listenerPath || !*s->listenerPath))
		return herr_msg(err, ORIGIN ".listenerPath: required when SCMP_ACT_NOTIFY is used");
	/* a relative or abstract ("@name") socket would be resolved elsewhere
	 * than the caller meant; runc refuses them too */
	if (f->notify && s->listenerPath[0] != '/')
		return herr_msg(err, ORIGIN ".listenerPath: \"%s\": expected an absolute path",
		                s->listenerPath);
	finish_flags(f);
	if (export_bpf(ctx, f, err) < 0)
		return -1;
	if (action_refuses(def_act)) {
		find_max_nrs(s, archs, n_archs);
		if (seccomp_enosys_patch(f, archs, n_archs, err) < 0)
			return -1;
	}
	*ret = steal_ptr(&f);
	return 0;
}

int seccomp_compile_cached(const struct spec_seccomp *s, const char *cache_dir,
                           struct seccomp_filter **ret, struct hutch_error **err)
{
	char key[SECCOMP_CACHE_KEY_SIZE];

	if (!cache_dir)
		return seccomp_compile(s, ret, err);
	seccomp_cache_key(s, key);
	*ret = seccomp_cache_read(cache_dir, key);
	if (*ret)
		return 0;
	if (seccomp_compile(s, ret, err) < 0)
		return -1;
	seccomp_cache_write(cache_dir, key, *ret);
	return 0;
}

/* --- load (container init) --------------------------------------------- */

int seccomp_filter_load(const struct seccomp_filter *f, int *ret_notify_fd,
                        struct hutch_error **err)
{
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};
	unsigned int flags = f->flags | (f->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	int r;

	*ret_notify_fd = -1;
	r = sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r < 0 && errno == EACCES)
		return herr_errno(err, EACCES,
		                  "seccomp: load filter (needs no_new_privs or "
		                  "CAP_SYS_ADMIN)");
	if (r < 0)
		return herr_errno(err, errno, "seccomp: load filter");
	if (f->notify)
		*ret_notify_fd = r;
	else if (r > 0) /* TSYNC: the thread that could not be synchronised; nothing loaded */
		return herr_msg(err, "seccomp: load filter: thread %d could not be synchronized",
		                r);
	return 0;
}

void seccomp_filter_program(const struct seccomp_filter *f, const void **ret_insns, size_t *ret_len,
                            unsigned int *ret_flags)
{
	*ret_insns = f->insns;
	*ret_len = f->len;
	*ret_flags = f->flags;
}

bool seccomp_filter_uses_notify(const struct seccomp_filter *f)
{
	return f->notify;
}

void seccomp_filter_free(struct seccomp_filter *f)
{
	if (!f)
		return;
	free(f->insns);
	free(f);
}

void seccomp_filter_freep(struct seccomp_filter **f)
{
	seccomp_filter_free(*f);
	*f = NULL;
}

/* --- features and version ---------------------------------------------- */

/* "key": [the names of t that `have` accepts (NULL: all)] */
static void gen_names(json_gen *g, const char *key, const struct spec_names *t,
                      bool (*have)(scmp_filter_ctx, uint32_t), scmp_filter_ctx ctx)
{
	json_gen_string(g, key);
	json_gen_array_open(g);
	for (size_t i = 0; i < t->n; i++)
		if (!have || have(ctx, t->v[i].value))
			json_gen_string(g, t->v[i].name);
	json_gen_array_close(g);
}

static bool flag_supported(scmp_filter_ctx ctx, uint32_t flag)
{
	return kernel_has_flag(flag);
}

void seccomp_features(json_gen *g)
{
	_cleanup_scmp_ scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	json_gen_map_open(g);
	json_gen_kv_bool(g, "enabled", true);
	gen_names(g, "actions", &spec_seccomp_actions, NULL, NULL);
	gen_names(g, "operators", &spec_seccomp_ops, NULL, NULL);
	gen_names(g, "archs", &spec_seccomp_archs, arch_known, ctx);
	gen_names(g, "knownFlags", &spec_seccomp_flags, NULL, NULL);
	gen_names(g, "supportedFlags", &spec_seccomp_flags, flag_supported, NULL);
	json_gen_map_close(g);
}

const char *seccomp_version_string(void)
{
	static char buf[48];

	if (!buf[0]) {
		const struct scmp_version *v = seccomp_version();
		snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
	}
	return buf;
}
