/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources.devices on the v1 devices controller. The rules are played
 * on a model of the kernel's list; when the cgroup is already default-deny
 * (as after create), only the difference is written, allows first, so an
 * `update` never leaves a moment where /dev/null and friends are refused. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

enum { ACC_R = 1, ACC_W = 2, ACC_M = 4, ACC_ALL = 7 };

struct dev_ex {
	char type;              /* 'b' or 'c' */
	long long major, minor; /* -1: any */
	int access;
};

struct dev_state {
	bool default_allow;
	size_t n;
	struct dev_ex ex[256];
};

static int parse_access(const char *s)
{
	int a = 0;

	for (; *s; s++)
		a |= *s == 'r' ? ACC_R : *s == 'w' ? ACC_W : *s == 'm' ? ACC_M : 0x100;
	return a;
}

static const char *access_str(int a, char buf[static 4])
{
	char *p = buf;

	if (a & ACC_R)
		*p++ = 'r';
	if (a & ACC_W)
		*p++ = 'w';
	if (a & ACC_M)
		*p++ = 'm';
	*p = '\0';
	return buf;
}

static struct dev_ex *find(struct dev_state *s, const struct dev_ex *e)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ex[i].type == e->type && s->ex[i].major == e->major &&
		    s->ex[i].minor == e->minor)
			return &s->ex[i];
	return NULL;
}

/* The kernel's devcgroup semantics: "a" resets to default allow/deny; a rule
 * of the default's kind removes access from an exception; the other kind adds
 * (merges) an exception. */
static int model_rule(struct dev_state *s, const struct spec_device_cgroup *d,
                      struct hutch_error **err)
{
	const char *type = d->type && *d->type ? d->type : "a";
	struct dev_ex e = {.type = type[0],
	                   .major = d->major.set && d->major.value >= 0 ? d->major.value : -1,
	                   .minor = d->minor.set && d->minor.value >= 0 ? d->minor.value : -1,
	                   .access = parse_access(d->access && *d->access ? d->access : "rwm")};
	struct dev_ex *cur;

	if (strlen(type) != 1 || !strchr("abc", type[0]))
		return herr_msg(err, "invalid device type \"%s\"", type);
	if (e.access & ~ACC_ALL)
		return herr_msg(err, "invalid device access \"%s\"", d->access);
	if (e.type == 'a') {
		s->default_allow = d->allow;
		s->n = 0;
		return 0;
	}
	cur = find(s, &e);
	if (d->allow == s->default_allow) {
		if (cur && !(cur->access &= ~e.access))
			*cur = s->ex[--s->n];
		return 0;
	}
	if (cur) {
		cur->access |= e.access;
		return 0;
	}
	if (s->n == sizeof(s->ex) / sizeof(s->ex[0]))
		return herr_msg(err, "too many device rules");
	s->ex[s->n++] = e;
	return 0;
}

/* The kernel's current list: only exact when it is default-deny (a default-
 * allow cgroup shows just "a *:* rwm"). Returns false when not usable. */
static bool read_current(const char *dir, struct dev_state *s)
{
	_cleanup_free_ char *text = NULL;
	struct hutch_error *e = NULL;

	if (cg_read(dir, "devices.list", &text, &e) < 0) {
		herr_free(e);
		return false;
	}
	s->default_allow = false;
	s->n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char type, maj[24], min[24], acc[8];
		if (sscanf(line, "%c %23[^:]:%23s %7s", &type, maj, min, acc) != 4 || type == 'a' ||
		    s->n == sizeof(s->ex) / sizeof(s->ex[0]))
			return false;
		s->ex[s->n++] = (struct dev_ex){.type = type,
		                                .major = *maj == '*' ? -1 : atoll(maj),
		                                .minor = *min == '*' ? -1 : atoll(min),
		                                .access = parse_access(acc)};
	}
	return true;
}

/* One exception to devices.allow or devices.deny. *fd keeps the file open
 * across calls (one open for a dozen rules, not one each). */
static int write_ex(const char *dir, const char *file, int *fd, const struct dev_ex *e, int access,
                    struct hutch_error **err)
{
	char maj[24] = "*", min[24] = "*", acc[4], line[64];

	if (e->major >= 0)
		snprintf(maj, sizeof(maj), "%lld", e->major);
	if (e->minor >= 0)
		snprintf(min, sizeof(min), "%lld", e->minor);
	snprintf(line, sizeof(line), "%c %s:%s %s", e->type, maj, min, access_str(access, acc));
	if (*fd < 0 && (*fd = cg_open_write(dir, file, err)) < 0)
		return -1;
	return cg_write_fd(*fd, dir, file, line, err);
}

/* Write the whole list: reset, then every exception. */
static int write_all(const char *dir, const struct dev_state *want, struct hutch_error **err)
{
	const char *file = want->default_allow ? "devices.deny" : "devices.allow";
	_cleanup_close_ int fd = -1;

	if (cg_write(dir, want->default_allow ? "devices.allow" : "devices.deny", "a", err) < 0)
		return -1;
	for (size_t i = 0; i < want->n; i++)
		if (write_ex(dir, file, &fd, &want->ex[i], want->ex[i].access, err) < 0)
			return -1;
	return 0;
}

static int write_diff(const char *dir, struct dev_state *cur, struct dev_state *want,
                      struct hutch_error **err)
{
	_cleanup_close_ int allow = -1, deny = -1;

	for (size_t i = 0; i < want->n; i++) {
		const struct dev_ex *c = find(cur, &want->ex[i]);
		int add = want->ex[i].access & ~(c ? c->access : 0);
		if (add && write_ex(dir, "devices.allow", &allow, &want->ex[i], add, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct dev_ex *w = find(want, &cur->ex[i]);
		int drop = cur->ex[i].access & ~(w ? w->access : 0);
		if (drop && write_ex(dir, "devices.deny", &deny, &cur->ex[i], drop, err) < 0)
			return -1;
	}
	return 0;
}

int cg_v1_devices(const char *dir, const struct spec_resources *r, struct hutch_error **err)
{
	_cleanup_free_ struct dev_state *want = xcalloc(1, sizeof(*want));
	_cleanup_free_ struct dev_state *cur = xcalloc(1, sizeof(*cur));

	/* a fresh v1 cgroup inherits its parent's list; model from "allow all" */
	want->default_allow = true;
	for (size_t i = 0; i < r->n_devices; i++)
		if (model_rule(want, &r->devices[i], err) < 0)
			return herr_prefix(err, "[%zu]", i);
	if (!want->default_allow && read_current(dir, cur))
		return write_diff(dir, cur, want, err);
	return write_all(dir, want, err);
}
