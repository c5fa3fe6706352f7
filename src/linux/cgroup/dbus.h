/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal D-Bus client for the systemd cgroup driver: method calls on a
 * message bus over a unix socket (the D-Bus Specification's wire format,
 * little-endian out, either endianness in), with their reply or error
 * awaited. What the driver needs and no more: strings, booleans, 32- and
 * 64-bit unsigned integers, arrays, structs and variants out; a string, or a
 * variant holding one, back. No libsystemd: hutch is one static executable. */
#ifndef HUTCH_LINUX_CGROUP_DBUS_H
#define HUTCH_LINUX_CGROUP_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct dbus;

/* A method call being built: a body, appended to in the order of its
 * signature (given to dbus_call). */
struct dbus_msg {
	const char *dest, *path, *iface, *member;
	char *body;
	size_t len, cap;
};

/* Connect to the system bus ($DBUS_SYSTEM_BUS_ADDRESS, else
 * unix:path=/run/dbus/system_bus_socket) or the user's ($DBUS_SESSION_BUS_ADDRESS,
 * else $XDG_RUNTIME_DIR/bus), authenticate as our euid (EXTERNAL) and say
 * Hello. */
int dbus_open(bool user, struct dbus **ret, struct hutch_error **err);
/* The same, at an explicit address ("unix:path=...;unix:abstract=...",
 * percent-escapes allowed; the first unix address that connects is used). */
int dbus_open_address(const char *address, struct dbus **ret, struct hutch_error **err);
void dbus_close(struct dbus *b);
void dbus_closep(struct dbus **b);
#define _cleanup_dbus_ __attribute__((cleanup(dbus_closep)))

/* Body builders: each aligns as the specification says. */
void dbus_put_string(struct dbus_msg *m, const char *s);
void dbus_put_bool(struct dbus_msg *m, bool v);
void dbus_put_u32(struct dbus_msg *m, uint32_t v);
void dbus_put_u64(struct dbus_msg *m, uint64_t v);
/* A variant's signature (its value follows, put by the caller). */
void dbus_put_signature(struct dbus_msg *m, const char *sig);
/* An array: open returns where its length goes, close fills it in; both get
 * its element type's alignment (8 for structs, 4 for u32 and strings...). */
size_t dbus_array_open(struct dbus_msg *m, size_t elem_align);
void dbus_array_close(struct dbus_msg *m, size_t at, size_t elem_align);
/* A struct starts on an 8-byte boundary. */
void dbus_struct_open(struct dbus_msg *m);
void dbus_msg_free(struct dbus_msg *m);

/* Send m (body of signature `sig`, "" for none) and wait up to 25 s for its
 * reply. An error reply fails with "<error name>: <its message>"; when
 * `ret_error_name` is given, it gets a copy of the name as well. When
 * `ret_string` is given, the reply's first value, a string or a variant
 * holding one, is returned there. */
int dbus_call(struct dbus *b, const struct dbus_msg *m, const char *sig, char **ret_string,
              char **ret_error_name, struct hutch_error **err);

/* Exposed for tests: the whole message dbus_call would send as serial
 * `serial`, malloc'd, its length in *ret_len. */
char *dbus_marshal_call(const struct dbus_msg *m, const char *sig, uint32_t serial,
                        size_t *ret_len);

#endif
