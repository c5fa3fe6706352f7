/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capability names -> sets (libcap), and the bounding/keep-caps/capset/ambient
 * steps the init runs around its uid change. */
#include "linux/caps.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP_BIT(c) (UINT64_C(1) << (c))

static int last_cap = -1;

/* The bounding set as caps_drop_bounding left it: known without reading it
 * back capability by capability. */
static uint64_t bset_after;
static bool bset_known;

int caps_last_cap(void)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct hutch_error *ignored = NULL;
	long long v;

	if (last_cap >= 0)
		return last_cap;
	/* libcap found it at start-up (PR_CAPBSET_READ refuses values past the
	 * kernel's last capability): the same number as cap_last_cap, without
	 * reading /proc */
	if (cap_max_bits() > 0 && cap_max_bits() <= 64)
		return last_cap = (int)cap_max_bits() - 1;
	if (fs_read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &buf, NULL, &ignored) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (str_to_i64(buf, &v) == 0 && v >= 0 && v < 64)
			last_cap = (int)v;
	}
	return last_cap;
}

/* "CAP_CHOWN" for capability value v, in a caller buffer. */
static const char *cap_name(int v, char buf[64])
{
	char *n = cap_to_name((cap_value_t)v);

	if (!n) {
		snprintf(buf, 64, "capability %d", v);
		return buf;
	}
	snprintf(buf, 64, "%s", n);
	cap_free(n);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return buf;
}

static void parse_list(char **names, const char *set, int last, uint64_t *ret)
{
	*ret = 0;
	strv_foreach (n, names) {
		cap_value_t v;

		if (!str_has_prefix(*n, "CAP_") || cap_from_name(*n, &v) < 0) {
			log_warn(
			    "config.json: .process.capabilities.%s: ignoring unknown capability %s",
			    set, *n);
			continue;
		}
		if (v < 0 || v > last) {
			log_warn("config.json: .process.capabilities.%s: ignoring %s: not "
			         "supported by this kernel",
			         set, *n);
			continue;
		}
		*ret |= CAP_BIT(v);
	}
}

int caps_parse(const struct spec_capabilities *c, struct caps_set *ret, struct hutch_error **err)
{
	int last = caps_last_cap();

	memset(ret, 0, sizeof(*ret));
	if (last < 0)
		return herr_msg(err, "cannot determine the kernel's capability count");
	if (!c)
		return 0;
	parse_list(c->effective, "effective", last, &ret->effective);
	parse_list(c->bounding, "bounding", last, &ret->bounding);
	parse_list(c->inheritable, "inheritable", last, &ret->inheritable);
	parse_list(c->permitted, "permitted", last, &ret->permitted);
	parse_list(c->ambient, "ambient", last, &ret->ambient);
	return 0;
}

static uint64_t read_bounding(int last)
{
	uint64_t bset = 0;

	if (bset_known)
		return bset_after;
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bset |= CAP_BIT(c);
	return bset;
}

/* PR_CAPBSET_DROP changes one capability per call (each a new set of
 * credentials), and dropping one the set lacks is a no-op: so the set is not
 * read first, only the requested capabilities are checked. */
int caps_drop_bounding(const struct caps_set *set, struct hutch_error **err)
{
	int last = caps_last_cap();
	uint64_t kept = 0;
	char name[64];

	for (int c = 0; c <= last; c++) {
		if (set->bounding & CAP_BIT(c)) {
			if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
				kept |= CAP_BIT(c);
			else
				log_warn("config.json: .process.capabilities.bounding: %s is not "
				         "available to "
				         "this runtime; it stays dropped",
				         cap_name(c, name));
			continue;
		}
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0)
			continue;
		int e = errno;
		/* without CAP_SETPCAP: fine if it is gone already */
		if (e != EPERM || prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 0)
			return herr_errno(err, e, "drop %s from the bounding set",
			                  cap_name(c, name));
	}
	bset_after = kept;
	bset_known = true;
	return 0;
}

int caps_keep_on_setuid(bool keep, struct hutch_error **err)
{
	if (prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0)
		return herr_errno(err, errno, "prctl PR_SET_KEEPCAPS %d", keep ? 1 : 0);
	return 0;
}

/* capget(2)/capset(2) of this process, all three sets in one call each. */
static int read_proc_caps(int last, uint64_t *p, uint64_t *i, uint64_t *e)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	uint64_t all = last >= 63 ? ~UINT64_C(0) : CAP_BIT(last + 1) - 1;

	memset(d, 0, sizeof(d));
	*p = *i = *e = 0;
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*p = (d[0].permitted | (uint64_t)d[1].permitted << 32) & all;
	*i = (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & all;
	*e = (d[0].effective | (uint64_t)d[1].effective << 32) & all;
	return 0;
}

static int write_proc_caps(uint64_t e, uint64_t p, uint64_t i)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
	    {.effective = (uint32_t)e, .permitted = (uint32_t)p, .inheritable = (uint32_t)i},
	    {.effective = (uint32_t)(e >> 32),
	     .permitted = (uint32_t)(p >> 32),
	     .inheritable = (uint32_t)(i >> 32)},
	};

	return (int)syscall(SYS_capset, &h, d);
}

static void warn_missing(const char *set, uint64_t wanted, uint64_t allowed, int last)
{
	char name[64];

	for (int c = 0; c <= last; c++)
		if ((wanted & CAP_BIT(c)) && !(allowed & CAP_BIT(c)))
			log_warn("config.json: .process.capabilities.%s: cannot grant %s; leaving "
			         "it out",
			         set, cap_name(c, name));
}

/* Restrict the requested sets to what capset(2) will accept from this process
 * (capabilities(7), "Programmatically adjusting capability sets"). */
static void grantable(const struct caps_set *want, int last, struct caps_set *ret)
{
	uint64_t p, i, e, bset = read_bounding(last);
	uint64_t inh_ok;

	*ret = *want;
	if (read_proc_caps(last, &p, &i, &e) < 0)
		return; /* let capset report the problem */
	inh_ok = i | bset;
	if (!(e & CAP_BIT(CAP_SETPCAP)))
		inh_ok &= i | p;
	ret->permitted &= p;
	ret->effective &= ret->permitted;
	ret->inheritable &= inh_ok;
	warn_missing("permitted", want->permitted, ret->permitted, last);
	warn_missing("effective", want->effective, ret->effective, last);
	warn_missing("inheritable", want->inheritable, ret->inheritable, last);
}

/* The kernel raises an ambient capability only if it is both permitted and
 * inheritable (capabilities(7), "Ambient capability set"): one that the
 * granted sets do not hold is left out with a debug line, not a warning, as
 * runc does - either the config itself does not list it in both (a default
 * config from older `runc spec` lists ambient capabilities without
 * inheritable ones), or permitted/inheritable already warned about it. */
static int apply_ambient(uint64_t ambient, uint64_t possible, int last, struct hutch_error **err)
{
	char name[64];

	/* EINVAL: a kernel without ambient capabilities (< 4.3); nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return herr_errno(err, errno, "clear the ambient capability set");
	for (int c = 0; c <= last; c++) {
		if (!(ambient & CAP_BIT(c)))
			continue;
		if (!(possible & CAP_BIT(c))) {
			log_debug("config.json: .process.capabilities.ambient: %s is not both "
			          "permitted and "
			          "inheritable; not raised",
			          cap_name(c, name));
			continue;
		}
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			log_warn("config.json: .process.capabilities.ambient: cannot raise %s: %s",
			         cap_name(c, name), strerror(errno));
	}
	return 0;
}

int caps_apply(const struct caps_set *set, struct hutch_error **err)
{
	int last = caps_last_cap();
	struct caps_set ok;

	grantable(set, last, &ok);
	if (write_proc_caps(ok.effective, ok.permitted, ok.inheritable) < 0)
		return herr_errno(err, errno,
		                  "capset (effective %#llx, permitted %#llx, "
		                  "inheritable %#llx)",
		                  (unsigned long long)ok.effective,
		                  (unsigned long long)ok.permitted,
		                  (unsigned long long)ok.inheritable);
	return apply_ambient(set->ambient, ok.permitted & ok.inheritable, last, err);
}

const char *const *caps_known_names(void)
{
	static char *names[CAP_LAST_CAP + 2];

	if (!names[0]) {
		for (int v = 0; v <= CAP_LAST_CAP; v++) {
			char buf[64];
			names[v] = xstrdup(cap_name(v, buf));
		}
	}
	return (const char *const *)names;
}

static uint64_t read_ambient(int last)
{
	uint64_t a = 0;

	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			a |= CAP_BIT(c);
	return a;
}

static int set_sets(uint64_t e, uint64_t p, uint64_t i, struct hutch_error **err)
{
	return write_proc_caps(e, p, i) < 0 ? herr_errno(err, errno, "capset") : 0;
}

int caps_exec_bridge(uint64_t restore[4], bool *ret_needed, struct hutch_error **err)
{
	int last = caps_last_cap();
	uint64_t p, i, e, a, carry;
	char name[64];

	*ret_needed = false;
	/* root keeps bounding|inheritable across any execve; without
	 * no_new_privs the permitted set before an execve plays no part */
	if (getuid() == 0 || geteuid() == 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 0;
	if (read_proc_caps(last, &p, &i, &e) < 0)
		return herr_errno(err, errno, "read the capability sets");
	a = read_ambient(last);
	carry = p & (read_bounding(last) | i) & ~a;
	if (!carry)
		return 0;
	restore[0] = e & (a | carry);
	restore[1] = p & (a | carry);
	restore[2] = i;
	restore[3] = a;
	if (set_sets(e, p, i | carry, err) < 0)
		return herr_prefix(err, "carry capabilities through the helper's execve");
	for (int c = 0; c <= last; c++)
		if ((carry & CAP_BIT(c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return herr_errno(err, errno, "carry %s through the helper's execve",
			                  cap_name(c, name));
	*ret_needed = true;
	return 0;
}
