/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem tracepoints: /sys/kernel/tracing/events/nnmem/.
 *
 * nnmem_region_alloc	a region got arena space (ALLOC); @handle is the
 *			session's handle, @size the bytes asked for
 * nnmem_region_free	a region's arena space went back: when its last
 *			reference goes (FREE, close() or the last munmap()),
 *			with the @offset and @size of its alloc event
 * nnmem_job_start	the worker starts executing a job; @job is the async
 *			job id, 0 for a sync RUN; @graph is the graph handle
 * nnmem_job_end	a job finished: every job, including one cancelled
 *			before it started (no start event, duration 0);
 *			@status 0, -ECANCELED or the kernels' error
 *
 * @dev is N of /dev/nnmemN; @session the session id netlink reports (64
 * bits: ids never wrap).
 * Offsets are in hex, sizes and times in decimal. Without CONFIG_TRACEPOINTS
 * the calls compile to nothing.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM nnmem

#if !defined(__NNMEM_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __NNMEM_TRACE_H__

#include <linux/tracepoint.h>
#include <linux/types.h>
#include <linux/nnmem.h>

TRACE_EVENT(nnmem_region_alloc,
	    TP_PROTO(u32 dev, u32 handle, u32 kind, u64 offset, u64 size, u32 align),
	    TP_ARGS(dev, handle, kind, offset, size, align),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, handle)
			     __field(u32, kind)
			     __field(u32, align)
			     __field(u64, offset)
			     __field(u64, size)
	    ),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->handle = handle;
			   __entry->kind = kind;
			   __entry->align = align;
			   __entry->offset = offset;
			   __entry->size = size;
	    ),
	    TP_printk("dev=%u handle=%u kind=%s offset=0x%llx size=%llu align=%u",
		      __entry->dev, __entry->handle,
		      __print_symbolic(__entry->kind,
				       { NNMEM_KIND_WEIGHT, "weight" },
				       { NNMEM_KIND_ACTIVATION, "activation" }),
		      __entry->offset, __entry->size, __entry->align)
);

TRACE_EVENT(nnmem_region_free,
	    TP_PROTO(u32 dev, u64 offset, u64 size),
	    TP_ARGS(dev, offset, size),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, offset)
			     __field(u64, size)
	    ),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->offset = offset;
			   __entry->size = size;
	    ),
	    TP_printk("dev=%u offset=0x%llx size=%llu",
		      __entry->dev, __entry->offset, __entry->size)
);

TRACE_EVENT(nnmem_job_start,
	    TP_PROTO(u32 dev, u64 session, u32 job, u32 graph, u32 nodes),
	    TP_ARGS(dev, session, job, graph, nodes),
	    TP_STRUCT__entry(__field(u64, session)
			     __field(u32, dev)
			     __field(u32, job)
			     __field(u32, graph)
			     __field(u32, nodes)
	    ),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->session = session;
			   __entry->job = job;
			   __entry->graph = graph;
			   __entry->nodes = nodes;
	    ),
	    TP_printk("dev=%u session=%llu job=%u graph=%u nodes=%u",
		      __entry->dev, __entry->session, __entry->job,
		      __entry->graph, __entry->nodes)
);

TRACE_EVENT(nnmem_job_end,
	    TP_PROTO(u32 dev, u64 session, u32 job, int status, u64 duration_ns, u64 macs),
	    TP_ARGS(dev, session, job, status, duration_ns, macs),
	    TP_STRUCT__entry(__field(u64, session)
			     __field(u32, dev)
			     __field(u32, job)
			     __field(int, status)
			     __field(u64, duration_ns)
			     __field(u64, macs)
	    ),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->session = session;
			   __entry->job = job;
			   __entry->status = status;
			   __entry->duration_ns = duration_ns;
			   __entry->macs = macs;
	    ),
	    TP_printk("dev=%u session=%llu job=%u status=%d duration_ns=%llu macs=%llu",
		      __entry->dev, __entry->session, __entry->job,
		      __entry->status, __entry->duration_ns, __entry->macs)
);

#endif /* __NNMEM_TRACE_H__ */

/*
 * define_trace.h includes this file again by TRACE_INCLUDE_PATH, which is
 * relative to define_trace.h itself; "." falls back to the include path,
 * where Kbuild puts driver/ (-I$(src)/driver) for an out-of-tree build.
 */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE nnmem_trace
#include <trace/define_trace.h>
