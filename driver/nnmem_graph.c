// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem graphs: GRAPH_CREATE and GRAPH_DESTROY.
 *
 * GRAPH_CREATE checks the sizes and counts first, then copies both arrays
 * (each element's tail past the kernel's struct must be zero), looks every
 * tensor's region up in the caller's session, takes a reference to each
 * region used, and hands everything to the portable validator
 * (nnmem_graphval.c), which also builds the execution plan. The regions are
 * then marked busy (FREE gives -EBUSY) and the graph gets a handle, visible
 * only once the result has reached userspace.
 *
 * A rejected graph gives -EINVAL with the struct still copied back, its
 * err_reason, err_node and err_tensor saying why:
 *  - flags or __pad nonzero: NNMEM_GERR_NONE (no graph error);
 *  - tensor_size or node_size below VER0 or above NNMEM_GRAPH_ELEM_SIZE_MAX:
 *    NNMEM_GERR_ELEM_SIZE;
 *  - a count of 0 or above the limit: NNMEM_GERR_COUNT;
 *  - a nonzero byte past the kernel's struct in tensor i (node i):
 *    NNMEM_GERR_TENSOR_RESERVED with err_tensor i (NNMEM_GERR_NODE_RESERVED
 *    with err_node i);
 *  - a tensor whose handle names no region of this session, or whose
 *    region was freed while the graph was being checked:
 *    NNMEM_GERR_TENSOR_HANDLE;
 *  - anything the validator finds.
 * Other errors: -EDQUOT (the graph's charge, nnmem_kmem_graph(), would
 * take the session or the device past its kernel memory budget; checked
 * once the counts are known, before anything is copied), -EFAULT (arrays
 * or struct unreadable), -ENOMEM, -EMFILE (the session holds
 * NNMEM_SESSION_MAX_GRAPHS graphs).
 *
 * The module parameter max_graph_macs bounds the multiply-accumulates of
 * one graph (NNMEM_GERR_GRAPH_MACS above it), so one job cannot ask the
 * device's worker for unbounded work; root may change it at run time,
 * which affects the graphs created afterwards.
 *
 * A graph is reference counted: GRAPH_DESTROY drops the handle's
 * reference, and every job holds one until it is reaped. The last put
 * un-busies the regions, drops their references and gives the charge back.
 *
 * Memory: everything GRAPH_CREATE allocates is charged to the caller's
 * memory cgroup (GFP_KERNEL_ACCOUNT). The arrays a graph keeps come from
 * vmalloc when they are larger than a page: kmalloc, and so kvmalloc,
 * would round them up to a power of two pages (a 1,023-node plan of
 * 147 KiB took 256 KiB).
 */

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/xarray.h>
#include <linux/nnmem.h>

#ifdef CONFIG_X86
#include <asm/fpu/api.h>
#include <asm/simd.h>
#endif

#include "nnmem_event.h"
#include "nnmem_graph.h"
#include "nnmem_job.h"
#include "nnmem_scratch.h"
#include "nnmem_region.h"
#include "nnmem_session.h"

static unsigned long long nnmem_max_graph_macs = NNMEM_GRAPH_MAX_MACS_DEFAULT;
module_param_named(max_graph_macs, nnmem_max_graph_macs, ullong, 0644);
MODULE_PARM_DESC(max_graph_macs,
		 "most multiply-accumulates of one graph (default 2^36)");

/*
 * fast_path: the kernel path of the conv2d and fully connected nodes of
 * the graphs created from now on: -1 the best the CPU has, else an
 * &enum nnmem_fast_level (0, the reference kernels, always works; a path
 * the CPU lacks is refused).
 */
static int nnmem_fast_path = NNMEM_FAST_AUTO;

static int nnmem_fast_path_set(const char *val, const struct kernel_param *kp)
{
	int v, ret;

	ret = kstrtoint(val, 0, &v);
	if (ret)
		return ret;
	if (v != NNMEM_FAST_AUTO &&
	    (v < 0 || v >= NNMEM_FAST_LEVELS ||
	     !(nnmem_fast_cpu_levels() & BIT(v))))
		return -EINVAL;
	WRITE_ONCE(nnmem_fast_path, v);
	return 0;
}

static const struct kernel_param_ops nnmem_fast_path_ops = {
	.set = nnmem_fast_path_set,
	.get = param_get_int,
};
module_param_cb(fast_path, &nnmem_fast_path_ops, &nnmem_fast_path, 0644);
MODULE_PARM_DESC(fast_path,
		 "kernel path of new graphs: -1 best (default), 0 reference, 1 scalar, 2 AVX2, 3 AVX-512 VNNI");

/**
 * nnmem_graph_max_macs - the current MAC limit of a graph
 *
 * Return: the module parameter max_graph_macs.
 */
u64 nnmem_graph_max_macs(void)
{
	return READ_ONCE(nnmem_max_graph_macs);
}

static void nnmem_graph_free(struct nnmem_graph *g)
{
	struct nnmem_session *s = g->s;
	u64 kmem = g->kmem;
	u32 i;

	if (!list_empty(&g->dev_node)) {
		mutex_lock(&s->ndev->lock);
		list_del(&g->dev_node);
		mutex_unlock(&s->ndev->lock);
	}
	if (g->busy) {
		xa_lock(&s->regions);
		for (i = 0; i < g->nr_regions; i++)
			g->regions[i]->busy--;
		xa_unlock(&s->regions);
	}
	for (i = 0; i < g->nr_regions; i++)
		nnmem_region_put(g->regions[i]);
	if (g->shared_scratch)
		nnmem_scratch_shared_unuse(s->ndev);
	nnmem_scratch_put(g->scratch);
	kvfree(g->packed_mem);
	kvfree(g->fast);
	kvfree(g->plan);
	kvfree(g->regions);
	/* nnmem_graph_get() may still be reading it, under RCU */
	kfree_rcu(g, rcu);
	nnmem_session_kmem_uncharge(s, kmem);
}

static void nnmem_graph_release(struct kref *ref)
{
	nnmem_graph_free(container_of(ref, struct nnmem_graph, ref));
}

/**
 * nnmem_graph_put - drop a reference to a graph
 * @g: the graph
 *
 * Called in process context without spinlocks held: the last put drops
 * region references.
 */
void nnmem_graph_put(struct nnmem_graph *g)
{
	kref_put(&g->ref, nnmem_graph_release);
}

/**
 * nnmem_graph_get - look a graph handle up and take a reference
 * @s: the session
 * @handle: the graph's handle
 *
 * Return: the graph, or NULL if the handle is unknown or in flight.
 */
struct nnmem_graph *nnmem_graph_get(struct nnmem_session *s, u32 handle)
{
	XA_STATE(xas, &s->graphs, handle);
	struct nnmem_graph *g;

	/*
	 * A graph is freed after a grace period (nnmem_graph_free()). The
	 * walk is xa_load()'s, inside this read section instead of its own.
	 */
	rcu_read_lock();
	do {
		g = xas_load(&xas);
		/*
		 * A handle reserved by a GRAPH_CREATE in flight: not a graph
		 * (and xas_retry() would retry it for ever).
		 */
		if (xa_is_zero(g))
			g = NULL;
	} while (xas_retry(&xas, g));
	if (g && !kref_get_unless_zero(&g->ref))
		g = NULL;
	rcu_read_unlock();
	return g;
}

/*
 * A zeroed array the graph keeps, charged to the caller's memory cgroup:
 * slab memory up to a page, vmalloc above (see the top of this file).
 * kvfree() frees either.
 */
static void *nnmem_graph_array_alloc(size_t n, size_t size)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes))
		return NULL;
	if (bytes <= PAGE_SIZE)
		return kzalloc(bytes, GFP_KERNEL_ACCOUNT);
	return __vmalloc(bytes, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
}

static int nnmem_graph_reject(struct nnmem_graph_create *gc,
			      struct nnmem_ioctl_ctx *ctx, u32 reason,
			      u32 node, u32 tensor)
{
	gc->err_reason = reason;
	gc->err_node = node;
	gc->err_tensor = tensor;
	ctx->copy_on_error = true;
	return -EINVAL;
}

/*
 * Copies @count elements of @usize bytes each into @dst (elements of
 * @ksize). Return: 0, -EFAULT, or -E2BIG with *@bad set to the first
 * element with a nonzero byte past @ksize.
 */
static int nnmem_graph_copy_array(void *dst, size_t ksize,
				  const void __user *src, size_t usize,
				  u32 count, u32 *bad)
{
	u32 i;
	int ret;

	if (usize == ksize)
		return copy_from_user(dst, src, ksize * count) ? -EFAULT : 0;
	for (i = 0; i < count; i++) {
		ret = copy_struct_from_user(dst + i * ksize, ksize,
					    src + i * usize, usize);
		if (ret == -E2BIG)
			*bad = i;
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Fills @facts for every tensor and takes a reference to each distinct
 * region used, recorded in @g->regions.
 */
static void nnmem_graph_regions_get(struct nnmem_session *s,
				    struct nnmem_graph *g,
				    const struct nnmem_tensor *tensors,
				    u32 count,
				    struct nnmem_graphval_region *facts)
{
	struct nnmem_region *r;
	u32 i, j;

	xa_lock(&s->regions);
	for (i = 0; i < count; i++) {
		r = xa_load(&s->regions, tensors[i].handle);
		facts[i].present = r;
		if (!r)
			continue;
		facts[i].kind = r->kind;
		facts[i].size = r->size;
		facts[i].arena_offset = r->ar.offset;
		for (j = 0; j < g->nr_regions; j++)
			if (g->regions[j] == r)
				break;
		if (j == g->nr_regions) {
			kref_get(&r->ref);
			g->regions[g->nr_regions++] = r;
		}
	}
	xa_unlock(&s->regions);
}

/*
 * Marks the graph's regions busy, unless one was freed since it was looked
 * up. Return: NNMEM_INDEX_NONE, or the index of a tensor whose region is
 * gone (nothing marked then).
 */
static u32 nnmem_graph_regions_busy(struct nnmem_session *s,
				    struct nnmem_graph *g,
				    const struct nnmem_tensor *tensors,
				    u32 count)
{
	u32 i, j, gone = NNMEM_INDEX_NONE;

	xa_lock(&s->regions);
	for (j = 0; j < g->nr_regions; j++) {
		struct nnmem_region *r = g->regions[j];

		if (xa_load(&s->regions, r->handle) == r)
			continue;
		for (i = 0; i < count; i++) {
			if (tensors[i].handle == r->handle) {
				gone = i;
				break;
			}
		}
		break;
	}
	if (gone == NNMEM_INDEX_NONE) {
		for (j = 0; j < g->nr_regions; j++)
			g->regions[j]->busy++;
		g->busy = true;
	}
	xa_unlock(&s->regions);
	return gone;
}

static int nnmem_graph_check_header(struct nnmem_graph_create *gc,
				    struct nnmem_ioctl_ctx *ctx)
{
	if ((gc->flags & ~NNMEM_GRAPH_VALID_FLAGS) || gc->__pad || gc->__pad2)
		return nnmem_graph_reject(gc, ctx, NNMEM_GERR_NONE,
					  NNMEM_INDEX_NONE, NNMEM_INDEX_NONE);
	if (gc->tensor_size < NNMEM_TENSOR_SIZE_VER0 ||
	    gc->tensor_size > NNMEM_GRAPH_ELEM_SIZE_MAX ||
	    gc->node_size < NNMEM_NODE_SIZE_VER0 ||
	    gc->node_size > NNMEM_GRAPH_ELEM_SIZE_MAX)
		return nnmem_graph_reject(gc, ctx, NNMEM_GERR_ELEM_SIZE,
					  NNMEM_INDEX_NONE, NNMEM_INDEX_NONE);
	if (!gc->tensor_count || gc->tensor_count > NNMEM_GRAPH_MAX_TENSORS ||
	    !gc->node_count || gc->node_count > NNMEM_GRAPH_MAX_NODES)
		return nnmem_graph_reject(gc, ctx, NNMEM_GERR_COUNT,
					  NNMEM_INDEX_NONE, NNMEM_INDEX_NONE);
	return 0;
}

/*
 * Plans the device-placed tensors, if any, and fills in their facts (see
 * nnmem_graphval_place()): -EINVAL with TENSOR_PLACED when the planner
 * refuses, -ENOMEM.
 */
static int nnmem_graph_place(struct nnmem_graph_create *gc,
			     struct nnmem_ioctl_ctx *ctx,
			     const struct nnmem_tensor *tensors,
			     const struct nnmem_node *nodes,
			     struct nnmem_graphval_region *facts, u64 *size)
{
	void *work;
	u32 i;
	int ret;

	*size = 0;
	for (i = 0; i < gc->tensor_count; i++)
		if (tensors[i].flags & NNMEM_TENSOR_DEVICE_PLACED)
			break;
	if (i == gc->tensor_count)
		return 0;
	work = kvmalloc(nnmem_graphval_place_work_size(gc->tensor_count),
			GFP_KERNEL_ACCOUNT);
	if (!work)
		return -ENOMEM;
	ret = nnmem_graphval_place(tensors, gc->tensor_count, nodes,
				   gc->node_count, facts, work, size);
	kvfree(work);
	if (ret)
		return nnmem_graph_reject(gc, ctx, NNMEM_GERR_TENSOR_PLACED,
					  NNMEM_INDEX_NONE, NNMEM_INDEX_NONE);
	return 0;
}

/* The scratch area of a valid graph's device-placed tensors, if any. */
static int nnmem_graph_scratch_get(struct nnmem_session *s,
				   struct nnmem_graph *g, u32 flags)
{
	struct nnmem_scratch *sc;
	int ret;

	if (!g->scratch_size)
		return 0;
	if (flags & NNMEM_GRAPH_SHARED_SCRATCH) {
		ret = nnmem_scratch_shared_use(s->ndev, g->scratch_size);
		if (ret)
			return ret;
		g->shared_scratch = true;
		return 0;
	}
	sc = nnmem_scratch_new(s->ndev, g->scratch_size);
	if (IS_ERR(sc))
		return PTR_ERR(sc);
	g->scratch = sc;
	return 0;
}

/*
 * Choose the fast path of each step, and charge and allocate what they
 * need: nothing if every step runs on the reference kernels.
 */
static int nnmem_graph_fast_init(struct nnmem_session *s,
				 struct nnmem_graph *g, u32 flags)
{
	int level = READ_ONCE(nnmem_fast_path);
	u64 packed, bytes;
	int ret;

	if (flags & NNMEM_GRAPH_REFERENCE)
		return 0;
	g->fast = nnmem_graph_array_alloc(g->node_count, sizeof(*g->fast));
	if (!g->fast)
		return -ENOMEM;
	packed = nnmem_exec_fast_plan(g->plan, g->node_count, level,
				      NNMEM_JOB_BUDGET, g->fast);
	if (!packed) {
		kvfree(g->fast);
		g->fast = NULL;
		return 0;
	}
	bytes = (u64)g->node_count * sizeof(*g->fast) + packed +
		NNMEM_FAST_ALIGN;
	ret = nnmem_session_kmem_charge(s, bytes);
	if (ret)
		return ret;
	/* from here freeing the graph gives the charge back */
	g->kmem += bytes;
	g->fast_size = bytes;
	g->packed_mem = kvmalloc(packed + NNMEM_FAST_ALIGN, GFP_KERNEL_ACCOUNT);
	if (!g->packed_mem)
		return -ENOMEM;
	g->packed = PTR_ALIGN(g->packed_mem, NNMEM_FAST_ALIGN);
	return 0;
}

#ifdef CONFIG_X86
/* A bounded section of SIMD work (see struct nnmem_fast_env). */
static bool nnmem_graph_simd_begin(void *ctx)
{
	if (!may_use_simd())
		return false;
	kernel_fpu_begin();
	return true;
}

static void nnmem_graph_simd_end(void *ctx)
{
	kernel_fpu_end();
}
#endif

/**
 * nnmem_graph_fast_prepare - make a graph's fast paths ready for a run
 * @g: the graph, about to run
 * @hooks: the run's hooks: their progress hook is called while packing;
 *	the fast paths and the SIMD section hooks are set in them
 *
 * Packs the weights again if a region of the graph was written since the
 * last packing, or has a writable mapping (see "DOC: nnmem kernel paths").
 * Called under the device's exec_lock, which serialises the graph's runs.
 *
 * Return: 0, or the progress hook's error (the job was cancelled while
 * packing; the next run packs again).
 */
int nnmem_graph_fast_prepare(struct nnmem_graph *g,
			     struct nnmem_exec_hooks *hooks)
{
	u64 gen = 0;
	bool writers = false;
	u32 i;
	int ret;

	lockdep_assert_held(&g->s->ndev->exec_lock);
	if (!g->fast)
		return 0;
	for (i = 0; i < g->nr_regions; i++) {
		struct nnmem_region *r = g->regions[i];

		if (r->kind != NNMEM_KIND_WEIGHT)
			continue;
		if (atomic_read(&r->wmaps))
			writers = true;
		gen += atomic64_read(&r->wgen);
	}
	/* the counts before the bytes (see nnmem_region_written()) */
	smp_rmb();
	if (!g->fast_fresh || writers || gen != g->fast_gen) {
		g->fast_fresh = false;
		ret = nnmem_exec_fast_pack(g->s->ndev->cpu_addr, g->plan,
					   g->node_count, g->fast, g->packed,
					   hooks);
		if (ret)
			return ret;
		g->fast_gen = gen;
		g->fast_fresh = !writers;
	}
	hooks->fast = g->fast;
	hooks->packed = g->packed;
#ifdef CONFIG_X86
	hooks->simd_begin = nnmem_graph_simd_begin;
	hooks->simd_end = nnmem_graph_simd_end;
#endif
	return 0;
}

/**
 * nnmem_graph_create_ioctl - NNMEM_IOCTL_GRAPH_CREATE
 * @s: calling session
 * @data: &struct nnmem_graph_create; graph and err_* filled in
 * @ctx: gets the new graph, published by nnmem_graph_create_commit(); asks
 *	for the struct to be copied back on -EINVAL
 *
 * See the top of this file.
 *
 * Return: 0, -EINVAL (reason filled in), -EDQUOT, -EFAULT, -ENOMEM or
 * -EMFILE.
 */
int nnmem_graph_create_ioctl(struct nnmem_session *s, void *data,
			     struct nnmem_ioctl_ctx *ctx)
{
	const struct nnmem_graphval_limits limits = {
		.max_tensors = NNMEM_GRAPH_MAX_TENSORS,
		.max_nodes = NNMEM_GRAPH_MAX_NODES,
		.max_macs = nnmem_graph_max_macs(),
	};
	struct nnmem_graph_create *gc = data;
	struct nnmem_graphval_region *facts = NULL;
	struct nnmem_tensor *tensors = NULL;
	struct nnmem_node *nodes = NULL;
	struct nnmem_graphval_err err;
	struct nnmem_graph *g = NULL;
	void *scratch = NULL;
	u32 handle, bad;
	u64 charge;
	int ret;

	gc->graph = 0;
	gc->err_reason = NNMEM_GERR_NONE;
	gc->err_node = NNMEM_INDEX_NONE;
	gc->err_tensor = NNMEM_INDEX_NONE;
	gc->err_tensor2 = NNMEM_INDEX_NONE;
	gc->scratch_size = 0;
	gc->fast_size = 0;
	ret = nnmem_graph_check_header(gc, ctx);
	if (ret)
		return ret;
	/* Until the graph exists, this function owns the charge. */
	charge = nnmem_kmem_graph(gc->tensor_count, gc->node_count);
	ret = nnmem_session_kmem_charge(s, charge);
	if (ret)
		return ret;

	ret = -ENOMEM;
	tensors = kvmalloc_array(gc->tensor_count, sizeof(*tensors),
				 GFP_KERNEL_ACCOUNT);
	nodes = kvmalloc_array(gc->node_count, sizeof(*nodes),
			       GFP_KERNEL_ACCOUNT);
	facts = kvcalloc(gc->tensor_count, sizeof(*facts), GFP_KERNEL_ACCOUNT);
	scratch = kvmalloc(nnmem_graphval_scratch_size(gc->tensor_count),
			   GFP_KERNEL_ACCOUNT);
	if (!tensors || !nodes || !facts || !scratch)
		goto out_free;

	ret = nnmem_graph_copy_array(tensors, sizeof(*tensors),
				     u64_to_user_ptr(gc->tensors),
				     gc->tensor_size, gc->tensor_count, &bad);
	if (ret == -E2BIG)
		ret = nnmem_graph_reject(gc, ctx, NNMEM_GERR_TENSOR_RESERVED,
					 NNMEM_INDEX_NONE, bad);
	if (ret)
		goto out_free;
	ret = nnmem_graph_copy_array(nodes, sizeof(*nodes),
				     u64_to_user_ptr(gc->nodes),
				     gc->node_size, gc->node_count, &bad);
	if (ret == -E2BIG)
		ret = nnmem_graph_reject(gc, ctx, NNMEM_GERR_NODE_RESERVED,
					 bad, NNMEM_INDEX_NONE);
	if (ret)
		goto out_free;

	ret = -ENOMEM;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		goto out_free;
	kref_init(&g->ref);
	INIT_LIST_HEAD(&g->dev_node);
	g->s = s;
	g->node_count = gc->node_count;
	/* From here the graph owns the charge: freeing it gives it back. */
	g->kmem = charge;
	charge = 0;
	g->regions = nnmem_graph_array_alloc(gc->tensor_count,
					     sizeof(*g->regions));
	g->plan = nnmem_graph_array_alloc(gc->node_count, sizeof(*g->plan));
	if (!g->regions || !g->plan)
		goto err_free_graph;

	/*
	 * no compaction moves a region between its lookup and the graph
	 * joining the device's list, where compaction relocates its plan
	 */
	down_read(&s->ndev->compact_rwsem);
	nnmem_graph_regions_get(s, g, tensors, gc->tensor_count, facts);
	ret = nnmem_graph_place(gc, ctx, tensors, nodes, facts,
				&g->scratch_size);
	if (ret)
		goto err_unlock;
	ret = nnmem_graphval_check(tensors, gc->tensor_count, nodes,
				   gc->node_count, facts, &limits, scratch,
				   g->plan, &err);
	if (ret) {
		ret = nnmem_graph_reject(gc, ctx, err.reason, err.node,
					 err.tensor);
		gc->err_tensor2 = err.tensor2;
		goto err_unlock;
	}

	ret = nnmem_graph_scratch_get(s, g, gc->flags);
	if (ret)
		goto err_unlock;
	gc->scratch_size = g->scratch_size;
	ret = nnmem_graph_fast_init(s, g, gc->flags);
	if (ret)
		goto err_unlock;
	gc->fast_size = g->fast_size;

	ret = xa_alloc(&s->graphs, &handle, NULL,
		       XA_LIMIT(1, NNMEM_SESSION_MAX_GRAPHS), GFP_KERNEL);
	if (ret == -EBUSY)
		ret = -EMFILE;
	if (ret)
		goto err_unlock;

	bad = nnmem_graph_regions_busy(s, g, tensors, gc->tensor_count);
	if (bad == NNMEM_INDEX_NONE) {
		/* compaction relocates its plan from now on */
		mutex_lock(&s->ndev->lock);
		list_add_tail(&g->dev_node, &s->ndev->graphs);
		mutex_unlock(&s->ndev->lock);
	}
	up_read(&s->ndev->compact_rwsem);
	if (bad != NNMEM_INDEX_NONE) {
		ret = nnmem_graph_reject(gc, ctx, NNMEM_GERR_TENSOR_HANDLE,
					 NNMEM_INDEX_NONE, bad);
		goto err_erase_handle;
	}

	g->handle = handle;
	gc->graph = handle;
	ctx->obj = g;
	ret = 0;
	goto out_free;

err_erase_handle:
	xa_erase(&s->graphs, handle);
	goto err_free_graph;
err_unlock:
	up_read(&s->ndev->compact_rwsem);
err_free_graph:
	nnmem_graph_free(g);
out_free:
	kvfree(scratch);
	kvfree(facts);
	kvfree(nodes);
	kvfree(tensors);
	if (charge)
		nnmem_session_kmem_uncharge(s, charge);
	return ret;
}

/**
 * nnmem_graph_create_commit - publish or undo a new graph
 * @s: calling session
 * @data: &struct nnmem_graph_create as returned
 * @ctx: holds the graph from nnmem_graph_create_ioctl()
 * @copied: whether the result reached userspace
 */
void nnmem_graph_create_commit(struct nnmem_session *s, void *data,
			       struct nnmem_ioctl_ctx *ctx, bool copied)
{
	struct nnmem_graph *g = ctx->obj;
	struct nnmem_event *ev;
	void *old;

	if (copied) {
		/* Built while the graph is still only ours. */
		ev = nnmem_event_graph(s, g, NNMEM_EV_GRAPH_CREATE);
		atomic_inc(&s->ndev->nr_graphs);
		/* Filling a reserved slot allocates nothing and cannot fail. */
		old = xa_store(&s->graphs, g->handle, g, GFP_KERNEL);
		WARN_ON_ONCE(xa_is_err(old));
		nnmem_event_send(ev);
		return;
	}
	xa_erase(&s->graphs, g->handle);
	nnmem_graph_put(g);
}

/**
 * nnmem_graph_destroy_ioctl - NNMEM_IOCTL_GRAPH_DESTROY
 * @s: calling session
 * @data: &struct nnmem_graph_destroy
 * @ctx: unused
 *
 * The handle is gone at once; jobs still holding the graph keep it (and
 * its regions busy) until they are reaped.
 *
 * Return: 0, -EINVAL if flags are set, -ENOENT for an unknown handle.
 */
int nnmem_graph_destroy_ioctl(struct nnmem_session *s, void *data,
			      struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_graph_destroy *gd = data;
	struct nnmem_graph *g;

	if (gd->flags)
		return -EINVAL;
	xa_lock(&s->graphs);
	g = xa_load(&s->graphs, gd->graph);
	if (g)
		__xa_erase(&s->graphs, gd->graph);
	xa_unlock(&s->graphs);
	if (!g)
		return -ENOENT;
	atomic_dec(&s->ndev->nr_graphs);
	nnmem_event_notify_graph(s, g, NNMEM_EV_GRAPH_DESTROY);
	nnmem_graph_put(g);
	return 0;
}

/**
 * nnmem_graph_destroy_all - drop every graph handle of a closing session
 * @s: the session, whose jobs are all gone already
 */
void nnmem_graph_destroy_all(struct nnmem_session *s)
{
	struct nnmem_graph *g;
	unsigned long handle;

	xa_for_each(&s->graphs, handle, g) {
		xa_erase(&s->graphs, handle);
		WARN_ON(kref_read(&g->ref) != 1);
		atomic_dec(&s->ndev->nr_graphs);
		nnmem_event_notify_graph(s, g, NNMEM_EV_GRAPH_DESTROY);
		nnmem_graph_put(g);
	}
}
