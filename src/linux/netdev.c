/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.netDevices over raw rtnetlink: look devices up, save their permanent
 * global addresses, move and rename them into the container's namespace,
 * re-add the addresses there and set the devices up. Raw rtnetlink rather
 * than libmnl: Debian ships libmnl as a shared library only, and the
 * loopback of every container with a network namespace goes through here,
 * so every call of hutch would load one more library for a few messages. */
#include "linux/netdev.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NL_BUF 32768

/* IFA_F_* a caller may ask for when adding an address; the rest are states
 * the kernel computes (tentative, deprecated, secondary, permanent). */
#define ADDR_FLAGS_SETTABLE                                                                        \
	(IFA_F_NODAD | IFA_F_OPTIMISTIC | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR |               \
	 IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN)

struct nl_req {
	struct nlmsghdr h;
	char body[512];
};

struct addr {
	unsigned char family, prefixlen, scope;
	uint32_t flags;
	unsigned char local[16], address[16], broadcast[16];
	size_t local_len, address_len, broadcast_len;
};

struct addr_list {
	int ifindex;
	struct addr *v;
	size_t n;
};

struct link_list {
	int *v;
	size_t n;
};

typedef int (*nl_cb)(const struct nlmsghdr *h, void *ctx);

static uint32_t nl_seq;

static void req_init(struct nl_req *r, uint16_t type, uint16_t flags, const void *hdr,
                     size_t hdr_len)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(hdr_len);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(&r->h), hdr, hdr_len);
}

static void req_attr(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&r->h + NLMSG_ALIGN(r->h.nlmsg_len));

	/* requests here carry a few short attributes; overflowing is a bug */
	if (NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len) > sizeof(*r))
		abort();
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_SPACE(len);
}

/* Handle one received message: 1 when the exchange is over, 0 to go on,
 * -errno on a kernel error. */
static int nl_handle(const struct nlmsghdr *h, uint32_t seq, nl_cb cb, void *ctx)
{
	if (h->nlmsg_seq != seq)
		return 0;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return -EBADMSG;
		return e->error ? e->error : 1;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		int32_t rc = 0;
		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(rc)))
			memcpy(&rc, NLMSG_DATA(h), sizeof(rc));
		return rc < 0 ? rc : 1;
	}
	return cb ? cb(h, ctx) : 0;
}

static bool is_dump(const struct nlmsghdr *h)
{
	return (h->nlmsg_type == RTM_GETLINK || h->nlmsg_type == RTM_GETADDR) &&
	       (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

/* Send a request and read until its ack (or, for a dump, NLMSG_DONE), passing
 * the other replies to cb. Returns 0 or -errno. */
static int nl_exchange(int fd, struct nl_req *r, nl_cb cb, void *ctx)
{
	_cleanup_free_ char *buf = xmalloc(NL_BUF);
	uint32_t seq = ++nl_seq;

	r->h.nlmsg_seq = seq;
	/* NLM_F_DUMP shares bits with NLM_F_CREATE/EXCL/REPLACE: only a GET is a dump */
	if (!is_dump(&r->h))
		r->h.nlmsg_flags |= NLM_F_ACK;
	if (send(fd, r, r->h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		/* MSG_TRUNC: the real length, so a cut reply is an error, not garbage */
		ssize_t len = recv(fd, buf, NL_BUF, MSG_TRUNC);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			return -errno;
		if (len == 0)
			return -EPIPE;
		if (len > NL_BUF)
			return -EMSGSIZE;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len);
		     h = NLMSG_NEXT(h, len)) {
			int rc = nl_handle(h, seq, cb, ctx);
			if (rc != 0)
				return rc < 0 ? rc : 0;
		}
	}
}

static int link_index_cb(const struct nlmsghdr *h, void *ctx)
{
	if (h->nlmsg_type == RTM_NEWLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		*(int *)ctx = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	return 0;
}

/* ifindex of the device called `name` in the socket's namespace, or -errno
 * (-ENODEV when there is none). */
static int link_index(int fd, const char *name)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_req r;
	int index = 0;
	int rc;

	req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	rc = nl_exchange(fd, &r, link_index_cb, &index);
	if (rc < 0)
		return rc;
	return index > 0 ? index : -ENODEV;
}

static int link_list_cb(const struct nlmsghdr *h, void *ctx)
{
	struct link_list *l = ctx;

	if (h->nlmsg_type != RTM_NEWLINK || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return 0;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = ((const struct ifinfomsg *)NLMSG_DATA(h))->ifi_index;
	return 0;
}

static int link_list(int fd, struct link_list *ret)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
	struct nl_req r;

	req_init(&r, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	return nl_exchange(fd, &r, link_list_cb, ret);
}

static void addr_copy(const struct rtattr *a, unsigned char *dst, size_t *ret_len)
{
	size_t len = RTA_PAYLOAD(a);

	if (len > 16)
		return;
	memcpy(dst, RTA_DATA(a), len);
	*ret_len = len;
}

/* Keep the permanent (IFA_F_PERMANENT) global-scope (RT_SCOPE_UNIVERSE)
 * addresses of one device, as runtime-spec asks. */
static int addr_cb(const struct nlmsghdr *h, void *ctx)
{
	struct addr_list *l = ctx;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	struct addr a = {0};
	int len;

	if (h->nlmsg_type != RTM_NEWADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (int)ifa->ifa_index != l->ifindex)
		return 0;
	a.family = ifa->ifa_family;
	a.prefixlen = ifa->ifa_prefixlen;
	a.scope = ifa->ifa_scope;
	a.flags = ifa->ifa_flags;
	len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)));
	for (const struct rtattr *at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len)) {
		if (at->rta_type == IFA_LOCAL)
			addr_copy(at, a.local, &a.local_len);
		else if (at->rta_type == IFA_ADDRESS)
			addr_copy(at, a.address, &a.address_len);
		else if (at->rta_type == IFA_BROADCAST)
			addr_copy(at, a.broadcast, &a.broadcast_len);
		else if (at->rta_type == IFA_FLAGS && RTA_PAYLOAD(at) == sizeof(uint32_t))
			memcpy(&a.flags, RTA_DATA(at), sizeof(uint32_t));
	}
	if (!(a.flags & IFA_F_PERMANENT) || a.scope != RT_SCOPE_UNIVERSE)
		return 0;
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = a;
	return 0;
}

static int addr_save(int fd, struct addr_list *l)
{
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC};
	struct nl_req r;

	req_init(&r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	return nl_exchange(fd, &r, addr_cb, l);
}

static int addr_restore(int fd, const struct addr *a, int ifindex)
{
	uint32_t flags = a->flags & ADDR_FLAGS_SETTABLE;
	struct ifaddrmsg ifa = {.ifa_family = a->family,
	                        .ifa_prefixlen = a->prefixlen,
	                        .ifa_flags = (unsigned char)(flags & 0xff),
	                        .ifa_scope = a->scope,
	                        .ifa_index = (unsigned)ifindex};
	struct nl_req r;
	int rc;

	req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (a->local_len)
		req_attr(&r, IFA_LOCAL, a->local, a->local_len);
	if (a->address_len)
		req_attr(&r, IFA_ADDRESS, a->address, a->address_len);
	if (a->broadcast_len)
		req_attr(&r, IFA_BROADCAST, a->broadcast, a->broadcast_len);
	req_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	rc = nl_exchange(fd, &r, NULL, NULL);
	return rc == -EEXIST ? 0 : rc;
}

/* One request moves the device and names it: the kernel renames after the
 * move (do_setlink), so a template is filled against the container's
 * namespace. */
static int link_move(int fd, int ifindex, int netns_fd, const char *name)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = ifindex};
	uint32_t nsfd = (uint32_t)netns_fd;
	struct nl_req r;

	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	req_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_exchange(fd, &r, NULL, NULL);
}

static int link_up(int fd, int ifindex)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC,
	                        .ifi_index = ifindex,
	                        .ifi_flags = IFF_UP,
	                        .ifi_change = IFF_UP};
	struct nl_req r;

	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	return nl_exchange(fd, &r, NULL, NULL);
}

/* A netlink socket belongs to the namespace it was created in: make one in
 * the container's namespace and come straight back to ours (setns(2)). */
static int nl_open_in(int netns_fd, int *ret_fd, struct hutch_error **err)
{
	_cleanup_close_ int self =
	    openat(AT_FDCWD, "/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd, e;

	if (self < 0)
		return herr_errno(err, errno, "open /proc/thread-self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return herr_errno(err, errno, "enter the container's network namespace");
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	e = errno;
	if (setns(self, CLONE_NEWNET) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return herr_errno(err, e, "return to the runtime's network namespace");
	}
	if (fd < 0)
		return herr_errno(err, e, "netlink socket in the container's network namespace");
	*ret_fd = fd;
	return 0;
}

int netdev_loopback_up(struct hutch_error **err)
{
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int index, rc;

	if (fd < 0)
		return herr_errno(err, errno, "loopback: netlink socket");
	index = link_index(fd, "lo");
	rc = index < 0 ? index : link_up(fd, index);
	if (rc < 0)
		return herr_errno(err, -rc, "bring the loopback interface up");
	return 0;
}

bool netdev_name_is_template(const char *name)
{
	return strstr(name, "%d") != NULL;
}

static const char *target_name(const struct spec_net_device *d)
{
	return d->name && *d->name ? d->name : d->hostName;
}

/* Everything that can be known before moving anything: a half-done move
 * would destroy the virtual devices already moved when the namespace dies. */
static int check_all(int host, int cont, const struct spec_net_device *devs, size_t n,
                     struct hutch_error **err)
{
	for (size_t i = 0; i < n; i++) {
		const char *to = target_name(&devs[i]);
		int rc = link_index(host, devs[i].hostName);

		if (rc == -ENODEV)
			return herr_msg(err, "network device \"%s\" does not exist on the host",
			                devs[i].hostName);
		if (rc < 0)
			return herr_errno(err, -rc, "look up network device \"%s\"",
			                  devs[i].hostName);
		if (netdev_name_is_template(to))
			continue;
		rc = link_index(cont, to);
		if (rc >= 0)
			return herr_msg(err,
			                "network device \"%s\": a device named \"%s\" already "
			                "exists in the container's network namespace",
			                devs[i].hostName, to);
		if (rc != -ENODEV)
			return herr_errno(err, -rc,
			                  "look up network device \"%s\" in the container", to);
	}
	return 0;
}

static bool in_list(const struct link_list *l, int index)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == index)
			return true;
	return false;
}

/* The device's index in the container's namespace after the move: by name,
 * or for a template the one index that was not there before. */
static int moved_index(int cont, const char *to, const struct link_list *before)
{
	struct link_list after = {0};
	int found = -ENODEV;
	int rc;

	if (!netdev_name_is_template(to))
		return link_index(cont, to);
	rc = link_list(cont, &after);
	for (size_t i = 0; rc == 0 && i < after.n; i++)
		if (!in_list(before, after.v[i]))
			found = found == -ENODEV ? after.v[i] : -EBUSY;
	free(after.v);
	return rc < 0 ? rc : found;
}

static int move_one(int host, int cont, int netns_fd, const struct spec_net_device *d,
                    struct hutch_error **err)
{
	const char *to = target_name(d);
	struct addr_list addrs = {0};
	struct link_list before = {0};
	int rc, index;

	index = rc = link_index(host, d->hostName);
	if (rc >= 0) {
		addrs.ifindex = index;
		rc = addr_save(host, &addrs);
	}
	if (rc == 0 && netdev_name_is_template(to))
		rc = link_list(cont, &before);
	if (rc == 0)
		rc = link_move(host, index, netns_fd, to);
	if (rc == 0)
		rc = index = moved_index(cont, to, &before);
	for (size_t i = 0; rc >= 0 && i < addrs.n; i++)
		rc = addr_restore(cont, &addrs.v[i], index);
	if (rc >= 0)
		rc = link_up(cont, index);
	free(addrs.v);
	free(before.v);
	if (rc < 0)
		return herr_errno(err, -rc,
		                  "move network device \"%s\" into the container as \"%s\"",
		                  d->hostName, to);
	return 0;
}

int netdev_move_all(const struct spec_net_device *devs, size_t n, int netns_fd,
                    struct hutch_error **err)
{
	_cleanup_close_ int host = -1;
	_cleanup_close_ int cont = -1;

	if (n == 0)
		return 0;
	host = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (host < 0)
		return herr_errno(err, errno, "netlink socket");
	if (nl_open_in(netns_fd, &cont, err) < 0 || check_all(host, cont, devs, n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (move_one(host, cont, netns_fd, &devs[i], err) < 0)
			return -1;
	return 0;
}
