/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * nnmem: memory manager for a neural-network accelerator's DMA arena.
 *
 * This is the only header userspace needs to drive /dev/nnmemN.
 */
#ifndef _UAPI_LINUX_NNMEM_H
#define _UAPI_LINUX_NNMEM_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: nnmem overview
 *
 * Each nnmem device owns one physically contiguous DMA buffer, the *arena*.
 * Every open file of ``/dev/nnmemN`` is a *session*. A session allocates
 * *regions* of the arena and names them by per-session *handles*, given in
 * increasing order from 1 (a failed ALLOC may skip one) and not reused
 * until the session has taken 2^31 - 1 of them, when they start again from
 * the lowest free one. A freed handle is unknown
 * (``-ENOENT``) for that long; so is another session's handle. Closing the
 * file frees every region the session owned.
 *
 * A new region reads as zeros: every byte a session can see through
 * %NNMEM_IOCTL_READ, a mapping (the span's page-rounding tail included) or
 * a graph was written by that session or is zero, whatever the region's
 * space held before.
 *
 * A file opened read-only (``O_RDONLY``) may only look: %NNMEM_IOCTL_INFO,
 * %NNMEM_IOCTL_USAGE, %NNMEM_IOCTL_REGION_INFO, %NNMEM_IOCTL_READ,
 * %NNMEM_IOCTL_WAIT and ``PROT_READ`` mappings. The ioctls that change
 * state (%NNMEM_IOCTL_ALLOC, %NNMEM_IOCTL_FREE, %NNMEM_IOCTL_WRITE,
 * %NNMEM_IOCTL_GRAPH_CREATE, %NNMEM_IOCTL_GRAPH_DESTROY, %NNMEM_IOCTL_RUN,
 * %NNMEM_IOCTL_CANCEL, %NNMEM_IOCTL_EXPORT, %NNMEM_IOCTL_COMPACT) give ``-EBADF`` before looking
 * at their argument, as write(2) does, and ``PROT_WRITE`` mappings give ``-EACCES``. Such a
 * session holds no region or job, so its READ, REGION_INFO and WAIT calls
 * can only get ``-ENOENT``: it is for INFO and USAGE.
 *
 * Weights (filters, biases, quantisation tables) are allocated from the
 * bottom of the arena: with no frees in between, successive weight regions
 * get strictly ascending offsets in request order. Activations are allocated
 * from the top at strictly descending offsets. At every moment every weight
 * region lies below every activation region; a request that cannot be placed
 * that way fails with ``-ENOSPC`` and changes nothing. Freed space coalesces
 * and is reused: weights take the lowest hole that fits, activations the
 * highest.
 *
 * Extensibility: the size of each ioctl's struct is part of its command
 * number. The driver accepts any size from the struct's first published
 * version (``NNMEM_*_SIZE_VER0``) up: a shorter struct is zero-extended, a
 * longer one must have an all-zero tail it does not know (else ``-E2BIG``),
 * as copy_struct_from_user() does. Output is written back truncated to the
 * caller's size; a caller's struct longer than the driver's gets its unknown
 * tail zeroed. %NNMEM_IOCTL_INFO and %NNMEM_IOCTL_USAGE only write their
 * struct and never read it. Unknown commands get ``-ENOTTY``; a struct
 * shorter than its first version gets ``-EINVAL``.
 *
 * Every input ``flags`` and ``__pad`` field, and every bit not defined for
 * it, must be zero; anything else is rejected with ``-EINVAL`` and changes
 * nothing. User memory is passed as ``__u64`` addresses.
 *
 * Alignment padding belongs to the region that needed it: a weight region
 * reserves from the end of the space below it up to its end, an activation
 * region from its start up to the space above it. So no gap is left that a
 * later, less aligned request could take, and request order is kept for any
 * mix of alignments. Usage counts these reserved bytes.
 */

/**
 * DOC: nnmem mmap
 *
 * A region allocated with %NNMEM_ALLOC_MAPPABLE is mapped with mmap() on the
 * session's file at &nnmem_region_info.mmap_offset (plus a whole number of
 * pages to start inside it), %MAP_SHARED only. The offset is made from the
 * handle, fits a (positive) 64-bit ``off_t`` and, like the handle, names no
 * other region after the region is freed (until handles wrap, see the
 * overview). Errors: ``-ENOENT`` when the offset names no region of this
 * session (a freed region's offset included), ``-EACCES`` for a region that
 * is not mappable, ``-EINVAL`` for %MAP_PRIVATE or a range past the
 * region's span. A mapping keeps the region's space reserved after the
 * region is freed or its file closed, until the last mapping of it goes.
 */

#define NNMEM_UAPI_VERSION		5

#define NNMEM_IOC_MAGIC			0xB4

/* Capability bits reported in &nnmem_info.caps. */
#define NNMEM_CAP_MMAP			_BITULL(0)
#define NNMEM_CAP_RW			_BITULL(1)
#define NNMEM_CAP_LABELS		_BITULL(2)
#define NNMEM_CAP_GRAPH			_BITULL(3)
/* %NNMEM_IOCTL_EXPORT works (the kernel has CONFIG_DMA_SHARED_BUFFER). */
#define NNMEM_CAP_DMABUF		_BITULL(4)
/* %NNMEM_IOCTL_COMPACT works (since version 5). */
#define NNMEM_CAP_COMPACT		_BITULL(5)

/* Region kinds (&nnmem_alloc.kind). */
#define NNMEM_KIND_WEIGHT		1
#define NNMEM_KIND_ACTIVATION		2

/* Allocation flags (&nnmem_alloc.flags). */
#define NNMEM_ALLOC_MAPPABLE		0x1U
#define NNMEM_ALLOC_VALID_FLAGS		(NNMEM_ALLOC_MAPPABLE)

/* Alignment used when &nnmem_alloc.align is 0, and the largest accepted. */
#define NNMEM_ALIGN_DEFAULT		64
#define NNMEM_ALIGN_MAX			0x200000U

/* Region labels are NUL-terminated printable ASCII, zero-padded. */
#define NNMEM_LABEL_LEN			32

/**
 * struct nnmem_info - device information (%NNMEM_IOCTL_INFO)
 * @uapi_version: %NNMEM_UAPI_VERSION of the driver.
 * @dev_index: N of /dev/nnmemN.
 * @caps: %NNMEM_CAP_* bits.
 * @arena_size: size of the arena in bytes.
 * @default_align: alignment used when a request gives none.
 * @max_align: largest accepted alignment (a power of two).
 * @max_regions: most regions one session may hold at once.
 * @page_size: the kernel's page size; mappable regions are multiples of it.
 * @max_tensors: most tensors in one graph (since version 1 of the struct).
 * @max_nodes: most nodes in one graph (since version 1).
 * @max_graphs: most graphs one session may hold at once (since version 1).
 * @max_jobs: most unreaped jobs one session may have (since version 1).
 * @max_graph_macs: most multiply-accumulates one graph may take to run, as
 *	&nnmem_wait.macs counts them (module parameter max_graph_macs,
 *	default 2^36; GRAPH_CREATE rejects a graph above it with
 *	%NNMEM_GERR_GRAPH_MACS; since version 2).
 * @max_session_kmem: most bytes of kernel memory the graphs and jobs of
 *	one session may hold, as "DOC: nnmem kernel memory" counts them
 *	(module parameter max_session_kmem; since version 2).
 * @max_device_kmem: most bytes of kernel memory the graphs and jobs of all
 *	sessions of the device may hold, counted the same way (module
 *	parameter max_device_kmem; since version 2).
 */
struct nnmem_info {
	__u32 uapi_version;
	__u32 dev_index;
	__u64 caps;
	__u64 arena_size;
	__u32 default_align;
	__u32 max_align;
	__u32 max_regions;
	__u32 page_size;
	__u32 max_tensors;
	__u32 max_nodes;
	__u32 max_graphs;
	__u32 max_jobs;
	__u64 max_graph_macs;
	__u64 max_session_kmem;
	__u64 max_device_kmem;
};

#define NNMEM_INFO_SIZE_VER0		40
#define NNMEM_INFO_SIZE_VER1		56

/**
 * struct nnmem_alloc - allocate a region (%NNMEM_IOCTL_ALLOC)
 * @size: in: bytes, at least 1 and at most the arena size.
 * @align: in: power of two up to %NNMEM_ALIGN_MAX, or 0 for
 *	%NNMEM_ALIGN_DEFAULT. A %NNMEM_ALLOC_MAPPABLE region is at least
 *	page aligned.
 * @kind: in: %NNMEM_KIND_WEIGHT or %NNMEM_KIND_ACTIVATION.
 * @flags: in: %NNMEM_ALLOC_* bits. %NNMEM_ALLOC_MAPPABLE page-aligns the
 *	region and rounds its reserved span up to whole pages, so that a
 *	mapping of it never shows another region's bytes.
 * @handle: out: the session's handle for the region (ignored on input):
 *	higher than any the session was given before, until handles wrap.
 * @offset: out: byte offset of the region in the arena (ignored on input).
 * @label: in (since version 1 of the struct): optional name shown by
 *	tools; printable ASCII, NUL-terminated, zero after the NUL.
 *
 * The region's span reads as zeros.
 *
 * Errors: ``-EINVAL`` for a bad field, ``-ENOSPC`` when the region cannot be
 * placed, ``-EMFILE`` when the session holds %nnmem_info.max_regions,
 * ``-EDQUOT`` when its span would take the session or its uid past an
 * arena quota (see "DOC: nnmem arena quotas"), ``-EBADF`` on a read-only
 * file.
 */
struct nnmem_alloc {
	__u64 size;
	__u32 align;
	__u32 kind;
	__u32 flags;
	__u32 handle;
	__u64 offset;
	__u8 label[NNMEM_LABEL_LEN];
};

#define NNMEM_ALLOC_SIZE_VER0		32

/**
 * struct nnmem_free - free a region (%NNMEM_IOCTL_FREE)
 * @handle: the region's handle.
 * @flags: must be zero.
 *
 * The handle is gone at once, and so is the region's mmap offset: a
 * mmap() racing with FREE either maps the region (which is then freed
 * while mapped) or gets ``-ENOENT``. The region's arena space is released
 * when the last mapping of it goes away; until then &nnmem_usage counts it
 * as deferred.
 *
 * Errors: ``-EINVAL`` for nonzero @flags, ``-ENOENT`` for an unknown
 * handle, ``-EBUSY`` while a graph uses the region, ``-EBADF`` on a
 * read-only file.
 */
struct nnmem_free {
	__u32 handle;
	__u32 flags;
};

#define NNMEM_FREE_SIZE_VER0		8

/**
 * struct nnmem_region_info - describe a region (%NNMEM_IOCTL_REGION_INFO)
 * @handle: in: the region's handle.
 * @flags: in: must be zero.
 * @offset: out: byte offset in the arena.
 * @size: out: size as requested.
 * @mmap_offset: out: offset to pass to mmap() on this file to map the
 *	region (0 if it is not mappable).
 * @align: out: the alignment the region was placed with.
 * @kind: out: %NNMEM_KIND_WEIGHT or %NNMEM_KIND_ACTIVATION.
 * @alloc_flags: out: the %NNMEM_ALLOC_* flags it was allocated with.
 * @__pad: out: zero (ignored on input).
 * @span: out: bytes from @offset that belong to the region (@size rounded
 *	up to whole pages for a mappable region). Alignment padding before or
 *	after them is reserved with the region and counted in usage.
 * @label: out (since version 1 of the struct): the region's label.
 */
struct nnmem_region_info {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 size;
	__u64 mmap_offset;
	__u32 align;
	__u32 kind;
	__u32 alloc_flags;
	__u32 __pad;
	__u64 span;
	__u8 label[NNMEM_LABEL_LEN];
};

#define NNMEM_REGION_INFO_SIZE_VER0	56

/**
 * struct nnmem_rw - copy between user memory and a region
 *	(%NNMEM_IOCTL_WRITE, %NNMEM_IOCTL_READ)
 * @handle: the region's handle.
 * @flags: must be zero.
 * @offset: byte offset inside the region.
 * @length: bytes to copy; @offset + @length must not pass the region's size
 *	(``-EINVAL``). 0 copies nothing.
 * @data: user address of the buffer.
 */
struct nnmem_rw {
	__u32 handle;
	__u32 flags;
	__u64 offset;
	__u64 length;
	__u64 data;
};

#define NNMEM_RW_SIZE_VER0		32

/**
 * struct nnmem_usage - arena usage (%NNMEM_IOCTL_USAGE)
 * @arena_size: bytes in the arena.
 * @weight_bytes: bytes reserved by weight regions (spans and padding).
 * @activation_bytes: bytes reserved by activation regions.
 * @free_bytes: bytes in no region.
 * @largest_free: the largest free extent.
 * @weight_top: end of the highest weight region (0 if none).
 * @activation_bottom: start of the lowest activation region (@arena_size
 *	if none).
 * @weight_hwm: high-water mark of @weight_bytes since load.
 * @activation_hwm: high-water mark of @activation_bytes since load.
 * @weight_regions: live weight regions, all sessions.
 * @activation_regions: live activation regions, all sessions.
 * @free_extents: number of free extents.
 * @deferred_regions: regions freed but still mapped (or exported, a
 *	live dma-buf counting as a mapping); their space is counted in
 *	@weight_bytes/@activation_bytes until the last mapping goes.
 * @session_regions: regions held by the calling session.
 * @__pad: zero.
 * @session_bytes: bytes reserved by the calling session's regions.
 * @deferred_bytes: bytes held by deferred regions.
 * @session_kmem: kernel memory charged for the calling session's graphs
 *	and jobs (see "DOC: nnmem kernel memory"; since version 1 of the
 *	struct).
 * @device_kmem: kernel memory charged for the graphs and jobs of all
 *	sessions of the device (since version 1).
 * @path_nodes: nodes of graphs the device's jobs computed since the module
 *	was loaded, per kernel path: indexed by ``NNMEM_PATH_*`` (since
 *	version 2; see "DOC: nnmem kernel paths").
 * @path_macs: their multiply-accumulates, per path (since version 2).
 * @quota_uid: the uid the calling session is charged to: its opener's
 *	effective uid in the initial user namespace (since version 3; see
 *	"DOC: nnmem arena quotas").
 * @dmabufs: live dma-bufs exported from the device's regions, all sessions
 *	(%NNMEM_IOCTL_EXPORT; since version 3).
 * @session_weight_span: bytes of weight region spans charged to the
 *	calling session (since version 3).
 * @session_activation_span: the same for activation regions.
 * @uid_weight_span: bytes of weight region spans charged to all sessions
 *	of @quota_uid on this device (since version 3).
 * @uid_activation_span: the same for activation regions.
 * @session_weight_quota: the device's weight quota per session,
 *	%NNMEM_QUOTA_NONE for none (since version 3).
 * @session_activation_quota: the same for activation regions.
 * @uid_weight_quota: the weight quota of @quota_uid on this device,
 *	%NNMEM_QUOTA_NONE for none (since version 3).
 * @uid_activation_quota: the same for activation regions.
 */
struct nnmem_usage {
	__u64 arena_size;
	__u64 weight_bytes;
	__u64 activation_bytes;
	__u64 free_bytes;
	__u64 largest_free;
	__u64 weight_top;
	__u64 activation_bottom;
	__u64 weight_hwm;
	__u64 activation_hwm;
	__u32 weight_regions;
	__u32 activation_regions;
	__u32 free_extents;
	__u32 deferred_regions;
	__u32 session_regions;
	__u32 __pad;
	__u64 session_bytes;
	__u64 deferred_bytes;
	__u64 session_kmem;
	__u64 device_kmem;
	__u64 path_nodes[4];
	__u64 path_macs[4];
	__u32 quota_uid;
	__u32 dmabufs;
	__u64 session_weight_span;
	__u64 session_activation_span;
	__u64 uid_weight_span;
	__u64 uid_activation_span;
	__u64 session_weight_quota;
	__u64 session_activation_quota;
	__u64 uid_weight_quota;
	__u64 uid_activation_quota;
};

#define NNMEM_USAGE_SIZE_VER0		112
#define NNMEM_USAGE_SIZE_VER1		128
#define NNMEM_USAGE_SIZE_VER2		192

/**
 * DOC: nnmem arena quotas
 *
 * Root may limit the arena bytes that sessions hold, for each device and
 * each kind (weights and activations) separately: per session
 * (``/sys/class/nnmem/nnmemN/quota_session_weight_bytes`` and
 * ``quota_session_activation_bytes``) and per user, for all sessions of
 * one uid together (``quota_uid``, at most 64 uids per device); see
 * driver/sysfs-class-nnmem. There is no quota by default.
 *
 * A session is charged to the effective uid of the process that opened it,
 * in the initial user namespace, for as long as it lives. What is counted
 * is each region's span (&nnmem_region_info.span: the size, rounded up to
 * whole pages for a mappable region), not the alignment padding that
 * &nnmem_usage.session_bytes also counts. The charge follows the span: it
 * is taken by %NNMEM_IOCTL_ALLOC and given back when the span goes back to
 * the arena, so a region freed while mapped stays charged (to its session
 * and uid) until its last mapping goes.
 *
 * An ALLOC whose span would take its session or its uid past a quota of
 * the region's kind fails with ``-EDQUOT`` and changes nothing. Quotas may
 * change at any time: one lowered below what is held refuses new
 * allocations of that kind but frees nothing. &nnmem_usage shows the
 * calling session's charges, its uid's and the quotas that apply.
 */
#define NNMEM_QUOTA_NONE		(~(__u64)0)

/**
 * DOC: nnmem kernel paths
 *
 * The device computes conv2d (depthwise and grouped included) and fully
 * connected nodes on the fastest path the CPU has, and every other node on
 * the portable reference kernels. Each path gives the same bytes as the
 * reference kernels, which are TensorFlow Lite's (its double-rounding
 * requantisation, in integers); they differ only in speed:
 *
 *  - %NNMEM_PATH_REFERENCE: the reference kernels;
 *  - %NNMEM_PATH_SCALAR: blocked portable C, on any CPU (slower than the
 *    reference kernels; only chosen when forced, for testing);
 *  - %NNMEM_PATH_AVX2: x86-64 AVX2;
 *  - %NNMEM_PATH_AVX512: x86-64 AVX-512 F/BW/VL with VNNI.
 *
 * The fast paths use the weights packed into their own layout, in kernel
 * memory charged with the graph (&nnmem_graph_create.fast_size). The
 * driver packs them at the first run of the graph, and again at a run
 * after a weight region of the graph was written (%NNMEM_IOCTL_WRITE) or
 * while one has a writable mapping: writes through a mapping cannot be
 * seen, so every run of such a graph packs anew. Map weights read-only,
 * or unmap them once written, to pack once.
 *
 * SIMD registers are used in bounded sections between the scheduling
 * points of a job; when the CPU cannot give them (a kernel context that
 * may not use them), the node runs on the reference kernel instead.
 *
 * The module parameter ``fast_path`` chooses the path of the graphs
 * created afterwards: -1 (the default) the best one (AVX-512, else AVX2,
 * else the reference kernels), or a path number to
 * force it (0 forces the reference kernels; a path the CPU lacks is
 * refused). %NNMEM_GRAPH_REFERENCE does the same for one graph. What ran
 * is counted per path in &nnmem_usage.path_nodes and
 * &nnmem_usage.path_macs.
 */
#define NNMEM_PATH_REFERENCE		0
#define NNMEM_PATH_SCALAR		1
#define NNMEM_PATH_AVX2			2
#define NNMEM_PATH_AVX512		3
#define NNMEM_PATH_COUNT		4

/**
 * DOC: nnmem kernel memory
 *
 * Graphs and jobs live in kernel memory, as much as userspace asks for.
 * Everything a call makes the driver allocate (graphs, jobs, the regions'
 * and the session's bookkeeping) is charged to the memory cgroup of the
 * calling process. Graphs and jobs are also counted against two budgets:
 * &nnmem_info.max_session_kmem for each session and
 * &nnmem_info.max_device_kmem for all sessions of a device together (the
 * module parameters max_session_kmem and max_device_kmem, by default
 * 16 MiB and 256 MiB; root may change them at any time).
 *
 * A graph of T tensors and N nodes is charged 64 + 8 * T + 144 * N bytes,
 * from %NNMEM_IOCTL_GRAPH_CREATE until the graph is freed: when its handle
 * is gone (%NNMEM_IOCTL_GRAPH_DESTROY or close()) and every job of it has
 * been reaped; a graph with nodes on a fast path is charged its
 * &nnmem_graph_create.fast_size on top (the packed weights, whose size
 * depends on the shapes, see "DOC: nnmem kernel paths"). A job of a
 * graph of N nodes is charged 64 + 8 * N bytes
 * from %NNMEM_IOCTL_RUN until it is reaped (%NNMEM_IOCTL_WAIT, the end of
 * a synchronous RUN, or close()). These fixed functions of the counts are
 * the bytes the driver asks for to keep the object (its struct, and an
 * entry per tensor and per node) on a 64-bit kernel; the allocators round
 * them up and add bookkeeping of their own, which the memory cgroup sees
 * and the budgets do not. &nnmem_usage.session_kmem and
 * &nnmem_usage.device_kmem show the charges.
 *
 * A GRAPH_CREATE or RUN whose charge would take its session past
 * max_session_kmem, or the device past max_device_kmem, fails with
 * ``-EDQUOT`` and changes nothing. ``-ENOMEM`` means that the kernel could
 * not allocate the memory, the memory cgroup's limit included.
 *
 * With the defaults, a session holding its most graphs of the largest size
 * (64 graphs of 1024 tensors and 1024 nodes) and its most jobs of them is
 * charged 10,493,952 bytes, so the session budget refuses nothing that the
 * count limits allow; the device budget is 25 such sessions.
 */

/**
 * DOC: nnmem graphs
 *
 * A graph is an array of tensors and an array of nodes. A tensor names a
 * region of the calling session and a byte offset in it; its data is
 * densely packed. Activations are int8 NHWC (4 dims); conv2d filters are
 * int8 OHWI (4 dims, I = input channels / groups); bias, multiplier and
 * shift are int32 with one dim, one entry per output channel. Filters,
 * biases and quantisation tensors must lie in weight regions, activations
 * in activation regions.
 *
 * %NNMEM_IOCTL_GRAPH_CREATE copies the whole description into the kernel
 * and validates all of it once. A rejected graph gets ``-EINVAL`` with
 * &nnmem_graph_create.err_reason, err_node and err_tensor saying where and
 * why; nothing is created. A tensor is written by at most one node, and a
 * node only reads tensors that no node writes or that an earlier node
 * writes (nodes are in topological order). A node's output may not overlap
 * any of its inputs. Regions a graph uses cannot be freed (``-EBUSY``)
 * until the graph is destroyed.
 *
 * %NNMEM_IOCTL_RUN runs a graph on the device's worker, either waiting for
 * it (interruptibly; a signal cancels the job and gives ``-EINTR``) or, with
 * %NNMEM_RUN_ASYNC, returning a job id at once. A finished job stays until
 * %NNMEM_IOCTL_WAIT reaps it; poll() on the file reports ``POLLIN`` while
 * the session has a finished, unreaped job. %NNMEM_IOCTL_CANCEL stops a
 * queued job before it starts, or a running one between nodes or rows.
 */

/* Tensor element types (&nnmem_tensor.type). */
#define NNMEM_TYPE_INT8			1
#define NNMEM_TYPE_INT32		2

#define NNMEM_TENSOR_MAX_DIMS		4

/* An absent optional tensor (conv2d bias); also "no index" in errors. */
#define NNMEM_INDEX_NONE		0xffffffffU

/* Tensor flags (&nnmem_tensor.flags; since uapi version 2). */
#define NNMEM_TENSOR_DEVICE_PLACED	0x1U
#define NNMEM_TENSOR_VALID_FLAGS	(NNMEM_TENSOR_DEVICE_PLACED)

/**
 * struct nnmem_tensor - one tensor of a graph
 * @handle: region holding the data (a handle of the calling session).
 * @type: %NNMEM_TYPE_INT8 or %NNMEM_TYPE_INT32.
 * @offset: byte offset of the first element in the region. An int32
 *	tensor must start at a multiple of 4 bytes in the arena (region
 *	offset plus @offset), else %NNMEM_GERR_TENSOR_BOUNDS.
 * @ndims: number of dims used, 1 to %NNMEM_TENSOR_MAX_DIMS.
 * @zero_point: int8: in [-128, 127]; int32: must be 0.
 * @dims: the shape, outermost first; entries past @ndims must be 0.
 * @flags: 0 or %NNMEM_TENSOR_DEVICE_PLACED (see "DOC: nnmem device
 *	planning"); other bits give %NNMEM_GERR_TENSOR_RESERVED.
 * @__pad: must be zero.
 */
struct nnmem_tensor {
	__u32 handle;
	__u32 type;
	__u64 offset;
	__u32 ndims;
	__s32 zero_point;
	__u32 dims[NNMEM_TENSOR_MAX_DIMS];
	__u32 flags;
	__u32 __pad;
};

#define NNMEM_TENSOR_SIZE_VER0		48

/* Node operations (&nnmem_node.op). */
#define NNMEM_OP_CONV2D			1
#define NNMEM_OP_ADD			2
#define NNMEM_OP_FULLY_CONNECTED	3	/* since uapi version 2 */
#define NNMEM_OP_AVG_POOL2D		4	/* since uapi version 2 */
#define NNMEM_OP_MAX_POOL2D		5	/* since uapi version 2 */
#define NNMEM_OP_SOFTMAX		6	/* since uapi version 2 */

/**
 * struct nnmem_conv2d - a per-channel int8 2D convolution
 * @input: tensor index: int8 NHWC input.
 * @filter: tensor index: int8 OHWI filter.
 * @bias: tensor index: int32 [O] bias, or %NNMEM_INDEX_NONE.
 * @output: tensor index: int8 NHWC output; its shape must be the one the
 *	input, filter, stride, dilation and padding give.
 * @multiplier: tensor index: int32 [O] Q31 requantisation multipliers.
 * @shift: tensor index: int32 [O] shifts (positive = left), in [-31, 30].
 * @stride_h: vertical stride, at least 1.
 * @stride_w: horizontal stride, at least 1.
 * @dilation_h: vertical dilation, at least 1.
 * @dilation_w: horizontal dilation, at least 1.
 * @pad_top: implicit rows above the input, less than the dilated kernel.
 * @pad_bottom: implicit rows below the input, likewise.
 * @pad_left: implicit columns left of the input, likewise.
 * @pad_right: implicit columns right of the input, likewise.
 * @groups: channel groups, dividing input and output channels;
 *	input channels for a depthwise convolution.
 * @act_min: lower output clamp, in [-128, @act_max].
 * @act_max: upper output clamp, in [@act_min, 127].
 * @__pad: must be zero.
 *
 * Zero points are the input's and output's &nnmem_tensor.zero_point; the
 * filter's must be 0. Semantics are TFLite's ConvPerChannel, bit-exact.
 */
struct nnmem_conv2d {
	__u32 input;
	__u32 filter;
	__u32 bias;
	__u32 output;
	__u32 multiplier;
	__u32 shift;
	__u32 stride_h;
	__u32 stride_w;
	__u32 dilation_h;
	__u32 dilation_w;
	__u32 pad_top;
	__u32 pad_bottom;
	__u32 pad_left;
	__u32 pad_right;
	__u32 groups;
	__s32 act_min;
	__s32 act_max;
	__u32 __pad;
};

/**
 * struct nnmem_add - an int8 elementwise add with TFLite's requantisation
 * @input1: tensor index: int8 first operand.
 * @input2: tensor index: int8 second operand: the same shape, or one dim
 *	equal to the first's last dim (per channel), or one element.
 * @output: tensor index: int8 output, the first operand's shape.
 * @left_shift: in [0, 30] (TFLite uses 20).
 * @input1_multiplier: Q31 multiplier of the first operand.
 * @input1_shift: its shift, in [-31, 30].
 * @input2_multiplier: Q31 multiplier of the second operand.
 * @input2_shift: its shift, in [-31, 30].
 * @output_multiplier: Q31 multiplier of the sum.
 * @output_shift: its shift, in [-31, 30].
 * @act_min: lower output clamp, in [-128, @act_max].
 * @act_max: upper output clamp, in [@act_min, 127].
 *
 * Zero points are the tensors' &nnmem_tensor.zero_point.
 */
struct nnmem_add {
	__u32 input1;
	__u32 input2;
	__u32 output;
	__s32 left_shift;
	__s32 input1_multiplier;
	__s32 input1_shift;
	__s32 input2_multiplier;
	__s32 input2_shift;
	__s32 output_multiplier;
	__s32 output_shift;
	__s32 act_min;
	__s32 act_max;
};

/**
 * struct nnmem_fully_connected - an int8 fully connected layer
 * @input: tensor index: int8 input of any shape whose element count is a
 *	multiple of the filter's second dim (the depth); each run of depth
 *	elements is one row (TFLite's flattening).
 * @filter: tensor index: int8 [O, depth] weights, zero point 0.
 * @bias: tensor index: int32 [O] bias, or %NNMEM_INDEX_NONE.
 * @output: tensor index: int8 output of (input elements / depth) * O
 *	elements.
 * @multiplier: tensor index: int32 Q31 multipliers, one element
 *	(per-tensor quantisation) or O (per channel).
 * @shift: tensor index: int32 shifts in [-31, 30], as many as @multiplier.
 * @act_min: lower output clamp, in [-128, @act_max].
 * @act_max: upper output clamp, in [@act_min, 127].
 *
 * Semantics are TFLite's integer FullyConnected (per-tensor) and
 * FullyConnectedPerChannel, bit-exact.
 */
struct nnmem_fully_connected {
	__u32 input;
	__u32 filter;
	__u32 bias;
	__u32 output;
	__u32 multiplier;
	__u32 shift;
	__s32 act_min;
	__s32 act_max;
};

/**
 * struct nnmem_pool2d - an int8 average or max pooling
 * @input: tensor index: int8 NHWC input.
 * @output: tensor index: int8 NHWC output with the input's batch, channels
 *	and zero point, and the height and width the window, stride and
 *	padding give (as for &struct nnmem_conv2d, without dilation).
 * @filter_h: window height, 1 to 65535.
 * @filter_w: window width, 1 to 65535; @filter_h * @filter_w at most
 *	2^24 (so that TFLite's int32 sum of the taps cannot overflow).
 * @stride_h: vertical stride, 1 to 65535.
 * @stride_w: horizontal stride, 1 to 65535.
 * @pad_top: rows above the input, less than @filter_h.
 * @pad_bottom: rows below the input, less than @filter_h.
 * @pad_left: columns left of the input, less than @filter_w.
 * @pad_right: columns right of the input, less than @filter_w.
 * @act_min: lower output clamp, in [-128, @act_max].
 * @act_max: upper output clamp, in [@act_min, 127].
 *
 * Window taps outside the input are left out (an average divides by the
 * taps inside, rounding half away from zero). Semantics are TFLite's
 * integer AveragePool and MaxPool, bit-exact.
 */
struct nnmem_pool2d {
	__u32 input;
	__u32 output;
	__u32 filter_h;
	__u32 filter_w;
	__u32 stride_h;
	__u32 stride_w;
	__u32 pad_top;
	__u32 pad_bottom;
	__u32 pad_left;
	__u32 pad_right;
	__s32 act_min;
	__s32 act_max;
};

/**
 * struct nnmem_softmax - an int8 softmax over the last dim
 * @input: tensor index: int8 input.
 * @output: tensor index: int8 output of the input's shape, zero point
 *	-128 (scale 1/256, as TFLite requires).
 * @input_multiplier: Q31 multiplier of beta * input scale, prepared as
 *	TFLite's PreprocessSoftmaxScaling with 5 integer bits; at least 0.
 * @input_left_shift: its left shift, in [0, 31].
 * @diff_min: differences from the row maximum below this give 0; in
 *	[-2^31 + 1, 0] (TFLite's -CalculateInputRadius(5, left_shift)).
 * @__pad: must be zero.
 *
 * Semantics are TFLite's int8 reference Softmax (gemmlowp fixed point),
 * bit-exact; where TFLite's int32 arithmetic is undefined (rows of more
 * than 511 elements near their maximum) the exact result is given.
 */
struct nnmem_softmax {
	__u32 input;
	__u32 output;
	__s32 input_multiplier;
	__s32 input_left_shift;
	__s32 diff_min;
	__u32 __pad;
};

/**
 * struct nnmem_node - one operation of a graph
 * @op: an ``NNMEM_OP_*`` operation.
 * @flags: must be zero.
 * @conv2d: parameters when @op is %NNMEM_OP_CONV2D.
 * @add: parameters when @op is %NNMEM_OP_ADD.
 * @fully_connected: parameters when @op is %NNMEM_OP_FULLY_CONNECTED.
 * @pool2d: parameters when @op is %NNMEM_OP_AVG_POOL2D or
 *	%NNMEM_OP_MAX_POOL2D.
 * @softmax: parameters when @op is %NNMEM_OP_SOFTMAX.
 * @reserved: sizes the union; bytes past the op's struct must be zero.
 */
struct nnmem_node {
	__u32 op;
	__u32 flags;
	union {
		struct nnmem_conv2d conv2d;
		struct nnmem_add add;
		struct nnmem_fully_connected fully_connected;
		struct nnmem_pool2d pool2d;
		struct nnmem_softmax softmax;
		__u64 reserved[14];
	};
};

#define NNMEM_NODE_SIZE_VER0		120

/**
 * DOC: nnmem device planning
 *
 * A runtime may leave a graph's intermediate tensors unplaced and let the
 * driver place them: a tensor with %NNMEM_TENSOR_DEVICE_PLACED has @handle
 * and @offset 0 and must be written by one node and read by a later one
 * (else %NNMEM_GERR_TENSOR_PLACED). At %NNMEM_IOCTL_GRAPH_CREATE the
 * driver plans these tensors by lifetime with its activation planner
 * (tensors never live at the same time share bytes, each at a multiple of
 * 16 bytes) and reports the footprint in &nnmem_graph_create.scratch_size.
 *
 * The bytes come from a scratch area the driver allocates from the top of
 * the arena like an activation region (``-ENOSPC`` when it does not fit).
 * By default each graph gets its own, freed with the graph. With
 * %NNMEM_GRAPH_SHARED_SCRATCH the graph uses the device's one shared
 * scratch area instead: runs on a device are serialised, and a placed
 * tensor holds nothing from one run to the next, so every graph that opts
 * in can use the same bytes, and the device needs the largest plan, not
 * the sum. The shared area grows when a graph needs more (a job already
 * running keeps the old one until it ends) and is freed with the last
 * graph using it. Its bytes count as activation bytes in
 * %NNMEM_IOCTL_USAGE; no session owns them, userspace cannot map or read
 * them, and a placed tensor's bytes hold its value only during a run.
 */

/* Why a graph was rejected (&nnmem_graph_create.err_reason). */
enum nnmem_graph_err {
	NNMEM_GERR_NONE = 0,
	NNMEM_GERR_COUNT,		/* no nodes, or too many tensors/nodes */
	NNMEM_GERR_ELEM_SIZE,		/* tensor_size/node_size too small */
	NNMEM_GERR_TENSOR_RESERVED,	/* tensor flags/__pad/dims past ndims */
	NNMEM_GERR_TENSOR_HANDLE,	/* no such region in this session */
	NNMEM_GERR_TENSOR_TYPE,		/* unknown type, or wrong for its use */
	NNMEM_GERR_TENSOR_DIMS,		/* ndims out of range or a zero dim */
	NNMEM_GERR_TENSOR_SIZE,		/* element count overflows the limit */
	NNMEM_GERR_TENSOR_BOUNDS,	/* not inside its region, or misaligned */
	NNMEM_GERR_TENSOR_KIND,		/* weight in activation region, etc. */
	NNMEM_GERR_TENSOR_ZERO_POINT,	/* out of range, or nonzero where not allowed */
	NNMEM_GERR_NODE_OP,		/* unknown op */
	NNMEM_GERR_NODE_RESERVED,	/* node flags/__pad/union tail nonzero */
	NNMEM_GERR_NODE_INDEX,		/* tensor index out of range */
	NNMEM_GERR_NODE_SHAPE,		/* shapes inconsistent with the op */
	NNMEM_GERR_NODE_PARAM,		/* stride/dilation 0 or too big, or too big a filter */
	NNMEM_GERR_NODE_QUANT,		/* shift, left_shift or clamp range */
	NNMEM_GERR_NODE_ORDER,		/* reads a tensor a later node writes */
	NNMEM_GERR_NODE_WRITER,		/* tensor written by two nodes */
	NNMEM_GERR_NODE_ALIAS,		/* output overlaps one of its inputs */
	NNMEM_GERR_NODE_PADDING,	/* a padding not below the dilated filter */
	NNMEM_GERR_NODE_GROUPS,		/* groups 0 or not dividing both channel counts */
	NNMEM_GERR_GRAPH_MACS,		/* more MACs than nnmem_info.max_graph_macs */
	NNMEM_GERR_TENSOR_LIVE,		/* shares bytes with err_tensor2 while both live */
	NNMEM_GERR_TENSOR_PLACED,	/* device-placed: has handle/offset, or not intermediate */
	NNMEM_GERR_MAX,
};

/**
 * struct nnmem_graph_create - validate and create a graph
 *	(%NNMEM_IOCTL_GRAPH_CREATE)
 * @tensors: in: user address of @tensor_count tensors of @tensor_size bytes.
 * @nodes: in: user address of @node_count nodes of @node_size bytes.
 * @tensor_count: in: 1 to &nnmem_info.max_tensors.
 * @tensor_size: in: sizeof(struct nnmem_tensor) of the caller, from
 *	%NNMEM_TENSOR_SIZE_VER0 to 4096 (else %NNMEM_GERR_ELEM_SIZE); a longer
 *	element's tail must be zero (else %NNMEM_GERR_TENSOR_RESERVED).
 * @node_count: in: 1 to &nnmem_info.max_nodes.
 * @node_size: in: sizeof(struct nnmem_node) of the caller, from
 *	%NNMEM_NODE_SIZE_VER0 to 4096 (else %NNMEM_GERR_ELEM_SIZE); a longer
 *	element's tail must be zero (else %NNMEM_GERR_NODE_RESERVED).
 * @flags: in: 0, or %NNMEM_GRAPH_SHARED_SCRATCH and
 *	%NNMEM_GRAPH_REFERENCE ORed.
 * @graph: out: the session's handle for the graph.
 * @err_reason: out: an &enum nnmem_graph_err when the graph is rejected,
 *	%NNMEM_GERR_NONE otherwise.
 * @err_node: out: index of the offending node, or %NNMEM_INDEX_NONE.
 * @err_tensor: out: index of the offending tensor, or %NNMEM_INDEX_NONE.
 * @__pad: must be zero.
 * @err_tensor2: out: with %NNMEM_GERR_TENSOR_LIVE, the tensor sharing bytes
 *	with @err_tensor while both are live (@err_node is the first node at
 *	which both are); else %NNMEM_INDEX_NONE (since version 1 of the
 *	struct).
 * @__pad2: must be zero.
 * @scratch_size: out: bytes of the plan of the graph's device-placed
 *	tensors, 0 if it has none (see "DOC: nnmem device planning"; since
 *	version 1).
 * @fast_size: out: bytes of kernel memory the graph's fast paths take
 *	(their packed weights and plans), charged with the graph on top of
 *	its count-based charge; 0 when every node runs on the reference
 *	kernels (see "DOC: nnmem kernel paths"; since version 2).
 *
 * The struct is written back on ``-EINVAL`` too. Unknown @flags, nonzero
 * @__pad or @__pad2 give ``-EINVAL`` with reason %NNMEM_GERR_NONE.
 *
 * A graph whose nodes together take more multiply-accumulates than
 * &nnmem_info.max_graph_macs is rejected like any other invalid graph:
 * ``-EINVAL`` with %NNMEM_GERR_GRAPH_MACS and @err_node the node at which
 * the running sum first exceeds the limit (not ``-E2BIG``, which means a
 * struct with unknown nonzero fields here).
 *
 * Errors: ``-EINVAL`` (reason filled in), ``-EDQUOT`` when the graph's
 * charge would go past a kernel memory budget (see "DOC: nnmem kernel
 * memory"; checked once the header is valid, before the arrays are read,
 * and for &nnmem_graph_create.fast_size once the graph is validated),
 * ``-EFAULT``, ``-ENOMEM``, ``-EMFILE`` when the session holds
 * &nnmem_info.max_graphs graphs, ``-ENOSPC`` when the scratch area of its
 * device-placed tensors does not fit in the arena.
 */
struct nnmem_graph_create {
	__u64 tensors;
	__u64 nodes;
	__u32 tensor_count;
	__u32 tensor_size;
	__u32 node_count;
	__u32 node_size;
	__u32 flags;
	__u32 graph;
	__u32 err_reason;
	__u32 err_node;
	__u32 err_tensor;
	__u32 __pad;
	__u32 err_tensor2;
	__u32 __pad2;
	__u64 scratch_size;
	__u64 fast_size;
};

#define NNMEM_GRAPH_CREATE_SIZE_VER0	56
#define NNMEM_GRAPH_CREATE_SIZE_VER1	72
#define NNMEM_GRAPH_CREATE_SIZE_VER2	80

/*
 * Graph flags (&nnmem_graph_create.flags): SHARED_SCRATCH since uapi
 * version 2, REFERENCE (every node on the reference kernels, see "DOC:
 * nnmem kernel paths") since version 3.
 */
#define NNMEM_GRAPH_SHARED_SCRATCH	0x1U
#define NNMEM_GRAPH_REFERENCE		0x2U
#define NNMEM_GRAPH_VALID_FLAGS		(NNMEM_GRAPH_SHARED_SCRATCH | \
					 NNMEM_GRAPH_REFERENCE)

/**
 * struct nnmem_graph_destroy - destroy a graph (%NNMEM_IOCTL_GRAPH_DESTROY)
 * @graph: the graph's handle.
 * @flags: must be zero.
 *
 * The handle is gone at once. A job of the graph holds it, and keeps its
 * regions busy, until the job is reaped with %NNMEM_IOCTL_WAIT.
 */
struct nnmem_graph_destroy {
	__u32 graph;
	__u32 flags;
};

#define NNMEM_GRAPH_DESTROY_SIZE_VER0	8

/* Run flags (&nnmem_run.flags). */
#define NNMEM_RUN_ASYNC			0x1U
#define NNMEM_RUN_VALID_FLAGS		(NNMEM_RUN_ASYNC)

/**
 * struct nnmem_run - run a graph (%NNMEM_IOCTL_RUN)
 * @graph: in: the graph's handle.
 * @flags: in: %NNMEM_RUN_* bits.
 * @job: out: with %NNMEM_RUN_ASYNC the job's id (nonzero), else 0.
 * @duration_ns: out: without %NNMEM_RUN_ASYNC, execution time.
 * @macs: out: without %NNMEM_RUN_ASYNC, multiply-accumulates executed.
 *
 * Without %NNMEM_RUN_ASYNC the call returns the job's result: 0, or a
 * negative errno. Errors: ``-EDQUOT`` when the job's charge would go past
 * a kernel memory budget (see "DOC: nnmem kernel memory"), ``-EAGAIN``
 * when the session has &nnmem_info.max_jobs unreaped jobs.
 */
struct nnmem_run {
	__u32 graph;
	__u32 flags;
	__u64 job;
	__u64 duration_ns;
	__u64 macs;
};

#define NNMEM_RUN_SIZE_VER0		32

/* &nnmem_wait.deadline_ns that never expires. */
#define NNMEM_WAIT_FOREVER		(~0ULL)

/**
 * struct nnmem_wait - wait for a job and reap it (%NNMEM_IOCTL_WAIT)
 * @job: in: the job's id.
 * @deadline_ns: in: absolute %CLOCK_MONOTONIC time to give up at
 *	(``-ETIME``, the job stays); 0 does not block;
 *	%NNMEM_WAIT_FOREVER never gives up.
 * @node_times: in: user address of @node_count __u64s to receive each
 *	node's execution time in ns, or 0.
 * @node_count: in: entries at @node_times (at most the graph's nodes
 *	are written).
 * @flags: in: must be zero.
 * @status: out: the job's result: 0, ``-ECANCELED``, or the error it met.
 * @__pad: must be zero.
 * @duration_ns: out: execution time.
 * @macs: out: multiply-accumulates executed by the nodes that ran: a
 *	conv2d counts output elements * kernel height * kernel width *
 *	(input channels / groups), an add one per output element, a fully
 *	connected layer output elements * depth, a pooling output elements
 *	* window height * window width, a softmax three per element.
 *
 * When the job has finished it is reaped: its id is unknown afterwards
 * (``-ENOENT``). A signal gives ``-EINTR`` and leaves the job alone.
 */
struct nnmem_wait {
	__u64 job;
	__u64 deadline_ns;
	__u64 node_times;
	__u32 node_count;
	__u32 flags;
	__s32 status;
	__u32 __pad;
	__u64 duration_ns;
	__u64 macs;
};

#define NNMEM_WAIT_SIZE_VER0		56

/**
 * struct nnmem_cancel - cancel a job (%NNMEM_IOCTL_CANCEL)
 * @job: the job's id.
 * @flags: must be zero.
 * @__pad: must be zero.
 *
 * Returns 0 when the job will finish with ``-ECANCELED`` (a queued job
 * never starts; a running one stops at its next check), ``-EALREADY`` when
 * it had already finished, ``-ENOENT`` for an unknown id.
 */
struct nnmem_cancel {
	__u64 job;
	__u32 flags;
	__u32 __pad;
};

#define NNMEM_CANCEL_SIZE_VER0		16

/**
 * DOC: nnmem dma-buf export
 *
 * %NNMEM_IOCTL_EXPORT makes a dma-buf of a %NNMEM_ALLOC_MAPPABLE region, so
 * that another process (given the file descriptor, e.g. over a unix socket)
 * or another driver can use the region's bytes. The dma-buf is the
 * region's whole span (&nnmem_region_info.span). mmap() of it maps the
 * region (%MAP_SHARED only, else ``-EINVAL``), and ``DMA_BUF_IOCTL_SYNC``
 * brackets CPU access as for any dma-buf. The dma-buf counts as a mapping
 * of the region: it keeps the region's arena space reserved after the
 * region is freed or its session closed (USAGE counts it as deferred),
 * until the dma-buf and every mapping of it are gone. A region may be
 * exported any number of times. While a dma-buf lives the module cannot
 * be unloaded.
 *
 * Without %NNMEM_EXPORT_RDWR the dma-buf is read-only: its file is opened
 * ``O_RDONLY``, so %PROT_WRITE mappings of it fail with ``-EACCES``, and a
 * driver importing it may only map it for %DMA_TO_DEVICE.
 */

/* Export flags (&nnmem_export.flags). */
#define NNMEM_EXPORT_RDWR		0x1U
#define NNMEM_EXPORT_CLOEXEC		0x2U
#define NNMEM_EXPORT_VALID_FLAGS	(NNMEM_EXPORT_RDWR | NNMEM_EXPORT_CLOEXEC)

/**
 * struct nnmem_export - export a region as a dma-buf (%NNMEM_IOCTL_EXPORT)
 * @handle: in: the region's handle.
 * @flags: in: %NNMEM_EXPORT_* bits. %NNMEM_EXPORT_RDWR makes the dma-buf
 *	writable, %NNMEM_EXPORT_CLOEXEC sets close-on-exec on @fd.
 * @fd: out: the dma-buf's file descriptor (ignored on input); it exists
 *	only once the struct has reached userspace.
 * @__pad: must be zero.
 * @reserved: must be zero.
 *
 * See "DOC: nnmem dma-buf export". Errors: ``-EINVAL`` for an unknown flag
 * or a nonzero @__pad or @reserved, ``-ENOENT`` for an unknown handle,
 * ``-EACCES`` for a region that is not mappable, ``-EMFILE`` when the
 * process has no free file descriptor, ``-EBADF`` on a read-only file.
 * Nothing changes on error.
 */
struct nnmem_export {
	__u32 handle;
	__u32 flags;
	__s32 fd;
	__u32 __pad;
	__u64 reserved[2];
};

#define NNMEM_EXPORT_SIZE_VER0		32

/**
 * DOC: nnmem compaction
 *
 * %NNMEM_IOCTL_COMPACT slides the device's live regions (of every session)
 * to close the holes between them: weights down towards offset 0,
 * activations up towards the top, each region of a kind in address order
 * into the hole beside it at the first offset its alignment allows, so
 * regions keep their order. Every handle stays valid and every mapping
 * keeps working; %NNMEM_IOCTL_REGION_INFO reports the new offset.
 *
 * Graphs name regions by handle: a region a graph names moves like any
 * other, and the graph follows it (a run after compaction gives the same
 * output as before). Pinned regions do not move, and the others pack
 * against them: a region that a queued or running job's graph names
 * (%NNMEM_IOCTL_RUN, sync or async, until the job is done: finished,
 * cancelled or its session closed) and a region with a live dma-buf
 * exported from it (importers and dma-buf mappings keep its address), as
 * well as the driver's scratch areas for device-placed tensors. READ,
 * WRITE, the zeroing of a new region, %NNMEM_IOCTL_GRAPH_CREATE and the
 * submission of a job wait for a running compaction (and it for them),
 * so they never see a region half moved. Regions freed while still
 * mapped (deferred) move like any other. With nothing pinned, all the
 * free space of the compacted kinds ends up in one piece between the
 * weights and the activations.
 *
 * Mappings are filled page by page on fault. While a region moves, its
 * mappings (every process's) are unmapped and faults on them wait until
 * the copy is done, then map the new place: a thread writing through a
 * mapping during compaction stalls for the copy of that one region and
 * continues at the new place; no write is lost. A move copies at most
 * 1 MiB between rescheduling points and a pending signal stops the
 * compaction between two moves with ``-EINTR`` (what moved so far stays
 * moved and consistent, and is reported in the netlink event).
 *
 * A netlink ``compact`` event on the ``events`` group tells how many
 * regions and bytes moved. Writing 1 to the device's sysfs attribute
 * ``auto_compact`` (root only) makes an ALLOC that fails with ``-ENOSPC``
 * although the free space (as counted by USAGE) would hold it compact both
 * kinds once and try again.
 */

/* Kinds to compact (&nnmem_compact.kinds). */
#define NNMEM_COMPACT_WEIGHTS		0x1U
#define NNMEM_COMPACT_ACTIVATIONS	0x2U
#define NNMEM_COMPACT_VALID_KINDS	(NNMEM_COMPACT_WEIGHTS | \
					 NNMEM_COMPACT_ACTIVATIONS)

/**
 * struct nnmem_compact - compact the arena (%NNMEM_IOCTL_COMPACT)
 * @flags: in: must be zero (no flag is defined yet).
 * @kinds: in: %NNMEM_COMPACT_WEIGHTS, %NNMEM_COMPACT_ACTIVATIONS or both;
 *	0 means both.
 * @regions_moved: out: regions whose offset changed.
 * @__pad: must be zero.
 * @bytes_moved: out: bytes copied (the moved regions' spans).
 * @largest_free: out: the largest free extent of the arena afterwards, in
 *	bytes.
 * @free_bytes: out: all free bytes of the arena afterwards.
 *
 * See "DOC: nnmem compaction". Errors: ``-EINVAL`` for a nonzero @flags or
 * @__pad or an unknown bit in @kinds (nothing moves), ``-EBADF`` on a
 * read-only file, ``-EINTR`` if a signal stopped it (the out fields then
 * are not written back; what moved stays moved).
 */
struct nnmem_compact {
	__u32 flags;
	__u32 kinds;
	__u32 regions_moved;
	__u32 __pad;
	__u64 bytes_moved;
	__u64 largest_free;
	__u64 free_bytes;
};

#define NNMEM_COMPACT_SIZE_VER0		40

/**
 * DOC: nnmem ioctls
 *
 * %NNMEM_IOCTL_INFO: fill &struct nnmem_info.
 *
 * %NNMEM_IOCTL_ALLOC: allocate a region, see &struct nnmem_alloc.
 *
 * %NNMEM_IOCTL_FREE: free a region, see &struct nnmem_free.
 *
 * %NNMEM_IOCTL_REGION_INFO: describe a region, see &struct nnmem_region_info.
 *
 * %NNMEM_IOCTL_WRITE: copy user memory into a region, see &struct nnmem_rw.
 *
 * %NNMEM_IOCTL_READ: copy a region into user memory, see &struct nnmem_rw.
 *
 * %NNMEM_IOCTL_USAGE: fill &struct nnmem_usage.
 *
 * %NNMEM_IOCTL_GRAPH_CREATE: validate and create a graph, see
 * &struct nnmem_graph_create.
 *
 * %NNMEM_IOCTL_GRAPH_DESTROY: destroy a graph.
 *
 * %NNMEM_IOCTL_RUN: run a graph, see &struct nnmem_run.
 *
 * %NNMEM_IOCTL_WAIT: wait for a job and reap it, see &struct nnmem_wait.
 *
 * %NNMEM_IOCTL_CANCEL: cancel a job.
 *
 * %NNMEM_IOCTL_EXPORT: export a region as a dma-buf, see
 * &struct nnmem_export.
 *
 * %NNMEM_IOCTL_COMPACT: compact the arena, see &struct nnmem_compact.
 */
#define NNMEM_IOCTL_INFO	_IOR(NNMEM_IOC_MAGIC, 0x00, struct nnmem_info)
#define NNMEM_IOCTL_ALLOC	_IOWR(NNMEM_IOC_MAGIC, 0x01, struct nnmem_alloc)
#define NNMEM_IOCTL_FREE	_IOW(NNMEM_IOC_MAGIC, 0x02, struct nnmem_free)
#define NNMEM_IOCTL_REGION_INFO	_IOWR(NNMEM_IOC_MAGIC, 0x03, struct nnmem_region_info)
#define NNMEM_IOCTL_WRITE	_IOW(NNMEM_IOC_MAGIC, 0x04, struct nnmem_rw)
#define NNMEM_IOCTL_READ	_IOW(NNMEM_IOC_MAGIC, 0x05, struct nnmem_rw)
#define NNMEM_IOCTL_USAGE	_IOR(NNMEM_IOC_MAGIC, 0x06, struct nnmem_usage)
#define NNMEM_IOCTL_GRAPH_CREATE	_IOWR(NNMEM_IOC_MAGIC, 0x07, struct nnmem_graph_create)
#define NNMEM_IOCTL_GRAPH_DESTROY	_IOW(NNMEM_IOC_MAGIC, 0x08, struct nnmem_graph_destroy)
#define NNMEM_IOCTL_RUN		_IOWR(NNMEM_IOC_MAGIC, 0x09, struct nnmem_run)
#define NNMEM_IOCTL_WAIT	_IOWR(NNMEM_IOC_MAGIC, 0x0a, struct nnmem_wait)
#define NNMEM_IOCTL_CANCEL	_IOW(NNMEM_IOC_MAGIC, 0x0b, struct nnmem_cancel)
#define NNMEM_IOCTL_EXPORT	_IOWR(NNMEM_IOC_MAGIC, 0x0c, struct nnmem_export)
#define NNMEM_IOCTL_COMPACT	_IOWR(NNMEM_IOC_MAGIC, 0x0d, struct nnmem_compact)

#endif /* _UAPI_LINUX_NNMEM_H */
