// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem: memory manager for a neural-network accelerator's DMA arena.
 *
 * Module setup, one platform device + DMA arena + /dev/nnmemN per device,
 * the file operations and the ioctl table. The objects behind the ioctls
 * live in nnmem_session.c, nnmem_region.c, nnmem_dmabuf.c, nnmem_graph.c
 * and nnmem_job.c; the device's sysfs attributes in nnmem_sysfs.c, its
 * debugfs files in nnmem_debugfs.c, the tracepoints in nnmem_trace.h.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/nnmem.h>

#include "nnmem_compact.h"
#include "nnmem_compat.h"
#include "nnmem_debugfs.h"
#include "nnmem_dmabuf.h"
#include "nnmem_drv.h"
#include "nnmem_graph.h"
#include "nnmem_job.h"
#include "nnmem_nl.h"
#include "nnmem_region.h"
#include "nnmem_session.h"
#include "nnmem_sysfs.h"

/* The first version of every struct is a prefix of the current one. */
static_assert(offsetof(struct nnmem_info, max_tensors) ==
	      NNMEM_INFO_SIZE_VER0);
static_assert(offsetof(struct nnmem_info, max_graph_macs) ==
	      NNMEM_INFO_SIZE_VER1);
static_assert(offsetof(struct nnmem_alloc, label) == NNMEM_ALLOC_SIZE_VER0);
static_assert(sizeof(struct nnmem_free) == NNMEM_FREE_SIZE_VER0);
static_assert(offsetof(struct nnmem_region_info, label) ==
	      NNMEM_REGION_INFO_SIZE_VER0);
static_assert(sizeof(struct nnmem_rw) == NNMEM_RW_SIZE_VER0);
static_assert(offsetof(struct nnmem_usage, session_kmem) ==
	      NNMEM_USAGE_SIZE_VER0);
static_assert(sizeof(struct nnmem_tensor) == NNMEM_TENSOR_SIZE_VER0);
static_assert(sizeof(struct nnmem_node) == NNMEM_NODE_SIZE_VER0);
static_assert(offsetof(struct nnmem_graph_create, err_tensor2) ==
	      NNMEM_GRAPH_CREATE_SIZE_VER0);
static_assert(offsetof(struct nnmem_graph_create, fast_size) ==
	      NNMEM_GRAPH_CREATE_SIZE_VER1);
static_assert(sizeof(struct nnmem_graph_create) ==
	      NNMEM_GRAPH_CREATE_SIZE_VER2);
static_assert(offsetof(struct nnmem_usage, path_nodes) ==
	      NNMEM_USAGE_SIZE_VER1);
static_assert(sizeof(struct nnmem_graph_destroy) ==
	      NNMEM_GRAPH_DESTROY_SIZE_VER0);
static_assert(sizeof(struct nnmem_run) == NNMEM_RUN_SIZE_VER0);
static_assert(sizeof(struct nnmem_wait) == NNMEM_WAIT_SIZE_VER0);
static_assert(sizeof(struct nnmem_cancel) == NNMEM_CANCEL_SIZE_VER0);
static_assert(offsetof(struct nnmem_usage, dmabufs) ==
	      NNMEM_USAGE_SIZE_VER2 + 4);
static_assert(sizeof(struct nnmem_export) == NNMEM_EXPORT_SIZE_VER0);
static_assert(sizeof(struct nnmem_compact) == NNMEM_COMPACT_SIZE_VER0);

static unsigned int devices = 1;
module_param(devices, uint, 0444);
MODULE_PARM_DESC(devices, "number of /dev/nnmemN devices (1..16, default 1)");

static unsigned long arena_size = SZ_4M;
module_param(arena_size, ulong, 0444);
MODULE_PARM_DESC(arena_size,
		 "bytes of DMA memory per device (page multiple, >= 64 KiB, default 4 MiB)");

/* Per device: arena_sizes=A0,A1,... overrides arena_size for nnmem0, ... */
static unsigned long arena_sizes[NNMEM_DEVICES_MAX];
static unsigned int nr_arena_sizes;
module_param_array(arena_sizes, ulong, &nr_arena_sizes, 0444);
MODULE_PARM_DESC(arena_sizes,
		 "bytes of DMA memory of nnmem0, nnmem1, ... (comma-separated, at most devices entries; the others get arena_size)");

/*
 * Root may change max_regions at any time (e.g. a benchmark that needs
 * 100,000 regions); a session already above a lowered limit keeps its
 * regions and cannot allocate more. INFO reports the current value.
 */
unsigned int nnmem_max_regions = 4096;

static int nnmem_max_regions_set(const char *val,
				 const struct kernel_param *kp)
{
	unsigned int v;
	int ret;

	ret = kstrtouint(val, 0, &v);
	if (ret)
		return ret;
	if (v < 1 || v > NNMEM_REGIONS_MAX)
		return -EINVAL;
	WRITE_ONCE(*(unsigned int *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops nnmem_max_regions_ops = {
	.set = nnmem_max_regions_set,
	.get = param_get_uint,
};

module_param_cb(max_regions, &nnmem_max_regions_ops, &nnmem_max_regions,
		0644);
MODULE_PARM_DESC(max_regions,
		 "most regions one open file may hold (1..1048576, default 4096; root may change it)");

/*
 * Kernel memory budgets in bytes (nnmem_session_kmem_charge()); root may
 * change them at any time, INFO reports the current values.
 */
u64 nnmem_max_session_kmem = NNMEM_SESSION_KMEM_DEFAULT;
u64 nnmem_max_device_kmem = NNMEM_DEVICE_KMEM_DEFAULT;

static int nnmem_kmem_param_set(const char *val, const struct kernel_param *kp)
{
	u64 v;
	int ret;

	ret = kstrtou64(val, 0, &v);
	if (ret)
		return ret;
	if (!v)
		return -EINVAL;
	WRITE_ONCE(*(u64 *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops nnmem_kmem_param_ops = {
	.set = nnmem_kmem_param_set,
	.get = param_get_ullong,
};

module_param_cb(max_session_kmem, &nnmem_kmem_param_ops,
		&nnmem_max_session_kmem, 0644);
MODULE_PARM_DESC(max_session_kmem,
		 "bytes of kernel memory the graphs and jobs of one open file may hold (>= 1, default 16 MiB)");
module_param_cb(max_device_kmem, &nnmem_kmem_param_ops,
		&nnmem_max_device_kmem, 0644);
MODULE_PARM_DESC(max_device_kmem,
		 "bytes of kernel memory the graphs and jobs of all open files of a device may hold (>= 1, default 256 MiB)");

static dev_t nnmem_devt;
static struct class *nnmem_class;
static struct nnmem_device *nnmem_devs;

static int nnmem_info_ioctl(struct nnmem_session *s, void *data,
			    struct nnmem_ioctl_ctx *ctx)
{
	struct nnmem_info *info = data;

	memset(info, 0, sizeof(*info));
	info->uapi_version = NNMEM_UAPI_VERSION;
	info->dev_index = s->ndev->index;
	info->caps = NNMEM_CAP_MMAP | NNMEM_CAP_RW | NNMEM_CAP_LABELS |
		     NNMEM_CAP_GRAPH | NNMEM_DMABUF_CAPS | NNMEM_CAP_COMPACT;
	info->arena_size = s->ndev->size;
	info->default_align = NNMEM_ALIGN_DEFAULT;
	info->max_align = NNMEM_ALIGN_MAX;
	info->max_regions = READ_ONCE(nnmem_max_regions);
	info->page_size = PAGE_SIZE;
	info->max_tensors = NNMEM_GRAPH_MAX_TENSORS;
	info->max_nodes = NNMEM_GRAPH_MAX_NODES;
	info->max_graphs = NNMEM_SESSION_MAX_GRAPHS;
	info->max_jobs = NNMEM_SESSION_MAX_JOBS;
	info->max_session_kmem = READ_ONCE(nnmem_max_session_kmem);
	info->max_device_kmem = READ_ONCE(nnmem_max_device_kmem);
	info->max_graph_macs = nnmem_graph_max_macs();
	return 0;
}

/*
 * The ioctl changes state (allocates, frees, writes, creates, runs or
 * cancels): a file opened without write access (O_RDONLY) gets -EBADF, as
 * write(2) would.
 */
#define NNMEM_IOCTL_F_WRITER	BIT(0)

/**
 * struct nnmem_ioctl_desc - one ioctl
 * @cmd: the command as the uapi defines it (direction, struct size)
 * @flags: %NNMEM_IOCTL_F_* bits
 * @ver0: size of the struct's first version, the smallest accepted
 * @fn: handler, given the struct already copied in (zero-extended); on
 *	error the struct is copied back only if it sets ctx->copy_on_error
 * @commit: if set, called after a successful @fn once the copy-out was
 *	tried, to publish what @fn made or to undo it
 */
struct nnmem_ioctl_desc {
	unsigned int cmd;
	u32 flags;
	u32 ver0;
	int (*fn)(struct nnmem_session *s, void *data,
		  struct nnmem_ioctl_ctx *ctx);
	void (*commit)(struct nnmem_session *s, void *data,
		       struct nnmem_ioctl_ctx *ctx, bool copied);
};

static const struct nnmem_ioctl_desc nnmem_ioctls[] = {
	[_IOC_NR(NNMEM_IOCTL_INFO)] = {
		.cmd = NNMEM_IOCTL_INFO,
		.ver0 = NNMEM_INFO_SIZE_VER0,
		.fn = nnmem_info_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_ALLOC)] = {
		.cmd = NNMEM_IOCTL_ALLOC,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_ALLOC_SIZE_VER0,
		.fn = nnmem_region_alloc_ioctl,
		.commit = nnmem_region_alloc_commit,
	},
	[_IOC_NR(NNMEM_IOCTL_FREE)] = {
		.cmd = NNMEM_IOCTL_FREE,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_FREE_SIZE_VER0,
		.fn = nnmem_region_free_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_REGION_INFO)] = {
		.cmd = NNMEM_IOCTL_REGION_INFO,
		.ver0 = NNMEM_REGION_INFO_SIZE_VER0,
		.fn = nnmem_region_info_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_WRITE)] = {
		.cmd = NNMEM_IOCTL_WRITE,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_RW_SIZE_VER0,
		.fn = nnmem_region_write_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_READ)] = {
		.cmd = NNMEM_IOCTL_READ,
		.ver0 = NNMEM_RW_SIZE_VER0,
		.fn = nnmem_region_read_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_USAGE)] = {
		.cmd = NNMEM_IOCTL_USAGE,
		.ver0 = NNMEM_USAGE_SIZE_VER0,
		.fn = nnmem_session_usage_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_GRAPH_CREATE)] = {
		.cmd = NNMEM_IOCTL_GRAPH_CREATE,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_GRAPH_CREATE_SIZE_VER0,
		.fn = nnmem_graph_create_ioctl,
		.commit = nnmem_graph_create_commit,
	},
	[_IOC_NR(NNMEM_IOCTL_GRAPH_DESTROY)] = {
		.cmd = NNMEM_IOCTL_GRAPH_DESTROY,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_GRAPH_DESTROY_SIZE_VER0,
		.fn = nnmem_graph_destroy_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_RUN)] = {
		.cmd = NNMEM_IOCTL_RUN,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_RUN_SIZE_VER0,
		.fn = nnmem_job_run_ioctl,
		.commit = nnmem_job_run_commit,
	},
	[_IOC_NR(NNMEM_IOCTL_WAIT)] = {
		.cmd = NNMEM_IOCTL_WAIT,
		.ver0 = NNMEM_WAIT_SIZE_VER0,
		.fn = nnmem_job_wait_ioctl,
		.commit = nnmem_job_wait_commit,
	},
	[_IOC_NR(NNMEM_IOCTL_CANCEL)] = {
		.cmd = NNMEM_IOCTL_CANCEL,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_CANCEL_SIZE_VER0,
		.fn = nnmem_job_cancel_ioctl,
	},
	[_IOC_NR(NNMEM_IOCTL_EXPORT)] = {
		.cmd = NNMEM_IOCTL_EXPORT,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_EXPORT_SIZE_VER0,
		.fn = nnmem_dmabuf_export_ioctl,
		.commit = nnmem_dmabuf_export_commit,
	},
	[_IOC_NR(NNMEM_IOCTL_COMPACT)] = {
		.cmd = NNMEM_IOCTL_COMPACT,
		.flags = NNMEM_IOCTL_F_WRITER,
		.ver0 = NNMEM_COMPACT_SIZE_VER0,
		.fn = nnmem_compact_ioctl,
	},
};

/* Big enough for the kernel's version of every ioctl struct. */
union nnmem_ioctl_data {
	struct nnmem_info info;
	struct nnmem_alloc alloc;
	struct nnmem_free free;
	struct nnmem_region_info region_info;
	struct nnmem_rw rw;
	struct nnmem_usage usage;
	struct nnmem_graph_create graph_create;
	struct nnmem_graph_destroy graph_destroy;
	struct nnmem_run run;
	struct nnmem_wait wait;
	struct nnmem_cancel cancel;
	struct nnmem_export export;
	struct nnmem_compact compact;
};

/* Write back min(usize, ksize) bytes and zero the rest of a longer struct. */
static int nnmem_ioctl_copy_out(void __user *uptr, size_t usize,
				const void *data, size_t ksize)
{
	if (copy_to_user(uptr, data, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(uptr + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long nnmem_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	struct nnmem_session *s = file->private_data;
	void __user *uptr = (void __user *)arg;
	const struct nnmem_ioctl_desc *desc;
	struct nnmem_ioctl_ctx ctx = {};
	union nnmem_ioctl_data data;
	size_t usize = _IOC_SIZE(cmd);
	unsigned int nr = _IOC_NR(cmd);
	unsigned int dir = _IOC_DIR(cmd);
	size_t ksize;
	int ret;

	if (_IOC_TYPE(cmd) != NNMEM_IOC_MAGIC || nr >= ARRAY_SIZE(nnmem_ioctls))
		return -ENOTTY;
	nr = array_index_nospec(nr, ARRAY_SIZE(nnmem_ioctls));
	desc = &nnmem_ioctls[nr];
	if (!desc->fn || dir != _IOC_DIR(desc->cmd))
		return -ENOTTY;
	if ((desc->flags & NNMEM_IOCTL_F_WRITER) &&
	    !(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (usize < desc->ver0)
		return -EINVAL;
	ksize = _IOC_SIZE(desc->cmd);

	memset(&data, 0, sizeof(data));
	if (dir & _IOC_WRITE) {
		ret = copy_struct_from_user(&data, ksize, uptr, usize);
		if (ret)
			return ret;
	}

	ret = desc->fn(s, &data, &ctx);
	if (!(dir & _IOC_READ))
		return ret;
	if (ret) {
		if (ctx.copy_on_error &&
		    nnmem_ioctl_copy_out(uptr, usize, &data, ksize))
			return -EFAULT;
		return ret;
	}

	ret = nnmem_ioctl_copy_out(uptr, usize, &data, ksize);
	if (desc->commit && ctx.obj)
		desc->commit(s, &data, &ctx, !ret);
	return ret;
}

static const struct file_operations nnmem_fops = {
	.owner = THIS_MODULE,
	.open = nnmem_session_open,
	.release = nnmem_session_release,
	.unlocked_ioctl = nnmem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = nnmem_region_mmap,
	.poll = nnmem_session_poll,
};

static void *nnmem_arena_kzalloc(size_t size, void *priv)
{
	return kzalloc(size, GFP_KERNEL);
}

static void nnmem_arena_kfree(void *ptr, void *priv)
{
	kfree(ptr);
}

static const struct nnmem_arena_ops nnmem_arena_kops = {
	.zalloc = nnmem_arena_kzalloc,
	.free = nnmem_arena_kfree,
};

static void nnmem_arena_alloc_error(unsigned int index, unsigned long size)
{
	pr_err("nnmem%u: cannot allocate a %lu-byte DMA arena\n", index, size);
	if (size > NNMEM_PAGE_ALLOC_MAX)
		pr_err("nnmem%u: %lu bytes is above the page allocator's %lu-byte limit; boot with cma=<size> (CONFIG_DMA_CMA) or lower arena_size\n",
		       index, size, NNMEM_PAGE_ALLOC_MAX);
}

/* The arena size of device @index: arena_sizes=, else arena_size=. */
static unsigned long nnmem_arena_size(unsigned int index)
{
	return index < nr_arena_sizes ? arena_sizes[index] : arena_size;
}

static int nnmem_device_init(struct nnmem_device *ndev, unsigned int index)
{
	struct platform_device_info info = {
		.name = NNMEM_NAME,
		.id = index,
		.dma_mask = DMA_BIT_MASK(64),
	};
	dev_t devt = MKDEV(MAJOR(nnmem_devt), index);
	int ret;

	ndev->index = index;
	ndev->size = nnmem_arena_size(index);
	mutex_init(&ndev->lock);
	init_rwsem(&ndev->compact_rwsem);
	mutex_init(&ndev->sessions_lock);
	INIT_LIST_HEAD(&ndev->sessions);
	INIT_LIST_HEAD(&ndev->graphs);
	atomic_set(&ndev->nr_graphs, 0);
	nnmem_quota_init(&ndev->quota);

	ndev->pdev = platform_device_register_full(&info);
	if (IS_ERR(ndev->pdev)) {
		ret = PTR_ERR(ndev->pdev);
		pr_err("nnmem%u: cannot register platform device: %d\n",
		       index, ret);
		goto err_destroy_mutex;
	}

	ret = dma_set_mask_and_coherent(&ndev->pdev->dev, DMA_BIT_MASK(64));
	if (ret) {
		pr_err("nnmem%u: 64-bit DMA not available: %d\n", index, ret);
		goto err_unregister_pdev;
	}

	ndev->cpu_addr = dma_alloc_coherent(&ndev->pdev->dev, ndev->size,
					    &ndev->dma_addr,
					    GFP_KERNEL | __GFP_NOWARN);
	if (!ndev->cpu_addr) {
		nnmem_arena_alloc_error(index, ndev->size);
		ret = -ENOMEM;
		goto err_unregister_pdev;
	}

	ret = nnmem_arena_init(&ndev->arena, ndev->size, &nnmem_arena_kops,
			       ndev);
	if (ret) {
		pr_err("nnmem%u: cannot set up the allocator: %d\n", index, ret);
		goto err_free_dma;
	}

	ret = nnmem_job_device_init(ndev);
	if (ret) {
		pr_err("nnmem%u: cannot create the job workqueue: %d\n", index,
		       ret);
		goto err_fini_arena;
	}

	cdev_init(&ndev->cdev, &nnmem_fops);
	ndev->cdev.owner = THIS_MODULE;
	ret = cdev_add(&ndev->cdev, devt, 1);
	if (ret) {
		pr_err("nnmem%u: cannot add char device: %d\n", index, ret);
		goto err_fini_jobs;
	}

	ndev->dev = device_create_with_groups(nnmem_class, &ndev->pdev->dev,
					      devt, ndev, nnmem_dev_groups,
					      NNMEM_NAME "%u", index);
	if (IS_ERR(ndev->dev)) {
		ret = PTR_ERR(ndev->dev);
		pr_err("nnmem%u: cannot create device: %d\n", index, ret);
		goto err_del_cdev;
	}

	nnmem_debugfs_device_init(ndev);
	return 0;

err_del_cdev:
	cdev_del(&ndev->cdev);
err_fini_jobs:
	nnmem_job_device_fini(ndev);
err_fini_arena:
	nnmem_arena_fini(&ndev->arena);
err_free_dma:
	dma_free_coherent(&ndev->pdev->dev, ndev->size, ndev->cpu_addr,
			  ndev->dma_addr);
err_unregister_pdev:
	platform_device_unregister(ndev->pdev);
err_destroy_mutex:
	nnmem_quota_fini(&ndev->quota);
	mutex_destroy(&ndev->sessions_lock);
	mutex_destroy(&ndev->lock);
	return ret;
}

static void nnmem_device_fini(struct nnmem_device *ndev)
{
	struct nnmem_arena_usage au;

	nnmem_debugfs_device_fini(ndev);
	device_destroy(nnmem_class, ndev->cdev.dev);
	cdev_del(&ndev->cdev);

	/* No file is open (module refcount), so nothing may be left. */
	nnmem_job_device_fini(ndev);
	nnmem_arena_usage(&ndev->arena, &au);
	WARN_ON(au.weight_regions || au.activation_regions);
	WARN_ON(ndev->deferred_regions || ndev->deferred_bytes);
	WARN_ON(!list_empty(&ndev->sessions) || ndev->nr_sessions);
	WARN_ON(atomic_read(&ndev->nr_graphs));
	WARN_ON(ndev->scratch || ndev->scratch_users);
	nnmem_arena_fini(&ndev->arena);
	dma_free_coherent(&ndev->pdev->dev, ndev->size, ndev->cpu_addr,
			  ndev->dma_addr);
	platform_device_unregister(ndev->pdev);
	nnmem_quota_fini(&ndev->quota);
	mutex_destroy(&ndev->sessions_lock);
	mutex_destroy(&ndev->lock);
}

/**
 * nnmem_device_find - the device /dev/nnmemN
 * @index: N
 *
 * Return: the device, or NULL if there is none of that index. Devices
 * live as long as the module; netlink is registered only while all exist.
 */
struct nnmem_device *nnmem_device_find(unsigned int index)
{
	if (index >= devices)
		return NULL;
	return &nnmem_devs[array_index_nospec(index, devices)];
}

/**
 * nnmem_device_stats - a device's counters for netlink's dev-get and sysfs
 * @ndev: the device
 * @st: filled in
 *
 * Takes the device lock, then the session list lock, one after the other.
 */
void nnmem_device_stats(struct nnmem_device *ndev, struct nnmem_dev_stats *st)
{
	struct nnmem_run_stats rs;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&ndev->lock);
	nnmem_arena_usage(&ndev->arena, &st->arena);
	st->deferred_regions = ndev->deferred_regions;
	st->kmem = ndev->kmem;
	mutex_unlock(&ndev->lock);

	mutex_lock(&ndev->sessions_lock);
	st->sessions = ndev->nr_sessions;
	mutex_unlock(&ndev->sessions_lock);

	st->graphs = atomic_read(&ndev->nr_graphs);
	st->jobs_queued = atomic64_read(&ndev->stats.queued);
	st->jobs_running = atomic64_read(&ndev->stats.running);
	nnmem_job_stats_read(ndev, &rs);
	st->jobs_completed = rs.completed;
	st->jobs_failed = rs.failed;
	st->jobs_cancelled = rs.cancelled;
	st->macs = rs.macs;
	st->busy_ns = rs.busy_ns;
	for (i = 0; i < NNMEM_PATH_COUNT; i++) {
		st->path_nodes[i] = rs.path_nodes[i];
		st->path_macs[i] = rs.path_macs[i];
	}
}

/**
 * nnmem_device_hwm_reset - restart the arena's high-water marks from now
 * @ndev: the device
 *
 * Takes the device lock.
 */
void nnmem_device_hwm_reset(struct nnmem_device *ndev)
{
	mutex_lock(&ndev->lock);
	nnmem_arena_hwm_reset(&ndev->arena);
	mutex_unlock(&ndev->lock);
}

static int nnmem_arena_size_check(const char *name, unsigned long size)
{
	if (size < NNMEM_ARENA_MIN || !PAGE_ALIGNED(size)) {
		pr_err("%s=%lu: must be a multiple of %lu and at least %u\n",
		       name, size, PAGE_SIZE, NNMEM_ARENA_MIN);
		return -EINVAL;
	}
	if (size > NNMEM_MMAP_OFFSET_MAX) {
		pr_err("%s=%lu: must be at most %llu (mmap offsets)\n",
		       name, size, NNMEM_MMAP_OFFSET_MAX);
		return -EINVAL;
	}
	return 0;
}

static int nnmem_params_check(void)
{
	unsigned int i;
	int ret;

	if (devices < 1 || devices > NNMEM_DEVICES_MAX) {
		pr_err("devices=%u: must be 1..%u\n", devices,
		       NNMEM_DEVICES_MAX);
		return -EINVAL;
	}
	if (nr_arena_sizes > devices) {
		pr_err("arena_sizes: %u sizes for %u device(s)\n",
		       nr_arena_sizes, devices);
		return -EINVAL;
	}
	ret = nnmem_arena_size_check("arena_size", arena_size);
	for (i = 0; !ret && i < nr_arena_sizes; i++)
		ret = nnmem_arena_size_check("arena_sizes", arena_sizes[i]);
	if (ret)
		return ret;
	if (nnmem_max_regions < 1 || nnmem_max_regions > NNMEM_REGIONS_MAX) {
		pr_err("max_regions=%u: must be 1..%u\n", nnmem_max_regions,
		       NNMEM_REGIONS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int __init nnmem_init(void)
{
	unsigned int i;
	int ret;

	ret = nnmem_params_check();
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&nnmem_devt, 0, devices, NNMEM_NAME);
	if (ret) {
		pr_err("cannot allocate char device numbers: %d\n", ret);
		return ret;
	}

	nnmem_class = nnmem_class_create(NNMEM_NAME);
	if (IS_ERR(nnmem_class)) {
		ret = PTR_ERR(nnmem_class);
		pr_err("cannot create class: %d\n", ret);
		goto err_unregister_chrdev;
	}

	nnmem_devs = kcalloc(devices, sizeof(*nnmem_devs), GFP_KERNEL);
	if (!nnmem_devs) {
		ret = -ENOMEM;
		goto err_destroy_class;
	}

	nnmem_debugfs_init();
	for (i = 0; i < devices; i++) {
		ret = nnmem_device_init(&nnmem_devs[i], i);
		if (ret)
			goto err_fini_devices;
	}

	ret = nnmem_nl_init();
	if (ret) {
		pr_err("cannot register the netlink family: %d\n", ret);
		goto err_fini_devices;
	}
	pr_info("%u device(s), %lu-byte arena each (%u set by arena_sizes), max_regions=%u\n",
		devices, arena_size, nr_arena_sizes, nnmem_max_regions);
	return 0;

err_fini_devices:
	while (i--)
		nnmem_device_fini(&nnmem_devs[i]);
	nnmem_debugfs_fini();
	kfree(nnmem_devs);
err_destroy_class:
	class_destroy(nnmem_class);
err_unregister_chrdev:
	unregister_chrdev_region(nnmem_devt, devices);
	return ret;
}

static void __exit nnmem_exit(void)
{
	unsigned int i = devices;

	nnmem_nl_fini();
	while (i--)
		nnmem_device_fini(&nnmem_devs[i]);
	nnmem_debugfs_fini();
	kfree(nnmem_devs);
	class_destroy(nnmem_class);
	unregister_chrdev_region(nnmem_devt, devices);
}

module_init(nnmem_init);
module_exit(nnmem_exit);

MODULE_DESCRIPTION("Memory manager for a neural-network accelerator's DMA arena");
MODULE_AUTHOR("nnmem developers");
MODULE_LICENSE("GPL");
