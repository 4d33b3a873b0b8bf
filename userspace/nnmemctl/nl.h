/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmemctl's generic netlink client (libnl-genl-3) for the "nnmem" family
 * (uapi/nnmem.yaml): device counters, the regions of the arenas, events.
 *
 * Functions return 0 or a negative errno and, on failure, leave a message
 * (with the kernel's extack text when there is one) for nnmemctl_nl_error().
 */
#ifndef NNMEMCTL_NL_H
#define NNMEMCTL_NL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/nnmem.h>

struct nnmemctl_nl;

/* One device, as dev-get reports it. */
struct nnmemctl_dev {
	uint32_t index;
	char name[32];
	uint64_t arena_size;
	uint64_t weight_bytes;
	uint64_t activation_bytes;
	uint64_t free_bytes;
	uint64_t largest_free;
	uint64_t weight_hwm;
	uint64_t activation_hwm;
	uint32_t weight_regions;
	uint32_t activation_regions;
	uint32_t free_extents;
	uint32_t deferred_regions;
	uint32_t sessions;
	uint32_t graphs;
	uint64_t jobs_queued;
	uint64_t jobs_running;
	uint64_t jobs_completed;
	uint64_t jobs_failed;
	uint64_t jobs_cancelled;
	uint64_t macs;
	uint64_t busy_ns;
	uint64_t kmem;
	/* per kernel path, NNMEM_PATH_* order */
	uint64_t path_nodes[NNMEM_PATH_COUNT];
	uint64_t path_macs[NNMEM_PATH_COUNT];
};

/* One region (region-get, region-ntf), or a failed request (alloc-failed). */
struct nnmemctl_region {
	uint32_t dev_index;
	uint64_t session;	/* unique per load, never reused */
	uint32_t handle;
	uint32_t pid;
	uint32_t uid;
	uint64_t offset;
	uint64_t size;
	uint64_t span;
	uint64_t reserved_start;
	uint64_t reserved_size;
	uint32_t align;
	uint32_t kind;		/* NNMEM_KIND_* */
	uint32_t graph_refs;
	uint32_t dmabufs;	/* region-get: live dma-bufs exported from it */
	int32_t error;
	bool mappable;
	char label[NNMEM_LABEL_LEN];
};

/* One uid on one device (user-get): what its sessions hold, its quotas. */
struct nnmemctl_user {
	uint32_t dev_index;
	uint32_t uid;
	uint64_t weight_bytes;
	uint64_t activation_bytes;
	uint64_t weight_quota;		/* NNMEM_QUOTA_NONE: none */
	uint64_t activation_quota;
	uint32_t regions;
	uint32_t sessions;
};

/* Importers listed per dma-buf (the kernel lists at most 64). */
#define NNMEMCTL_ATTACH_MAX	64

/* One live dma-buf of a region and who holds it (dmabuf-get). */
struct nnmemctl_dmabuf {
	uint32_t dev_index;
	uint64_t session;	/* the exporting session */
	uint32_t handle;	/* its handle for the region */
	uint64_t inode;		/* the dma-buf file's, as /proc/PID/fdinfo */
	char name[64];		/* DMA_BUF_SET_NAME's, "" if none */
	bool writable;
	bool freed;		/* the region's handle is gone */
	uint32_t pid;		/* the exporter */
	char comm[32];
	uint32_t mmaps;		/* CPU mappings (VMAs) */
	uint32_t attachments;	/* importers attached, all of them */
	uint32_t nattach;	/* of which listed below */
	struct {
		char device[64];
		bool mapped;
	} attach[NNMEMCTL_ATTACH_MAX];
};

/* Moves listed per compact-ntf (the kernel lists at most 256). */
#define NNMEMCTL_MOVED_MAX	256

/* One region a compaction moved. */
struct nnmemctl_move {
	uint64_t session;	/* 0 if freed */
	uint32_t handle;
	uint32_t kind;		/* NNMEM_KIND_* */
	uint64_t old_offset;
	uint64_t new_offset;
	uint64_t size;
	bool freed;		/* its handle was freed (still mapped) */
};

/* One event of the "events" group. */
struct nnmemctl_event {
	uint8_t cmd;		/* NNMEM_CMD_*_NTF */
	uint32_t type;		/* enum nnmem_event_type */
	uint32_t dev_index;
	uint64_t session;	/* owning session; the session for session-ntf */
	struct nnmemctl_region region;	/* region-ntf, alloc-failed-ntf */
	uint32_t pid;		/* session-ntf */
	uint32_t uid;		/* session-ntf */
	uint32_t graph;		/* graph-ntf: its handle; job-ntf: graph run */
	uint32_t nodes;		/* graph-ntf */
	uint32_t regions;	/* graph-ntf */
	uint32_t job;		/* job-ntf: id, 0 for a synchronous run */
	bool finished;		/* job-ntf: the fields below are set */
	int32_t status;
	uint64_t duration_ns;
	uint64_t macs;
	/* compact-ntf */
	uint32_t kinds;		/* NNMEM_COMPACT_* */
	uint32_t moved_regions;	/* all regions moved */
	uint64_t moved_bytes;
	uint64_t largest_free;
	uint64_t free_bytes;
	bool automatic;
	bool truncated;		/* moved lists fewer than moved_regions */
	uint32_t nmoved;
	struct nnmemctl_move moved[NNMEMCTL_MOVED_MAX];
};

int nnmemctl_nl_open(struct nnmemctl_nl **nlp);
void nnmemctl_nl_close(struct nnmemctl_nl *nl);
const char *nnmemctl_nl_error(const struct nnmemctl_nl *nl);

/* Every device (dev-get dump), in index order; free(*devs) after. */
int nnmemctl_nl_devs(struct nnmemctl_nl *nl, struct nnmemctl_dev **devs,
		     size_t *count);
/* One device (dev-get do); -ENODEV if there is none of that index. */
int nnmemctl_nl_dev(struct nnmemctl_nl *nl, uint32_t index,
		    struct nnmemctl_dev *dev);
/* The regions the caller may see (region-get dump), of one device if
 * @dev_index >= 0; free(*regions) after. */
int nnmemctl_nl_regions(struct nnmemctl_nl *nl, int64_t dev_index,
			struct nnmemctl_region **regions, size_t *count);

/* The live dma-bufs the caller may see (dmabuf-get dump), of one device if
 * @dev_index >= 0, in export order; free(*dmabufs) after. */
int nnmemctl_nl_dmabufs(struct nnmemctl_nl *nl, int64_t dev_index,
			struct nnmemctl_dmabuf **dmabufs, size_t *count);

/* Join the "events" group (CAP_SYS_ADMIN: -EPERM otherwise). */
/* user-get dump, every device; *users is malloc'd. */
int nnmemctl_nl_users(struct nnmemctl_nl *nl, struct nnmemctl_user **users,
		      size_t *count);
int nnmemctl_nl_subscribe(struct nnmemctl_nl *nl);
/*
 * Receive events and pass each to @fn until @fn returns nonzero (returned),
 * *@stop is set (checked whenever a signal interrupts the wait; 0 is
 * returned) or an error occurs. Lost events (the socket's buffer overran)
 * call @lost and the wait goes on.
 */
int nnmemctl_nl_events(struct nnmemctl_nl *nl,
		       int (*fn)(const struct nnmemctl_event *ev, void *arg),
		       void (*lost)(void *arg), void *arg,
		       const volatile sig_atomic_t *stop);

const char *nnmemctl_event_name(uint32_t type);
const char *nnmemctl_kind_name(uint32_t kind);

#endif /* NNMEMCTL_NL_H */
