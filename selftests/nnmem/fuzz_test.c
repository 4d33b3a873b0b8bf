// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem ioctl/mmap/netlink fuzzer (plain TAP). Drives every ioctl, mmap()
 * and both netlink commands with random and mutated arguments: live and
 * random handles, bad user pointers (NULL, unmapped, read-only, kernel
 * addresses, straddling into an unmapped page), huge and overflowing
 * sizes, offsets and shapes, reserved bits, struct sizes from 0 to 256
 * encoded in the command (_IOC), wrong directions and unknown numbers,
 * graphs with random edges over live regions, runs, waits and cancels,
 * mmap() with random offsets, lengths and flags, netlink requests with
 * random attributes; first from one thread, then from several threads on
 * shared files of both devices.
 *
 * Every result must be success or an errno documented for that call (the
 * table fz_ops[] below, from uapi/linux/nnmem.h and the driver's
 * kernel-doc); -EFAULT, -E2BIG, -ENOTTY and the short-struct -EINVAL only
 * where the fuzzer provoked them. At the end everything is unmapped and
 * closed and both devices' usage must be back to empty. Prints the calls
 * made as "# figure: calls=N".
 *
 * Environment: NNMEM_FUZZ_SEED (reproduce a run; the seed is printed),
 * NNMEM_FUZZ_CALLS (calls in all, half from one thread and half from
 * the threads; default 120000 when NNMEM_KERNEL=debug-6.12, about 90 s
 * under QEMU TCG, and 100000 on the others, about 3 s). The threaded
 * part is reproducible only as far as the scheduler allows. Expects
 * nnmem loaded with devices=2 and the default arena, nothing allocated,
 * root.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/nnmem_nl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "nnmem_test.h"

#define FZ_FDS		3	/* two on nnmem0, one on nnmem1 */
#define FZ_HANDLES	64
#define FZ_MAPS		32
#define FZ_THREADS	4
#define FZ_BUF		8192
#define FZ_MAX_REPORTS	20
#define FZ_NL_BUF	65536
#define FZ_BUFSZ	(FZ_BUF + 512 + FZ_NL_BUF)	/* each thread's */

/* ---- the documented errors of each call: the one table to extend ---- */

enum fz_op {
	FZ_INFO, FZ_ALLOC, FZ_FREE, FZ_REGION_INFO, FZ_WRITE, FZ_READ,
	FZ_USAGE, FZ_GRAPH_CREATE, FZ_GRAPH_DESTROY, FZ_RUN, FZ_WAIT,
	FZ_CANCEL, FZ_BADCMD, FZ_MMAP, FZ_MUNMAP, FZ_NL_DEV, FZ_NL_REGION,
	FZ_REOPEN, FZ_NR_OPS,
};

#define FZ_MAX_ERRS	16

struct fz_opdesc {
	const char *name;
	unsigned long cmd;	/* the ioctl, 0 for others */
	size_t ver0;		/* its struct's first published size */
	int errs[FZ_MAX_ERRS];	/* documented errnos, 0-terminated */
};

/*
 * What each call may return besides success: the errnos its
 * documentation names, and nothing else. Sources: uapi/linux/nnmem.h (the
 * overview and each struct's kernel-doc), the "Errors:"/"Return:"
 * comments of driver/nnmem_region.c, nnmem_graph.c, nnmem_job.c and
 * nnmem_session.c, and uapi/nnmem.yaml for netlink. When the driver
 * documents a new errno, add it here, with its source.
 *
 * The ioctl framework's errors (uapi overview) are accepted only when
 * this fuzzer provoked them (struct fz_call, fz_errno_ok()):
 *   -ENOTTY  unknown number or changed direction bits: then only it;
 *   -EINVAL  a struct shorter than its first version: then only it;
 *   -E2BIG   a longer struct with a nonzero tail the driver does not know;
 *   -EFAULT  a user pointer (the struct's, or one in it) not readable or
 *            writable for the length given.
 * -EINVAL for a bad field, flag or __pad is the call's own (listed).
 */
static const struct fz_opdesc fz_ops[FZ_NR_OPS] = {
	/* uapi: INFO only writes its struct */
	[FZ_INFO] = { "INFO", NNMEM_IOCTL_INFO, NNMEM_INFO_SIZE_VER0, { 0 } },
	/* uapi struct nnmem_alloc; nnmem_region_alloc_ioctl(): -ENOMEM */
	[FZ_ALLOC] = { "ALLOC", NNMEM_IOCTL_ALLOC, NNMEM_ALLOC_SIZE_VER0,
		       { EINVAL, ENOSPC, EMFILE, ENOMEM, 0 } },
	/* nnmem_region_free_ioctl(); uapi "nnmem graphs": -EBUSY */
	[FZ_FREE] = { "FREE", NNMEM_IOCTL_FREE, NNMEM_FREE_SIZE_VER0,
		      { EINVAL, ENOENT, EBUSY, 0 } },
	/* nnmem_region_info_ioctl() */
	[FZ_REGION_INFO] = { "REGION_INFO", NNMEM_IOCTL_REGION_INFO,
			     NNMEM_REGION_INFO_SIZE_VER0,
			     { EINVAL, ENOENT, 0 } },
	/* nnmem_region_write_ioctl(); -EFAULT (the buffer) is provoked */
	[FZ_WRITE] = { "WRITE", NNMEM_IOCTL_WRITE, NNMEM_RW_SIZE_VER0,
		       { EINVAL, ENOENT, 0 } },
	[FZ_READ] = { "READ", NNMEM_IOCTL_READ, NNMEM_RW_SIZE_VER0,
		      { EINVAL, ENOENT, 0 } },
	/* uapi: USAGE only writes its struct */
	[FZ_USAGE] = { "USAGE", NNMEM_IOCTL_USAGE, NNMEM_USAGE_SIZE_VER0,
		       { 0 } },
	/*
	 * uapi struct nnmem_graph_create (a graph over max_graph_macs is
	 * -EINVAL too), "DOC: nnmem kernel memory" (-EDQUOT), "DOC: nnmem
	 * device planning" (-ENOSPC: no room for a scratch area),
	 * nnmem_graph_create_ioctl()
	 */
	[FZ_GRAPH_CREATE] = { "GRAPH_CREATE", NNMEM_IOCTL_GRAPH_CREATE,
			      NNMEM_GRAPH_CREATE_SIZE_VER0,
			      { EINVAL, EDQUOT, ENOMEM, EMFILE, ENOSPC, 0 } },
	/* nnmem_graph_destroy_ioctl() */
	[FZ_GRAPH_DESTROY] = { "GRAPH_DESTROY", NNMEM_IOCTL_GRAPH_DESTROY,
			       NNMEM_GRAPH_DESTROY_SIZE_VER0,
			       { EINVAL, ENOENT, 0 } },
	/*
	 * uapi struct nnmem_run, nnmem_job.c "Errors:"; a sync run returns
	 * its job's status: -ECANCELED, or -ERANGE for a shift out of range.
	 */
	[FZ_RUN] = { "RUN", NNMEM_IOCTL_RUN, NNMEM_RUN_SIZE_VER0,
		     { EINVAL, ENOENT, EDQUOT, EAGAIN, ENOMEM, EINTR,
		       ECANCELED, ERANGE, 0 } },
	/* nnmem_job.c "Errors:"; -EFAULT (node_times) is provoked */
	[FZ_WAIT] = { "WAIT", NNMEM_IOCTL_WAIT, NNMEM_WAIT_SIZE_VER0,
		      { EINVAL, ENOENT, ETIME, EINTR, 0 } },
	/* uapi struct nnmem_cancel, nnmem_job.c "Errors:" */
	[FZ_CANCEL] = { "CANCEL", NNMEM_IOCTL_CANCEL, NNMEM_CANCEL_SIZE_VER0,
			{ EINVAL, ENOENT, EALREADY, 0 } },
	/* unknown numbers, other magic, wrong direction: uapi overview */
	[FZ_BADCMD] = { "bad command", 0, 0, { ENOTTY, 0 } },
	/*
	 * mmap: uapi "nnmem mmap" and nnmem_region_mmap(): -ENOENT,
	 * -EACCES, -EINVAL; the mm core's -EINVAL (length 0, unaligned),
	 * -ENOMEM (no room), -EOVERFLOW (offset + length overflows) and
	 * -EACCES (PROT_WRITE on a read-only file: not here, ours are
	 * O_RDWR).
	 */
	[FZ_MMAP] = { "mmap", 0, 0, { ENOENT, EACCES, EINVAL, ENOMEM,
				      EOVERFLOW, 0 } },
	[FZ_MUNMAP] = { "munmap", 0, 0, { 0 } },
	/*
	 * netlink (uapi/nnmem.yaml, nnmem_nl.c): policy violations
	 * -EINVAL/-ERANGE, missing device -ENODEV, missing session or
	 * region -ENOENT; unknown command -EOPNOTSUPP.
	 */
	[FZ_NL_DEV] = { "netlink dev-get", 0, 0,
			{ EINVAL, ERANGE, ENODEV, EOPNOTSUPP, 0 } },
	[FZ_NL_REGION] = { "netlink region-get", 0, 0,
			   { EINVAL, ERANGE, ENODEV, ENOENT, EOPNOTSUPP, 0 } },
	[FZ_REOPEN] = { "close+open", 0, 0, { 0 } },
};

/* What the fuzzer did to the current call (per thread; fz_one() resets). */
struct fz_call {
	bool bad_ptr;		/* a user pointer given was bad */
	bool bad_cmd;		/* direction bits changed */
	bool short_struct;	/* struct size below its first version */
	bool dirty_tail;	/* longer struct with a nonzero tail */
};

static __thread struct fz_call fz_cur;

static bool fz_errno_ok(enum fz_op op, int err)
{
	const int *e;

	if (fz_cur.bad_cmd)
		return err == ENOTTY;
	if (fz_cur.short_struct)
		return err == EINVAL;
	if (!err)
		return true;
	if ((err == EFAULT && fz_cur.bad_ptr) ||
	    (err == E2BIG && fz_cur.dirty_tail))
		return true;
	for (e = fz_ops[op].errs; *e; e++)
		if (*e == err)
			return true;
	return false;
}

/* ---- shared state ---- */

struct fz_map {
	void *addr;
	size_t len;
};

struct fz_state {
	pthread_mutex_t lock;	/* protects everything below */
	int fd[FZ_FDS];
	uint32_t regions[FZ_FDS][FZ_HANDLES];	/* live (maybe) handles */
	uint32_t graphs[FZ_FDS][FZ_HANDLES];
	uint64_t jobs[FZ_FDS][FZ_HANDLES];
	struct fz_map maps[FZ_MAPS];
	int nl;			/* generic netlink socket */
	uint16_t family;
	uint8_t *bad_unmapped;	/* a page that is not mapped */
	uint8_t *bad_ro;	/* a read-only page */
	uint8_t *edge;		/* last bytes of a page before an unmapped one */
	unsigned long calls[FZ_NR_OPS];
	unsigned long ok[FZ_NR_OPS];	/* of which succeeded */
	unsigned long errors, successes, bad;
};

static struct fz_state fz;

struct fz_rng {
	uint64_t s;
};

static uint64_t fz_rand(struct fz_rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return n ? fz_rand(r) % n : 0;
}

static bool fz_chance(struct fz_rng *r, unsigned int percent)
{
	return fz_below(r, 100) < percent;
}

/* A value for a u64 field: small, boundary or anything. */
static uint64_t fz_u64(struct fz_rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 2, 3, 4, 63, 64, 4095, 4096, 4097, 65536, 1 << 20,
		(4 << 20) - 1, 4 << 20, (4 << 20) + 1, 0x7fffffff, 0x80000000,
		0xffffffff, 0x100000000ULL, 1ULL << 40, (1ULL << 63) - 1,
		1ULL << 63, ~0ULL - 4095, ~0ULL,
	};

	switch (fz_below(r, 4)) {
	case 0:
		return edges[fz_below(r, sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return fz_rand(r);
	default:
		return fz_below(r, 8192);
	}
}

static uint32_t fz_u32(struct fz_rng *r)
{
	return (uint32_t)(fz_chance(r, 70) ? fz_below(r, 70) : fz_u64(r));
}

static void fz_report(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fz.lock);
	if (fz.bad++ < FZ_MAX_REPORTS) {
		va_start(ap, fmt);
		printf("# UNEXPECTED: ");
		vprintf(fmt, ap);
		printf("\n");
		va_end(ap);
		fflush(stdout);
	}
	pthread_mutex_unlock(&fz.lock);
}

static void fz_count(enum fz_op op, int err, const char *what, uint64_t a,
		     uint64_t b)
{
	pthread_mutex_lock(&fz.lock);
	fz.calls[op]++;
	if (err) {
		fz.errors++;
	} else {
		fz.successes++;
		fz.ok[op]++;
	}
	pthread_mutex_unlock(&fz.lock);
	if (!fz_errno_ok(op, err))
		fz_report("%s%s: %s (%d) [%#" PRIx64 " %#" PRIx64 "]%s%s%s%s",
			  fz_ops[op].name, what, err ? strerror(err) : "success",
			  err, a, b, fz_cur.bad_ptr ? " bad-pointer" : "",
			  fz_cur.bad_cmd ? " bad-direction" : "",
			  fz_cur.short_struct ? " short-struct" : "",
			  fz_cur.dirty_tail ? " dirty-tail" : "");
}

static int fz_pick_fd(struct fz_rng *r, int *slot)
{
	int fd;

	*slot = (int)fz_below(r, FZ_FDS);
	pthread_mutex_lock(&fz.lock);
	fd = fz.fd[*slot];
	pthread_mutex_unlock(&fz.lock);
	return fd;
}

static uint32_t fz_pick_handle(struct fz_rng *r, uint32_t *tab)
{
	uint32_t h;

	if (fz_chance(r, 15))
		return fz_u32(r);
	pthread_mutex_lock(&fz.lock);
	h = tab[fz_below(r, FZ_HANDLES)];
	pthread_mutex_unlock(&fz.lock);
	return h;
}

static void fz_remember(uint32_t *tab, struct fz_rng *r, uint32_t h)
{
	pthread_mutex_lock(&fz.lock);
	tab[fz_below(r, FZ_HANDLES)] = h;
	pthread_mutex_unlock(&fz.lock);
}

/*
 * A user pointer: usually good (@good), sometimes anything but (which
 * fz_cur notes: the call may then give -EFAULT).
 */
static void *fz_ptr(struct fz_rng *r, void *good, size_t len)
{
	uint64_t pick = fz_below(r, 20);

	if (pick <= 5)
		fz_cur.bad_ptr = true;
	switch (pick) {
	case 0:
		return NULL;
	case 1:
		return fz.bad_unmapped;
	case 2:
		return fz.bad_ro;
	case 3:
		return (void *)0xffffffff81000000UL;	/* kernel text */
	case 4:
		/*
		 * Straddles into the unmapped page. It starts inside the
		 * edge page whatever the length: a start below it would hand
		 * the kernel whatever is mapped there (another thread's
		 * stack, once), which READ then overwrites.
		 */
		return fz.edge + 4096 -
		       (len ? fz_below(r, len < 4096 ? len : 4096) + 1 : 1);
	case 5:
		return (void *)(uintptr_t)fz_rand(r);
	default:
		return good;
	}
}

/*
 * The command, mostly as published; sometimes with another struct size
 * (shorter, longer, 0, anything to 256), rarely with the direction bits
 * flipped (the driver's -ENOTTY). fz_cur notes what was changed.
 */
static unsigned long fz_cmd(struct fz_rng *r, unsigned long cmd)
{
	size_t ver0 = 0, size;
	int i;

	if (fz_chance(r, 80))
		return cmd;
	if (fz_chance(r, 10)) {
		fz_cur.bad_cmd = true;
		return _IOC(_IOC_DIR(cmd) ^ (1 + fz_below(r, 3)),
			    _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd));
	}
	switch (fz_below(r, 3)) {
	case 0:
		size = fz_below(r, _IOC_SIZE(cmd));
		break;
	case 1:
		size = _IOC_SIZE(cmd) + 1 + fz_below(r, 64);
		break;
	default:
		size = fz_below(r, 257);
		break;
	}
	for (i = 0; i < FZ_NR_OPS; i++)
		if (fz_ops[i].cmd == cmd)
			ver0 = fz_ops[i].ver0;
	if (size < ver0)
		fz_cur.short_struct = true;
	return nt_cmd_sized(cmd, size);
}

/*
 * Fill the struct buffer (and a longer caller's tail: usually zero, so
 * that a longer struct is accepted) and call the ioctl.
 */
static int fz_ioctl(struct fz_rng *r, int fd, unsigned long cmd, void *arg,
		    size_t len)
{
	unsigned long c = fz_cmd(r, cmd);
	size_t usize = _IOC_SIZE(c);
	uint8_t b[512];
	void *p;
	int err;

	/* the caller's struct, in a buffer that holds any encoded size */
	memset(b, 0, sizeof(b));
	memcpy(b, arg, len);
	if (usize > len && fz_chance(r, 20)) {
		b[len + fz_below(r, usize - len)] = 1;
		/* read by the driver only if it reads the struct */
		fz_cur.dirty_tail = _IOC_DIR(c) & _IOC_WRITE;
	}
	p = fz_ptr(r, b, usize);
	/* memory that is not b may hold anything, past the struct too */
	if (p != b && usize > len && (_IOC_DIR(c) & _IOC_WRITE))
		fz_cur.dirty_tail = true;
	err = nt_ioctl(fd, c, p);
	memcpy(arg, b, len);
	return err;
}

/* ---- the calls ---- */

static void fz_alloc(struct fz_rng *r, uint8_t *buf)
{
	struct nnmem_alloc *a = (void *)buf;
	int slot, fd = fz_pick_fd(r, &slot), err;

	memset(a, 0, sizeof(*a));
	a->size = fz_chance(r, 70) ? 1 + fz_below(r, 16384) : fz_u64(r);
	a->align = fz_chance(r, 70) ? 1U << fz_below(r, 13) : fz_u32(r);
	a->kind = fz_chance(r, 90) ? 1 + fz_below(r, 2) : fz_u32(r);
	a->flags = fz_chance(r, 50) ? NNMEM_ALLOC_MAPPABLE :
		   fz_chance(r, 80) ? 0 : fz_u32(r);
	if (fz_chance(r, 30))
		snprintf((char *)a->label, sizeof(a->label), "fz%u",
			 (unsigned int)fz_below(r, 1000));
	if (fz_chance(r, 5))
		a->label[fz_below(r, NNMEM_LABEL_LEN)] = (uint8_t)fz_rand(r);
	err = fz_ioctl(r, fd, NNMEM_IOCTL_ALLOC, a, sizeof(*a));
	fz_count(FZ_ALLOC, -err, "", a->size, a->align);
	if (!err)
		fz_remember(fz.regions[slot], r, a->handle);
}

static void fz_simple(struct fz_rng *r, enum fz_op op, uint8_t *buf)
{
	int slot, fd = fz_pick_fd(r, &slot), err;
	struct nnmem_free *f = (void *)buf;
	struct nnmem_region_info *ri = (void *)buf;
	struct nnmem_graph_destroy *gd = (void *)buf;
	struct nnmem_cancel *c = (void *)buf;
	size_t len;

	memset(buf, 0, 512);
	switch (op) {
	case FZ_FREE:
		f->handle = fz_pick_handle(r, fz.regions[slot]);
		f->flags = fz_chance(r, 95) ? 0 : fz_u32(r);
		len = sizeof(*f);
		break;
	case FZ_REGION_INFO:
		ri->handle = fz_pick_handle(r, fz.regions[slot]);
		ri->flags = fz_chance(r, 95) ? 0 : fz_u32(r);
		len = sizeof(*ri);
		break;
	case FZ_GRAPH_DESTROY:
		gd->graph = fz_pick_handle(r, fz.graphs[slot]);
		gd->flags = fz_chance(r, 95) ? 0 : fz_u32(r);
		len = sizeof(*gd);
		break;
	case FZ_CANCEL:
		pthread_mutex_lock(&fz.lock);
		c->job = fz_chance(r, 85) ?
			 fz.jobs[slot][fz_below(r, FZ_HANDLES)] : fz_u64(r);
		pthread_mutex_unlock(&fz.lock);
		c->flags = fz_chance(r, 95) ? 0 : fz_u32(r);
		c->__pad = fz_chance(r, 95) ? 0 : fz_u32(r);
		len = sizeof(*c);
		break;
	case FZ_INFO:
		len = sizeof(struct nnmem_info);
		break;
	default:
		len = sizeof(struct nnmem_usage);
		break;
	}
	if (fz_chance(r, 3))
		memset(buf, 0xff, len);
	err = fz_ioctl(r, fd, fz_ops[op].cmd, buf, len);
	fz_count(op, -err, "", *(uint32_t *)buf, 0);
}

static void fz_rw(struct fz_rng *r, bool write, uint8_t *buf)
{
	struct nnmem_rw rw;
	int slot, fd = fz_pick_fd(r, &slot), err;
	uint64_t len = fz_chance(r, 70) ? fz_below(r, FZ_BUF) : fz_u64(r);

	memset(&rw, 0, sizeof(rw));
	rw.handle = fz_pick_handle(r, fz.regions[slot]);
	rw.flags = fz_chance(r, 95) ? 0 : fz_u32(r);
	rw.offset = fz_chance(r, 70) ? fz_below(r, 4096) : fz_u64(r);
	rw.length = len;
	/* the buffer only for a length that fits in it */
	if (len <= FZ_BUF)
		rw.data = (uintptr_t)fz_ptr(r, buf, len);
	else
		rw.data = (uintptr_t)(fz_chance(r, 50) ? fz.bad_ro :
				      fz.bad_unmapped);
	if (len > FZ_BUF)
		fz_cur.bad_ptr = true;
	err = fz_ioctl(r, fd, write ? NNMEM_IOCTL_WRITE : NNMEM_IOCTL_READ,
		       &rw, sizeof(rw));
	/* a bad data pointer is -EFAULT, always allowed for these */
	fz_count(write ? FZ_WRITE : FZ_READ, -err, "", rw.offset,
		 rw.length);
}

/*
 * A graph the validator accepts, over live regions it finds by asking
 * REGION_INFO about remembered handles: a 1x1 conv2d (input and output
 * bytes in an activation region of at least 2 bytes, filter, multiplier
 * and shift in a weight region of at least 12) or an add of n bytes
 * (three slices of an activation region of at least 3n bytes). The
 * arena's contents are whatever is there: a run may give -ERANGE.
 * Returns false if no suitable regions were found.
 */
static bool fz_graph_valid(struct fz_rng *r, int fd, int slot,
			   struct nnmem_tensor *t, uint32_t *nt,
			   struct nnmem_node *n)
{
	uint32_t act = 0, wgt = 0, k;
	uint64_t asize = 0;
	struct nnmem_region_info ri;

	for (k = 0; k < 8 && (!act || !wgt); k++) {
		uint32_t h = fz_pick_handle(r, fz.regions[slot]);

		if (!h || nt_region_info(fd, h, &ri))
			continue;
		if (ri.kind == NNMEM_KIND_ACTIVATION && ri.size >= 3 && !act) {
			act = h;
			asize = ri.size;
		} else if (ri.kind == NNMEM_KIND_WEIGHT && ri.size >= 12) {
			wgt = h;
		}
	}
	if (!act)
		return false;
	memset(n, 0, sizeof(*n));
	if (wgt && fz_chance(r, 50)) {
		struct nnmem_conv2d *c = &n->conv2d;
		static const struct {
			uint32_t type, off, ndims, dims[4];
		} ts[5] = {
			{ NNMEM_TYPE_INT8, 0, 4, { 1, 1, 1, 1 } },	/* in */
			{ NNMEM_TYPE_INT8, 0, 4, { 1, 1, 1, 1 } },	/* filter */
			{ NNMEM_TYPE_INT32, 4, 1, { 1 } },		/* mult */
			{ NNMEM_TYPE_INT32, 8, 1, { 1 } },		/* shift */
			{ NNMEM_TYPE_INT8, 1, 4, { 1, 1, 1, 1 } },	/* out */
		};

		for (k = 0; k < 5; k++) {
			memset(&t[k], 0, sizeof(t[k]));
			t[k].handle = k == 0 || k == 4 ? act : wgt;
			t[k].type = ts[k].type;
			t[k].offset = ts[k].off;
			t[k].ndims = ts[k].ndims;
			memcpy(t[k].dims, ts[k].dims, sizeof(t[k].dims));
		}
		*nt = 5;
		n->op = NNMEM_OP_CONV2D;
		c->input = 0;
		c->filter = 1;
		c->bias = NNMEM_INDEX_NONE;
		c->multiplier = 2;
		c->shift = 3;
		c->output = 4;
		c->stride_h = c->stride_w = c->dilation_h = c->dilation_w = 1;
		c->groups = 1;
		c->act_min = -128;
		c->act_max = 127;
		return true;
	}
	asize /= 3;
	if (asize > 256)
		asize = 256;
	for (k = 0; k < 3; k++) {
		memset(&t[k], 0, sizeof(t[k]));
		t[k].handle = act;
		t[k].type = NNMEM_TYPE_INT8;
		t[k].offset = k * asize;
		t[k].ndims = 1;
		t[k].dims[0] = (uint32_t)asize;
	}
	*nt = 3;
	n->op = NNMEM_OP_ADD;
	n->add.input1 = 0;
	n->add.input2 = 1;
	n->add.output = 2;
	n->add.left_shift = 20;
	n->add.input1_multiplier = n->add.input2_multiplier =
		n->add.output_multiplier = 1 << 30;
	n->add.input1_shift = n->add.input2_shift = -1;
	n->add.act_min = -128;
	n->add.act_max = 127;
	return true;
}

/*
 * Tensors over live (and random) handles, nodes with random edges; or,
 * half of the time, a valid graph (fz_graph_valid()), sometimes mutated.
 */
static void fz_graph_create(struct fz_rng *r, uint8_t *buf)
{
	uint32_t nt = 1 + (uint32_t)fz_below(r, 8), nn = 1 + (uint32_t)fz_below(r, 4);
	struct nnmem_tensor *t = (void *)buf;
	struct nnmem_node *n = (void *)(buf + 8 * sizeof(*t) + 64);
	struct nnmem_graph_create gc;
	int slot, fd = fz_pick_fd(r, &slot), err;
	uint32_t i, d, *idx;

	memset(buf, 0, 8 * sizeof(*t) + 64 + 4 * sizeof(*n));
	for (i = 0; i < nt; i++) {
		t[i].handle = fz_pick_handle(r, fz.regions[slot]);
		t[i].type = fz_chance(r, 90) ? 1 + fz_below(r, 2) : fz_u32(r);
		t[i].ndims = fz_chance(r, 90) ? 1 + fz_below(r, 4) : fz_u32(r);
		for (d = 0; d < t[i].ndims && d < 4; d++)
			t[i].dims[d] = fz_chance(r, 90) ? 1 + fz_below(r, 8) :
							  fz_u32(r);
		t[i].offset = fz_chance(r, 80) ? fz_below(r, 64) : fz_u64(r);
		t[i].zero_point = t[i].type == NNMEM_TYPE_INT8 &&
				  fz_chance(r, 50) ? (int8_t)fz_rand(r) : 0;
		if (fz_chance(r, 3))
			t[i].flags = fz_u32(r);
	}
	for (i = 0; i < nn; i++) {
		n[i].op = fz_chance(r, 95) ? 1 + fz_below(r, 2) : fz_u32(r);
		idx = (uint32_t *)&n[i].conv2d;
		/* the first six words are tensor indices for both ops */
		for (d = 0; d < 6; d++)
			idx[d] = fz_chance(r, 90) ? fz_below(r, nt) : fz_u32(r);
		if (n[i].op == NNMEM_OP_CONV2D) {
			struct nnmem_conv2d *c = &n[i].conv2d;

			if (fz_chance(r, 30))
				c->bias = NNMEM_INDEX_NONE;
			c->stride_h = 1 + fz_below(r, 2);
			c->stride_w = 1 + fz_below(r, 2);
			c->dilation_h = 1;
			c->dilation_w = 1;
			c->pad_top = c->pad_bottom = c->pad_left =
				c->pad_right = fz_below(r, 2);
			c->groups = 1;
			c->act_min = -128;
			c->act_max = 127;
		} else {
			struct nnmem_add *a = &n[i].add;

			a->left_shift = 20;
			a->input1_multiplier = a->input2_multiplier =
				a->output_multiplier = 1 << 30;
			a->act_min = -128;
			a->act_max = 127;
		}
		if (fz_chance(r, 5))
			buf[8 * sizeof(*t) + 64 + i * sizeof(*n) +
			    fz_below(r, sizeof(*n))] = (uint8_t)fz_rand(r);
	}
	if (fz_chance(r, 50) && fz_graph_valid(r, fd, slot, t, &nt, n)) {
		nn = 1;
		if (fz_chance(r, 10))
			((uint8_t *)t)[fz_below(r, nt * sizeof(*t))] ^=
				(uint8_t)(1 + fz_below(r, 255));
	}
	memset(&gc, 0, sizeof(gc));
	gc.tensors = (uintptr_t)fz_ptr(r, t, nt * sizeof(*t));
	gc.nodes = (uintptr_t)fz_ptr(r, n, nn * sizeof(*n));
	gc.tensor_count = fz_chance(r, 95) ? nt : fz_u32(r);
	gc.node_count = fz_chance(r, 95) ? nn : fz_u32(r);
	gc.tensor_size = fz_chance(r, 95) ? sizeof(*t) : fz_u32(r);
	gc.node_size = fz_chance(r, 95) ? sizeof(*n) : fz_u32(r);
	/* arrays that run past the buffer: -EFAULT is allowed */
	if ((uint64_t)gc.tensor_count * gc.tensor_size > FZ_BUFSZ ||
	    (uint64_t)gc.node_count * gc.node_size >
	    FZ_BUFSZ - (uint64_t)((uint8_t *)n - buf))
		fz_cur.bad_ptr = true;
	gc.flags = fz_chance(r, 97) ? 0 : fz_u32(r);
	err = fz_ioctl(r, fd, NNMEM_IOCTL_GRAPH_CREATE, &gc, sizeof(gc));
	fz_count(FZ_GRAPH_CREATE, -err, "", gc.tensor_count,
		 gc.node_count);
	if (!err)
		fz_remember(fz.graphs[slot], r, gc.graph);
}

static void fz_run(struct fz_rng *r)
{
	struct nnmem_run run;
	int slot, fd = fz_pick_fd(r, &slot), err;

	memset(&run, 0, sizeof(run));
	run.graph = fz_pick_handle(r, fz.graphs[slot]);
	run.flags = fz_chance(r, 60) ? NNMEM_RUN_ASYNC :
		    fz_chance(r, 90) ? 0 : fz_u32(r);
	err = fz_ioctl(r, fd, NNMEM_IOCTL_RUN, &run, sizeof(run));
	fz_count(FZ_RUN, -err, "", run.graph, run.flags);
	if (!err && run.job) {
		pthread_mutex_lock(&fz.lock);
		fz.jobs[slot][fz_below(r, FZ_HANDLES)] = run.job;
		pthread_mutex_unlock(&fz.lock);
	}
}

static void fz_wait(struct fz_rng *r, uint8_t *buf)
{
	struct nnmem_wait w;
	int slot, fd = fz_pick_fd(r, &slot), err;

	memset(&w, 0, sizeof(w));
	pthread_mutex_lock(&fz.lock);
	w.job = fz_chance(r, 85) ? fz.jobs[slot][fz_below(r, FZ_HANDLES)] :
		fz_u64(r);
	pthread_mutex_unlock(&fz.lock);
	/* never FOREVER: a job id may be reaped by another thread first */
	w.deadline_ns = fz_chance(r, 50) ? 0 :
			fz_chance(r, 80) ? nt_now_ns() + 2000000 : fz_u64(r);
	if (w.deadline_ns > nt_now_ns() + 50000000ULL)
		w.deadline_ns = 1;	/* in the past */
	w.node_count = fz_u32(r);
	w.node_times = fz_chance(r, 50) ? 0 :
		       (uintptr_t)fz_ptr(r, buf, 8 * (w.node_count & 7));
	if (w.node_times == (uintptr_t)buf)
		w.node_count &= 7;
	w.flags = fz_chance(r, 97) ? 0 : fz_u32(r);
	err = fz_ioctl(r, fd, NNMEM_IOCTL_WAIT, &w, sizeof(w));
	/* -EFAULT (node_times) is in the generic set */
	fz_count(FZ_WAIT, -err, "", w.job, w.deadline_ns);
}

static void fz_badcmd(struct fz_rng *r, uint8_t *buf)
{
	/* not 0x00, 'T', 'f', 0x15, 0x94, 'X': do_vfs_ioctl() has those */
	static const unsigned int fz_magics[] = {
		0x01, 0x42, 0xaa, 0xb3, 0xb5, 0xff,
	};
	int slot, fd = fz_pick_fd(r, &slot), err;
	unsigned long cmd;

	memset(buf, 0, 512);
	switch (fz_below(r, 3)) {
	case 0:		/* unknown number */
		cmd = _IOC(fz_below(r, 4), NNMEM_IOC_MAGIC,
			   0x0e + fz_below(r, 242), fz_below(r, 256));
		break;
	case 1:		/* another magic, none the VFS itself handles */
		cmd = _IOC(fz_below(r, 4), fz_magics[fz_below(r, 6)],
			   fz_below(r, 16), fz_below(r, 256));
		break;
	default:	/* a known number, direction none */
		cmd = _IOC(_IOC_NONE, NNMEM_IOC_MAGIC, fz_below(r, 14),
			   fz_below(r, 256));
		break;
	}
	fz_cur.bad_cmd = true;
	err = nt_ioctl(fd, cmd, buf);
	fz_count(FZ_BADCMD, -err, "", cmd, 0);
}

static void fz_mmap(struct fz_rng *r)
{
	int slot, fd = fz_pick_fd(r, &slot), err = 0, prot, flags, i;
	uint64_t off, len;
	void *p;

	off = (uint64_t)fz_pick_handle(r, fz.regions[slot]) << 32;
	if (fz_chance(r, 30))
		off += 4096 * fz_below(r, 4);
	if (fz_chance(r, 10))
		off = fz_u64(r) & ~4095ULL;
	len = fz_chance(r, 80) ? 4096 * (1 + fz_below(r, 4)) : fz_u64(r);
	prot = fz_chance(r, 80) ? PROT_READ | PROT_WRITE : PROT_READ;
	flags = fz_chance(r, 90) ? MAP_SHARED : MAP_PRIVATE;
	/* a 32-bit off_t cannot hold it: only 64-bit builds go there */
	p = mmap(NULL, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED) {
		err = errno;
	} else {
		/* touch it: every page of a mapping is the region's */
		volatile uint8_t *v = p;

		(void)v[0];
		if (prot & PROT_WRITE)
			v[len - 1] = (uint8_t)fz_rand(r);
		pthread_mutex_lock(&fz.lock);
		i = (int)fz_below(r, FZ_MAPS);
		if (fz.maps[i].addr)
			munmap(fz.maps[i].addr, fz.maps[i].len);
		fz.maps[i].addr = p;
		fz.maps[i].len = len;
		pthread_mutex_unlock(&fz.lock);
	}
	fz_count(FZ_MMAP, err, "", off, len);
}

static void fz_munmap(struct fz_rng *r)
{
	int i = (int)fz_below(r, FZ_MAPS), err = 0;

	pthread_mutex_lock(&fz.lock);
	if (fz.maps[i].addr && munmap(fz.maps[i].addr, fz.maps[i].len))
		err = errno;
	fz.maps[i].addr = NULL;
	pthread_mutex_unlock(&fz.lock);
	fz_count(FZ_MUNMAP, err, "", i, 0);
}

/*
 * Close one of the files (everything of its session goes, but for what
 * is still mapped) and open a new one under the same number: dup2()
 * swaps it in atomically, so that another thread using the number never
 * reaches anything else.
 */
static void fz_reopen(struct fz_rng *r)
{
	int slot = (int)fz_below(r, FZ_FDS), fd, i, err = 0;

	fd = nt_open(slot == 2 ? 1 : 0);
	if (fd < 0) {
		fz_count(FZ_REOPEN, -fd, " open", slot, 0);
		return;
	}
	pthread_mutex_lock(&fz.lock);
	if (dup2(fd, fz.fd[slot]) < 0)
		err = errno;
	for (i = 0; i < FZ_HANDLES; i++) {
		fz.regions[slot][i] = 0;
		fz.graphs[slot][i] = 0;
		fz.jobs[slot][i] = 0;
	}
	pthread_mutex_unlock(&fz.lock);
	if (close(fd) && !err)
		err = errno;
	fz_count(FZ_REOPEN, err, "", slot, 0);
}

/* ---- netlink ---- */

struct fz_nlmsg {
	union {
		struct nlmsghdr nlh;
		char buf[1024];
	};
};

static void fz_nl_put(struct fz_nlmsg *m, uint16_t type, const void *data,
		      uint16_t len)
{
	struct nlattr *a = (void *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Send a request, read until its ack/error (or a dump's end): 0 or errno. */
static int fz_nl_xfer(int sock, struct fz_nlmsg *m, char *rbuf)
{
	bool dump = m->nlh.nlmsg_flags & NLM_F_DUMP;
	uint32_t seq = m->nlh.nlmsg_seq;

	if (send(sock, m, m->nlh.nlmsg_len, 0) < 0)
		return errno;
	for (;;) {
		ssize_t n = recv(sock, rbuf, FZ_NL_BUF, 0);
		struct nlmsghdr *h;

		if (n < 0)
			return errno;
		for (h = (void *)rbuf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR)
				return -((struct nlmsgerr *)NLMSG_DATA(h))->error;
			/* a dump ends in DONE, a do's reply in the ack */
			if (dump && h->nlmsg_type == NLMSG_DONE)
				return -*(int *)NLMSG_DATA(h);
		}
	}
}

static uint16_t fz_nl_family(int sock)
{
	static char rbuf[8192];
	struct fz_nlmsg m;
	struct genlmsghdr *g;
	struct nlmsghdr *h;
	struct nlattr *a;
	ssize_t n;
	int rem;

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.nlh.nlmsg_type = GENL_ID_CTRL;
	m.nlh.nlmsg_flags = NLM_F_REQUEST;
	m.nlh.nlmsg_seq = 1;
	g = NLMSG_DATA(&m.nlh);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	fz_nl_put(&m, CTRL_ATTR_FAMILY_NAME, NNMEM_FAMILY_NAME,
		  sizeof(NNMEM_FAMILY_NAME));
	if (send(sock, &m, m.nlh.nlmsg_len, 0) < 0)
		return 0;
	n = recv(sock, rbuf, sizeof(rbuf), 0);
	if (n <= 0)
		return 0;
	h = (void *)rbuf;
	if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != GENL_ID_CTRL)
		return 0;
	rem = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (void *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
	return 0;
}

static void fz_netlink(struct fz_rng *r, int sock, char *rbuf)
{
	static __thread uint32_t seq = 100;
	bool region = fz_chance(r, 60);
	enum fz_op op = region ? FZ_NL_REGION : FZ_NL_DEV;
	struct genlmsghdr *g;
	struct fz_nlmsg m;
	uint32_t v;
	int k, nattr, err;

	memset(&m, 0, sizeof(m));
	m.nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m.nlh.nlmsg_type = fz.family;
	m.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			    (fz_chance(r, 40) ? NLM_F_DUMP : 0);
	m.nlh.nlmsg_seq = ++seq;
	g = NLMSG_DATA(&m.nlh);
	g->cmd = region ? NNMEM_CMD_REGION_GET : NNMEM_CMD_DEV_GET;
	if (fz_chance(r, 5))
		g->cmd = (uint8_t)fz_rand(r);	/* notification or unknown */
	g->version = 1;
	nattr = (int)fz_below(r, 4);
	for (k = 0; k < nattr; k++) {
		uint16_t type = (uint16_t)(1 + fz_below(r, 5));
		uint8_t raw[16];

		v = fz_chance(r, 60) ? (uint32_t)fz_below(r, 4) : fz_u32(r);
		if (type == NNMEM_A_REGION_SESSION && fz_chance(r, 60))
			v = (uint32_t)fz_below(r, 64);	/* live-ish ids */
		if (fz_chance(r, 5)) {
			memset(raw, (int)fz_rand(r), sizeof(raw));
			fz_nl_put(&m, (uint16_t)fz_rand(r), raw,
				  (uint16_t)fz_below(r, sizeof(raw)));
		} else {
			fz_nl_put(&m, type, &v, sizeof(v));
		}
	}
	err = fz_nl_xfer(sock, &m, rbuf);
	fz_count(op, err, m.nlh.nlmsg_flags & NLM_F_DUMP ? " dump" : "",
		 g->cmd, nattr);
}

/* ---- the loop ---- */

/* @buf: FZ_BUF + 512 bytes, then FZ_NL_BUF for netlink replies */
static void fz_one(struct fz_rng *r, uint8_t *buf, int sock)
{
	memset(&fz_cur, 0, sizeof(fz_cur));
	switch (fz_below(r, 40)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		fz_alloc(r, buf);
		break;
	case 6: case 7: case 8:
		fz_simple(r, FZ_FREE, buf);
		break;
	case 9: case 10:
		fz_simple(r, FZ_REGION_INFO, buf);
		break;
	case 11: case 12:
		fz_rw(r, true, buf);
		break;
	case 13: case 14:
		fz_rw(r, false, buf);
		break;
	case 15:
		fz_simple(r, FZ_INFO, buf);
		break;
	case 16:
		fz_simple(r, FZ_USAGE, buf);
		break;
	case 17: case 18: case 19: case 20:
		fz_graph_create(r, buf);
		break;
	case 21:
		fz_simple(r, FZ_GRAPH_DESTROY, buf);
		break;
	case 22: case 23: case 24:
		fz_run(r);
		break;
	case 25: case 26:
		fz_wait(r, buf);
		break;
	case 27:
		fz_simple(r, FZ_CANCEL, buf);
		break;
	case 28:
		fz_badcmd(r, buf);
		break;
	case 29: case 30: case 31:
		fz_mmap(r);
		break;
	case 32: case 33:
		fz_munmap(r);
		break;
	case 34: case 35: case 36: case 37:
		fz_netlink(r, sock, (char *)buf + FZ_BUF + 512);
		break;
	case 38:
		if (fz_chance(r, 10))
			fz_reopen(r);
		else
			fz_simple(r, FZ_USAGE, buf);
		break;
	default:
		fz_simple(r, fz_chance(r, 50) ? FZ_FREE : FZ_GRAPH_DESTROY,
			  buf);
		break;
	}
}

static int fz_nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, sock;

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sock < 0)
		return -1;
	if (bind(sock, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(sock, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one))) {
		close(sock);
		return -1;
	}
	return sock;
}

struct fz_thread {
	pthread_t tid;
	uint64_t seed;
	unsigned long calls;
	int ret;
};

static void *fz_thread_fn(void *arg)
{
	struct fz_thread *t = arg;
	struct fz_rng r = { t->seed };
	uint8_t *buf = malloc(FZ_BUFSZ);
	int sock = fz_nl_socket();
	unsigned long i;

	if (!buf || sock < 0) {
		t->ret = -1;
		free(buf);
		return NULL;
	}
	for (i = 0; i < t->calls; i++)
		fz_one(&r, buf, sock);
	close(sock);
	free(buf);
	return NULL;
}

static int fz_setup(void)
{
	uint8_t *p;
	int i;

	pthread_mutex_init(&fz.lock, NULL);
	for (i = 0; i < FZ_FDS; i++) {
		fz.fd[i] = nt_open(i == 2 ? 1 : 0);
		if (fz.fd[i] < 0)
			return fz.fd[i];
	}
	p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* [edge page][unmapped][read-only] */
	memset(p, 0, 3 * 4096);
	fz.edge = p;
	fz.bad_unmapped = p + 4096;
	fz.bad_ro = p + 2 * 4096;
	if (munmap(fz.bad_unmapped, 4096) ||
	    mprotect(fz.bad_ro, 4096, PROT_READ))
		return -errno;
	fz.nl = fz_nl_socket();
	if (fz.nl < 0)
		return -errno;
	fz.family = fz_nl_family(fz.nl);
	return fz.family ? 0 : -ENOENT;
}

static int fz_teardown(void)
{
	int i, err = 0;

	for (i = 0; i < FZ_MAPS; i++)
		if (fz.maps[i].addr && munmap(fz.maps[i].addr, fz.maps[i].len))
			err = -errno;
	for (i = 0; i < FZ_FDS; i++)
		if (close(fz.fd[i]))
			err = -errno;
	return err;
}

static bool fz_empty(int dev, char *msg, size_t len)
{
	struct nnmem_usage u;
	int fd = nt_open(dev), err;

	if (fd < 0) {
		snprintf(msg, len, "open nnmem%d: %s", dev, strerror(-fd));
		return false;
	}
	err = nt_usage(fd, &u);
	close(fd);
	if (err || !nt_usage_empty(&u)) {
		snprintf(msg, len,
			 "nnmem%d: err %d weight %llu activation %llu free %llu extents %u deferred %u",
			 dev, err, (unsigned long long)u.weight_bytes,
			 (unsigned long long)u.activation_bytes,
			 (unsigned long long)u.free_bytes, u.free_extents,
			 u.deferred_regions);
		return false;
	}
	return true;
}

static unsigned long fz_total_calls(void)
{
	unsigned long total = 0;
	int i;

	for (i = 0; i < FZ_NR_OPS; i++)
		total += fz.calls[i];
	return total;
}

static void fz_print_counts(void)
{
	unsigned long total = fz_total_calls();
	int i;

	printf("# %lu calls: %lu succeeded, %lu failed with a documented errno, %lu unexpected\n",
	       total, fz.successes, fz.errors - fz.bad, fz.bad);
	for (i = 0; i < FZ_NR_OPS; i++)
		printf("#   %-20s %6lu calls, %6lu succeeded\n", fz_ops[i].name,
		       fz.calls[i], fz.ok[i]);
}

int main(void)
{
	const char *kernel = getenv("NNMEM_KERNEL"), *env;
	struct fz_thread th[FZ_THREADS];
	unsigned long calls, bad0, per, made;
	uint64_t seed, t0;
	uint8_t *buf;
	char msg[200];
	int i, fails = 0, err;

	env = getenv("NNMEM_FUZZ_CALLS");
	calls = env ? strtoul(env, NULL, 0) :
		kernel && !strcmp(kernel, "debug-6.12") ? 120000 : 100000;
	/* half from one thread, half from FZ_THREADS */
	calls /= 2;
	env = getenv("NNMEM_FUZZ_SEED");
	seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^
					      ((uint64_t)getpid() << 32);

	printf("TAP version 13\n1..3\n");
	printf("# seed %" PRIu64 " (NNMEM_FUZZ_SEED=%" PRIu64 " reproduces the single-threaded part), %lu calls per part\n",
	       seed, seed, calls);
	fflush(stdout);

	buf = malloc(FZ_BUFSZ);
	err = buf ? fz_setup() : -ENOMEM;
	if (err) {
		printf("not ok 1 fuzz: single thread (setup: %s)\n", strerror(-err));
		printf("not ok 2 fuzz: %d threads (setup failed)\n", FZ_THREADS);
		printf("not ok 3 fuzz: usage back to empty (setup failed)\n");
		printf("0 passed, 3 failed\n");
		free(buf);
		return 1;
	}

	t0 = nt_now_ns();
	{
		struct fz_rng r = { seed };
		unsigned long k;

		for (k = 0; k < calls; k++)
			fz_one(&r, buf, fz.nl);
	}
	printf("# single thread: %.1f s\n", (nt_now_ns() - t0) / 1e9);
	fz_print_counts();
	made = fz_total_calls();
	bad0 = fz.bad;
	if (bad0) {
		fails++;
		printf("not ok 1 fuzz: single thread, %lu calls, %lu undocumented results\n",
		       calls, bad0);
	} else {
		printf("ok 1 fuzz: single thread, %lu calls, every result success or a documented errno\n",
		       calls);
	}
	fflush(stdout);

	t0 = nt_now_ns();
	per = calls / FZ_THREADS;
	memset(fz.calls, 0, sizeof(fz.calls));
	memset(fz.ok, 0, sizeof(fz.ok));
	fz.successes = fz.errors = 0;
	for (i = 0; i < FZ_THREADS; i++) {
		th[i].seed = seed + 1 + (uint64_t)i;
		th[i].calls = per;
		th[i].ret = 0;
		if (pthread_create(&th[i].tid, NULL, fz_thread_fn, &th[i]))
			th[i].ret = -1;
	}
	err = 0;
	for (i = 0; i < FZ_THREADS; i++) {
		if (!th[i].ret)
			pthread_join(th[i].tid, NULL);
		err |= th[i].ret;
	}
	printf("# %d threads: %.1f s\n", FZ_THREADS, (nt_now_ns() - t0) / 1e9);
	fz_print_counts();
	made += fz_total_calls();
	if (err || fz.bad != bad0) {
		fails++;
		printf("not ok 2 fuzz: %d threads x %lu calls on 3 files of 2 devices, %lu undocumented results%s\n",
		       FZ_THREADS, per, fz.bad - bad0, err ? ", a thread failed to start" : "");
	} else {
		printf("ok 2 fuzz: %d threads x %lu calls on 3 files of 2 devices, every result success or a documented errno\n",
		       FZ_THREADS, per);
	}

	err = fz_teardown();
	close(fz.nl);
	if (!err && fz_empty(0, msg, sizeof(msg)) &&
	    fz_empty(1, msg, sizeof(msg))) {
		printf("ok 3 fuzz: usage back to empty on both devices after unmapping and closing\n");
	} else {
		fails++;
		if (err)
			snprintf(msg, sizeof(msg), "teardown: %s", strerror(-err));
		printf("# %s\n", msg);
		printf("not ok 3 fuzz: usage back to empty on both devices after unmapping and closing\n");
	}
	free(buf);
	printf("# figure: calls=%lu\n", made);
	printf("# figure: undocumented=%lu\n", fz.bad);
	printf("%d passed, %d failed\n", 3 - fails, fails);
	return fails ? 1 : 0;
}
