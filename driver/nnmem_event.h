/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the events regions, sessions, graphs and jobs emit when they
 * change. This is all an object knows of who listens; nnmem_nl.c
 * implements it (the "events" multicast group of the netlink family).
 *
 * An event is built while the caller still holds the object (a reference,
 * or the knowledge that nothing can free it) and sent once the state
 * change is visible to every other interface:
 *
 *	ev = nnmem_event_region(s, r, NNMEM_EV_REGION_FREE);
 *	...drop the handle...
 *	nnmem_event_send(ev);
 *
 * or in one step with nnmem_event_notify_*() when the object outlives the
 * call. Building returns NULL (and costs nothing) when nobody listens, and
 * NULL when memory is short: events may be lost, they never make the
 * driver wait. Neither step sleeps, so either may be called from any
 * context; nnmem_event_send(NULL) does nothing.
 */
#ifndef __NNMEM_EVENT_H__
#define __NNMEM_EVENT_H__

#include <linux/types.h>

struct nnmem_graph;
struct nnmem_job;
struct nnmem_region;
struct nnmem_session;

/* A built, unsent event (opaque). */
struct nnmem_event;

/**
 * enum nnmem_ev - what an event reports
 * @NNMEM_EV_REGION_ALLOC: a region was allocated
 * @NNMEM_EV_REGION_FREE: a region's handle was freed
 * @NNMEM_EV_GRAPH_CREATE: a graph was created
 * @NNMEM_EV_GRAPH_DESTROY: a graph was destroyed
 * @NNMEM_EV_JOB_START: the worker started a job
 * @NNMEM_EV_JOB_FINISH: a job finished, was cancelled or failed
 * @NNMEM_EV_SESSION_OPEN: a file of the device was opened
 * @NNMEM_EV_SESSION_CLOSE: a session's file was released
 *
 * A failed allocation has its own builder, nnmem_event_alloc_failed().
 */
enum nnmem_ev {
	NNMEM_EV_REGION_ALLOC = 1,
	NNMEM_EV_REGION_FREE,
	NNMEM_EV_GRAPH_CREATE = 4,
	NNMEM_EV_GRAPH_DESTROY,
	NNMEM_EV_JOB_START,
	NNMEM_EV_JOB_FINISH,
	NNMEM_EV_SESSION_OPEN,
	NNMEM_EV_SESSION_CLOSE,
};

struct nnmem_event *nnmem_event_region(const struct nnmem_session *s,
				       const struct nnmem_region *r,
				       enum nnmem_ev ev);
struct nnmem_event *nnmem_event_alloc_failed(const struct nnmem_session *s,
					     u64 size, u32 align, u32 kind,
					     int err);
struct nnmem_event *nnmem_event_graph(const struct nnmem_session *s,
				      const struct nnmem_graph *g,
				      enum nnmem_ev ev);
struct nnmem_event *nnmem_event_job(const struct nnmem_session *s,
				    const struct nnmem_job *job,
				    enum nnmem_ev ev);
struct nnmem_event *nnmem_event_session(const struct nnmem_session *s,
					enum nnmem_ev ev);
void nnmem_event_send(struct nnmem_event *ev);
/* For builders outside nnmem_nl.c (nnmem_compact.c): see nnmem_nl.c. */
struct sk_buff *nnmem_nl_event_new(size_t size);
struct nnmem_event *nnmem_nl_event_done(struct sk_buff *skb, int err);
bool nnmem_event_wanted(void);

static inline void nnmem_event_notify_region(const struct nnmem_session *s,
					     const struct nnmem_region *r,
					     enum nnmem_ev ev)
{
	nnmem_event_send(nnmem_event_region(s, r, ev));
}

static inline void nnmem_event_notify_alloc_failed(const struct nnmem_session *s,
						   u64 size, u32 align,
						   u32 kind, int err)
{
	nnmem_event_send(nnmem_event_alloc_failed(s, size, align, kind, err));
}

static inline void nnmem_event_notify_graph(const struct nnmem_session *s,
					    const struct nnmem_graph *g,
					    enum nnmem_ev ev)
{
	nnmem_event_send(nnmem_event_graph(s, g, ev));
}

static inline void nnmem_event_notify_job(const struct nnmem_session *s,
					  const struct nnmem_job *job,
					  enum nnmem_ev ev)
{
	nnmem_event_send(nnmem_event_job(s, job, ev));
}

static inline void nnmem_event_notify_session(const struct nnmem_session *s,
					      enum nnmem_ev ev)
{
	nnmem_event_send(nnmem_event_session(s, ev));
}

#endif /* __NNMEM_EVENT_H__ */
