/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the generic netlink family "nnmem" (uapi/nnmem.yaml): dev-get,
 * region-get and the "events" multicast group.
 *
 * Events are built while the caller still holds the object (a reference,
 * or the knowledge that nothing can free it) and sent once the state
 * change is visible to every other interface:
 *
 *	skb = nnmem_nl_region_event(s, r, NNMEM_EVENT_TYPE_REGION_FREE);
 *	...drop the handle...
 *	nnmem_nl_event_send(skb);
 *
 * or in one step with nnmem_nl_notify_*() when the object outlives the
 * call. Building returns NULL (and costs nothing) when no socket listens to
 * the group, and NULL when memory is short: events may be lost, they never
 * make the driver wait. Neither step sleeps, so either may be called from
 * any context; nnmem_nl_event_send(NULL) does nothing.
 */
#ifndef __NNMEM_NL_H__
#define __NNMEM_NL_H__

#include <linux/pid.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/nnmem_nl.h>

#include "nnmem_drv.h"

struct nnmem_graph;
struct nnmem_job;
struct nnmem_region;
struct nnmem_session;

int nnmem_nl_init(void);
void nnmem_nl_fini(void);

struct sk_buff *nnmem_nl_region_event(const struct nnmem_session *s,
				      const struct nnmem_region *r,
				      enum nnmem_event_type event);
struct sk_buff *nnmem_nl_alloc_failed_event(const struct nnmem_session *s,
					    u64 size, u32 align, u32 kind,
					    int err);
struct sk_buff *nnmem_nl_graph_event(const struct nnmem_session *s,
				     const struct nnmem_graph *g,
				     enum nnmem_event_type event);
struct sk_buff *nnmem_nl_job_event(const struct nnmem_session *s,
				   const struct nnmem_job *job,
				   enum nnmem_event_type event);
struct sk_buff *nnmem_nl_session_event(const struct nnmem_session *s,
				       enum nnmem_event_type event);
void nnmem_nl_event_send(struct sk_buff *skb);

static inline void nnmem_nl_notify_region(const struct nnmem_session *s,
					  const struct nnmem_region *r,
					  enum nnmem_event_type event)
{
	nnmem_nl_event_send(nnmem_nl_region_event(s, r, event));
}

static inline void nnmem_nl_notify_alloc_failed(const struct nnmem_session *s,
						u64 size, u32 align, u32 kind,
						int err)
{
	nnmem_nl_event_send(nnmem_nl_alloc_failed_event(s, size, align, kind,
							err));
}

static inline void nnmem_nl_notify_graph(const struct nnmem_session *s,
					 const struct nnmem_graph *g,
					 enum nnmem_event_type event)
{
	nnmem_nl_event_send(nnmem_nl_graph_event(s, g, event));
}

static inline void nnmem_nl_notify_job(const struct nnmem_session *s,
				       const struct nnmem_job *job,
				       enum nnmem_event_type event)
{
	nnmem_nl_event_send(nnmem_nl_job_event(s, job, event));
}

static inline void nnmem_nl_notify_session(const struct nnmem_session *s,
					   enum nnmem_event_type event)
{
	nnmem_nl_event_send(nnmem_nl_session_event(s, event));
}

/*
 * What nnmem_nl.c needs from the rest of the driver, implemented in
 * nnmem_drv.c and nnmem_session.c.
 */

/**
 * struct nnmem_dev_stats - a device's counters for dev-get
 * @arena: the allocator's usage, taken under the device lock
 * @deferred_regions: regions freed but still mapped
 * @sessions: open sessions
 * @graphs: graphs of all sessions
 * @jobs_queued: jobs submitted and not started
 * @jobs_running: jobs executing
 * @jobs_completed: jobs finished with status 0
 * @jobs_failed: jobs finished with another error than -ECANCELED
 * @jobs_cancelled: jobs finished with -ECANCELED
 * @macs: multiply-accumulates executed
 * @busy_ns: time the worker spent executing jobs
 * @kmem: kernel memory charged by the graphs and jobs of all sessions
 *
 * Each counter is exact when read; they are not one instant's snapshot.
 */
struct nnmem_dev_stats {
	struct nnmem_arena_usage arena;
	u32 deferred_regions;
	u32 sessions;
	u32 graphs;
	u64 jobs_queued;
	u64 jobs_running;
	u64 jobs_completed;
	u64 jobs_failed;
	u64 jobs_cancelled;
	u64 macs;
	u64 busy_ns;
	u64 kmem;
};

/**
 * nnmem_device_find - the device /dev/nnmemN
 * @index: N
 *
 * Devices live from module init to module exit, and the family is
 * registered after the last is set up and unregistered before the first
 * goes, so the pointer needs no reference.
 *
 * Return: the device, or NULL if there is no device @index.
 */
struct nnmem_device *nnmem_device_find(unsigned int index);

/**
 * nnmem_device_stats - fill a device's counters
 * @ndev: the device
 * @st: filled in
 *
 * Sleeps (takes the device lock).
 */
void nnmem_device_stats(struct nnmem_device *ndev, struct nnmem_dev_stats *st);

/**
 * nnmem_device_walk_sessions - call @fn for the device's open sessions
 * @ndev: the device
 * @from: smallest session id to visit
 * @fn: called in ascending session id order with each session whose id is
 *	at least @from, under the device's session list lock (a mutex):
 *	@fn may sleep, and the session cannot be released while it runs. A
 *	nonzero return stops the walk.
 * @arg: passed to @fn
 *
 * Return: what the last call of @fn returned, 0 if it was not called.
 */
int nnmem_device_walk_sessions(struct nnmem_device *ndev, u64 from,
			       int (*fn)(struct nnmem_session *s, void *arg),
			       void *arg);

/*
 * A session's id (unique per load, from 1, never wraps), owner uid and
 * opening process.
 */
u64 nnmem_session_id(const struct nnmem_session *s);
kuid_t nnmem_session_uid(const struct nnmem_session *s);
struct pid *nnmem_session_pid(const struct nnmem_session *s);

#endif /* __NNMEM_NL_H__ */
