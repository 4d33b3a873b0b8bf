// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem compaction: NNMEM_IOCTL_COMPACT and automatic compaction.
 *
 * The arena (nnmem_arena_compact_next()) decides the moves one at a time:
 * weights slide down and activations up, each into the free extent beside
 * it, pinned regions stay. For each move this file unmaps the region's
 * user mappings, copies its bytes and relocates the plan of every graph
 * naming the region (nnmem_graphval_relocate() on each graph of the
 * device's graphs list, with cond_resched() between graphs), then goes
 * on to the next. Graphs name regions by handle, so they keep working;
 * their packed weights (the fast paths) are kept per step, not per
 * offset, and the bytes are the same after the move.
 *
 * Pinned: a region that is not an nnmem_region (the shared scratch
 * areas and private scratch areas, which running jobs address by
 * offset), a region a queued or running job's graph names (the graph's
 * jobs count: the job runs its plan's offsets; a job counted while a
 * compaction runs waits for it to end, see nnmem_job_pin(); each pass
 * first marks those graphs' regions), and a region with a live dma-buf
 * (dmabufs: importers and dma-buf mmaps hold its address). A region a
 * graph names but no job uses moves, and the graph's plan with it.
 * Deferred regions (freed while mapped) move like any other.
 *
 * Locking. A compaction holds compact_rwsem for writing and the device
 * lock throughout. compact_rwsem keeps out every user of a region's
 * offset that runs without the device lock: READ and WRITE copies, the
 * zeroing in ALLOC, GRAPH_CREATE between looking its regions up and
 * putting the graph on the device's graphs list (so no plan is built
 * from an offset that then moves unseen), and a RUN that raised its
 * graph's jobs count too late for the compaction to see it (it sees
 * ndev->compacting and waits here before counting again). The
 * device lock keeps out allocation and freeing, the graphs list's
 * changes, and the mmap fault handler. So for each move:
 * unmap_mapping_range() on the region's mmap range (handle << 32, exact)
 * zaps every process's PTEs of it; a thread touching the mapping then
 * faults and waits for the device lock; the copy runs; the lock is
 * dropped only when the whole compaction is done, and the fault then maps
 * the new place. A writer loses nothing:
 * its stores before the zap are in the bytes copied, its stores after
 * the zap wait for the fault.
 *
 * Bounded work: each move copies its region in chunks of at most
 * NNMEM_COMPACT_CHUNK bytes with cond_resched() between them, and a
 * pending signal stops the compaction between two moves with -EINTR
 * (the arena is consistent after every move).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/nnmem.h>
#include <linux/nnmem_nl.h>
#include <net/genetlink.h>

#include "nnmem_compact.h"
#include "nnmem_drv.h"
#include "nnmem_event.h"
#include "nnmem_graph.h"
#include "nnmem_graphval.h"
#include "nnmem_nl_gen.h"
#include "nnmem_region.h"
#include "nnmem_session.h"

/* Largest piece copied between rescheduling points. */
#define NNMEM_COMPACT_CHUNK	SZ_1M

/*
 * Marks the regions of every graph with queued or running jobs as pinned
 * for this pass. A job counted after this read sees ndev->compacting set
 * (set before it, with a full barrier between) and waits for the
 * compaction to finish before it counts itself again (nnmem_job_pin());
 * a job that ends meanwhile leaves its regions pinned until the next
 * pass.
 */
static void nnmem_compact_pin_jobs(struct nnmem_device *ndev)
{
	struct nnmem_graph *g;
	u32 i;

	lockdep_assert_held(&ndev->lock);
	ndev->compact_pass++;
	list_for_each_entry(g, &ndev->graphs, dev_node) {
		/* a job's arena accesses are done before its count drops */
		if (!atomic_read_acquire(&g->jobs))
			continue;
		for (i = 0; i < g->nr_regions; i++)
			g->regions[i]->pin_pass = ndev->compact_pass;
		cond_resched();
	}
}

static bool nnmem_compact_pinned(const struct nnmem_arena_region *ar,
				 void *arg)
{
	const struct nnmem_device *ndev = arg;
	const struct nnmem_region *r;

	if (ar->owner)
		return true;
	r = container_of(ar, struct nnmem_region, ar);
	return r->pin_pass == ndev->compact_pass || r->dmabufs;
}

/*
 * The plans of the graphs naming @r follow it, as @mv moved it. None of
 * them is read meanwhile: @r has no queued or running job (so no job runs
 * them, nor packs their weights), and GRAPH_CREATE builds a plan under
 * compact_rwsem, which we hold for writing.
 */
static void nnmem_compact_relocate(struct nnmem_device *ndev,
				   const struct nnmem_region *r,
				   const struct nnmem_arena_move *mv)
{
	struct nnmem_graph *g;
	u32 i;

	lockdep_assert_held(&ndev->lock);
	list_for_each_entry(g, &ndev->graphs, dev_node) {
		for (i = 0; i < g->nr_regions; i++) {
			if (g->regions[i] != r)
				continue;
			nnmem_graphval_relocate(g->plan, g->node_count,
						mv->from, mv->size, mv->to);
			break;
		}
		cond_resched();
	}
}

/* memmove() in chunks, in the direction that keeps an overlap intact. */
static void nnmem_compact_copy(struct nnmem_device *ndev, u64 to, u64 from,
			       u64 size)
{
	u8 *base = ndev->cpu_addr;
	u64 done = 0;

	while (done < size) {
		size_t n = min_t(u64, size - done, NNMEM_COMPACT_CHUNK);

		if (to < from)
			memmove(base + to + done, base + from + done, n);
		else
			memmove(base + to + size - done - n,
				base + from + size - done - n, n);
		done += n;
		cond_resched();
	}
}

/*
 * The compact-ntf: its counts and, per region moved, a "moved" nest
 * (session, handle, kind, old and new offset, size). The nests are put in
 * the message as the regions move, under the device lock (nla_put() only
 * copies), so no list of moves is kept; the counts go in at the end. The
 * message is allocated once the lock is held, sized for the regions the
 * arena has (at most NNMEM_COMPACT_NTF_MOVED of them): no region moves
 * twice in one pass. If that much memory is not there at once (events do
 * not wait for memory), the event goes without a list, flagged truncated,
 * as does a pass that moves more regions than listed.
 */
#define NNMEM_COMPACT_NTF_MOVED	256

/**
 * struct nnmem_compact_ntf - a compact-ntf being built
 * @skb: the message, NULL if nobody listens (or no memory)
 * @hdr: its genetlink header
 * @room: moved nests it has room for
 * @listed: moved nests put
 * @truncated: a moved region is not listed
 */
struct nnmem_compact_ntf {
	struct sk_buff *skb;
	void *hdr;
	u32 room;
	u32 listed;
	bool truncated;
};

static size_t nnmem_compact_ntf_size(u32 moved)
{
	return 5 * nla_total_size(sizeof(u32)) +	/* event .. status */
	       3 * nla_total_size_64bit(sizeof(u64)) +	/* bytes .. */
	       2 * nla_total_size(0) +			/* auto, truncated */
	       moved * (nla_total_size(0) +		/* the nest */
			4 * nla_total_size_64bit(sizeof(u64)) +
			2 * nla_total_size(sizeof(u32)) +
			nla_total_size(0));		/* freed */
}

static void nnmem_compact_ntf_begin(struct nnmem_device *ndev,
				    struct nnmem_compact_ntf *ntf)
{
	struct nnmem_arena_usage usage;

	lockdep_assert_held(&ndev->lock);
	memset(ntf, 0, sizeof(*ntf));
	if (!nnmem_event_wanted())
		return;
	nnmem_arena_usage(&ndev->arena, &usage);
	ntf->room = min_t(u32, NNMEM_COMPACT_NTF_MOVED,
			  usage.weight_regions + usage.activation_regions);
	ntf->skb = nnmem_nl_event_new(nnmem_compact_ntf_size(ntf->room));
	if (!ntf->skb && ntf->room) {
		ntf->room = 0;
		ntf->skb = nnmem_nl_event_new(nnmem_compact_ntf_size(0));
	}
	if (!ntf->skb)
		return;
	ntf->hdr = genlmsg_put(ntf->skb, 0, 0, &nnmem_nl_family, 0,
			       NNMEM_CMD_COMPACT_NTF);
	if (WARN_ON_ONCE(!ntf->hdr)) {
		nlmsg_free(ntf->skb);
		ntf->skb = NULL;
	}
}

/* @r moved as @mv says; the device lock is held (@r's session is valid). */
static void nnmem_compact_ntf_moved(struct nnmem_device *ndev,
				    struct nnmem_compact_ntf *ntf,
				    const struct nnmem_region *r,
				    const struct nnmem_arena_move *mv)
{
	struct sk_buff *skb = ntf->skb;
	struct nlattr *nest;

	lockdep_assert_held(&ndev->lock);
	if (!skb)
		return;
	if (ntf->listed == ntf->room) {
		ntf->truncated = true;
		return;
	}
	nest = nla_nest_start(skb, NNMEM_A_COMPACT_MOVED);
	if (!nest ||
	    (!r->unlinked &&
	     nla_put_u64_64bit(skb, NNMEM_A_COMPACT_MOVE_SESSION,
			       nnmem_session_id(r->session),
			       NNMEM_A_COMPACT_MOVE_PAD)) ||
	    nla_put_u32(skb, NNMEM_A_COMPACT_MOVE_HANDLE, r->handle) ||
	    nla_put_u32(skb, NNMEM_A_COMPACT_MOVE_KIND, r->kind) ||
	    nla_put_u64_64bit(skb, NNMEM_A_COMPACT_MOVE_OLD_OFFSET, mv->from,
			      NNMEM_A_COMPACT_MOVE_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_COMPACT_MOVE_NEW_OFFSET, mv->to,
			      NNMEM_A_COMPACT_MOVE_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_COMPACT_MOVE_SIZE, mv->size,
			      NNMEM_A_COMPACT_MOVE_PAD) ||
	    (r->unlinked && nla_put_flag(skb, NNMEM_A_COMPACT_MOVE_FREED))) {
		/* a bug: the size is exact */
		WARN_ON_ONCE(1);
		if (nest)
			nla_nest_cancel(skb, nest);
		ntf->room = ntf->listed;
		ntf->truncated = true;
		return;
	}
	nla_nest_end(skb, nest);
	ntf->listed++;
}

/* The counts go in; the event for nnmem_event_send(), or NULL. */
static struct nnmem_event *
nnmem_compact_ntf_end(struct nnmem_device *ndev, struct nnmem_compact_ntf *ntf,
		      u32 kinds, bool automatic,
		      const struct nnmem_compact_result *res, int status)
{
	struct sk_buff *skb = ntf->skb;

	if (!skb)
		return NULL;
	if (nla_put_u32(skb, NNMEM_A_COMPACT_EVENT, NNMEM_EVENT_TYPE_COMPACT) ||
	    nla_put_u32(skb, NNMEM_A_COMPACT_DEV_INDEX, ndev->index) ||
	    nla_put_u32(skb, NNMEM_A_COMPACT_KINDS, kinds) ||
	    nla_put_u32(skb, NNMEM_A_COMPACT_REGIONS, res->regions) ||
	    nla_put_u64_64bit(skb, NNMEM_A_COMPACT_BYTES, res->bytes,
			      NNMEM_A_COMPACT_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_COMPACT_LARGEST_FREE,
			      res->largest_free, NNMEM_A_COMPACT_PAD) ||
	    nla_put_u64_64bit(skb, NNMEM_A_COMPACT_FREE_BYTES,
			      res->free_bytes, NNMEM_A_COMPACT_PAD) ||
	    nla_put_s32(skb, NNMEM_A_COMPACT_STATUS, status) ||
	    (automatic && nla_put_flag(skb, NNMEM_A_COMPACT_AUTO)) ||
	    (ntf->truncated &&
	     nla_put_flag(skb, NNMEM_A_COMPACT_MOVED_TRUNCATED)))
		return nnmem_nl_event_done(skb, -EMSGSIZE);
	genlmsg_end(skb, ntf->hdr);
	return nnmem_nl_event_done(skb, 0);
}

/**
 * nnmem_compact_run - compact a device's arena
 * @ndev: the device
 * @kinds: %NNMEM_COMPACT_WEIGHTS and/or %NNMEM_COMPACT_ACTIVATIONS
 * @automatic: an ALLOC asked (sysfs auto_compact), for the event
 * @res: filled in (also on -EINTR, with what moved), or NULL
 *
 * Sleeps; takes compact_rwsem and the device lock (the caller holds
 * neither).
 *
 * Return: 0, or -EINTR if a signal stopped it (before or between moves).
 */
int nnmem_compact_run(struct nnmem_device *ndev, u32 kinds,
		      bool automatic, struct nnmem_compact_result *res)
{
	struct nnmem_compact_result out = { 0 };
	struct nnmem_compact_ntf ntf;
	struct nnmem_arena_usage usage;
	struct nnmem_arena_compact c;
	struct nnmem_arena_move mv;
	int ret = 0;

	BUILD_BUG_ON(NNMEM_COMPACT_WEIGHTS != 1U << NNMEM_ARENA_WEIGHT);
	BUILD_BUG_ON(NNMEM_COMPACT_ACTIVATIONS != 1U << NNMEM_ARENA_ACTIVATION);

	if (down_write_killable(&ndev->compact_rwsem))
		return -EINTR;
	mutex_lock(&ndev->lock);
	WRITE_ONCE(ndev->compacting, true);
	/* pairs with smp_mb__after_atomic() in nnmem_job_pin() */
	smp_mb();
	nnmem_compact_pin_jobs(ndev);
	nnmem_compact_ntf_begin(ndev, &ntf);
	nnmem_arena_compact_start(&c, kinds);
	while (nnmem_arena_compact_next(&ndev->arena, &c, nnmem_compact_pinned,
					ndev, &mv)) {
		struct nnmem_region *r =
			container_of(mv.r, struct nnmem_region, ar);
		/* its padding may have changed: count it where it is counted */
		u64 grown = r->ar.res_size - mv.old_res_size;

		if (!r->unlinked)
			r->session->bytes += grown;
		else if (r->deferred)
			ndev->deferred_bytes += grown;
		if (mv.from == mv.to)
			continue;
		if (r->mapping)
			unmap_mapping_range(r->mapping,
					    (loff_t)r->handle <<
						NNMEM_MMAP_HANDLE_SHIFT,
					    r->span, 1);
		nnmem_compact_copy(ndev, mv.to, mv.from, mv.size);
		nnmem_compact_relocate(ndev, r, &mv);
		nnmem_compact_ntf_moved(ndev, &ntf, r, &mv);
		out.regions++;
		out.bytes += mv.size;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
	}
	nnmem_arena_usage(&ndev->arena, &usage);
	WRITE_ONCE(ndev->compacting, false);
	mutex_unlock(&ndev->lock);
	up_write(&ndev->compact_rwsem);

	out.largest_free = usage.largest_free;
	out.free_bytes = usage.free_bytes;
	nnmem_event_send(nnmem_compact_ntf_end(ndev, &ntf, kinds, automatic,
					       &out, ret));
	if (res)
		*res = out;
	return ret;
}

/**
 * nnmem_compact_would_fit_locked - should a failed ALLOC compact and retry
 * @ndev: the device, its lock held
 * @size: bytes the ALLOC asked the arena for
 *
 * Return: true if automatic compaction is on (sysfs auto_compact) and the
 * arena's free bytes, in all, would hold @size.
 */
bool nnmem_compact_would_fit_locked(struct nnmem_device *ndev, u64 size)
{
	struct nnmem_arena_usage usage;

	lockdep_assert_held(&ndev->lock);
	if (!READ_ONCE(ndev->auto_compact))
		return false;
	nnmem_arena_usage(&ndev->arena, &usage);
	return usage.free_bytes >= size;
}

/**
 * nnmem_compact_ioctl - NNMEM_IOCTL_COMPACT
 * @s: calling session
 * @data: &struct nnmem_compact, flags and kinds in, counters out
 * @ctx: unused
 *
 * Return: 0, -EINVAL for a bad field (nothing moves), -EINTR if a signal
 * stopped it.
 */
int nnmem_compact_ioctl(struct nnmem_session *s, void *data,
			struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_compact *cp = data;
	struct nnmem_compact_result res;
	u32 kinds = cp->kinds;
	int ret;

	if (cp->flags || cp->__pad || (kinds & ~NNMEM_COMPACT_VALID_KINDS))
		return -EINVAL;
	if (!kinds)
		kinds = NNMEM_COMPACT_VALID_KINDS;
	ret = nnmem_compact_run(s->ndev, kinds, false, &res);
	if (ret)
		return ret;
	cp->regions_moved = res.regions;
	cp->bytes_moved = res.bytes;
	cp->largest_free = res.largest_free;
	cp->free_bytes = res.free_bytes;
	return 0;
}
