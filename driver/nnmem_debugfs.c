// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem debugfs: /sys/kernel/debug/nnmem/nnmemN/extents, and the test hook
 * /sys/kernel/debug/nnmem/next_session_id.
 *
 * One line per free extent and per region, in address order, so that the
 * lines tile the arena from 0 to its size; then one summary line. Taken
 * under the device lock, so it is one instant's picture:
 *
 *   # start size kind [offset span align handle label]
 *   0x0000000000000000 0x0000000000001000 weight offset=0x0 span=4096 \
 *	align=64 handle=1 label="conv0"
 *   0x0000000000001000 0x00000000003fe000 free
 *   0x00000000003ff000 0x0000000000001000 activation offset=0x3ff000 \
 *	span=4096 align=4096 handle=2 label="" deferred
 *   summary size=4194304 free_bytes=4186112 free_extents=1 \
 *	largest_free=4186112 weight_regions=1 weight_bytes=4096 \
 *	activation_regions=1 activation_bytes=4096 deferred_regions=1 check=ok
 *
 * (each "\" joins two lines of this comment: the file has one line each)
 *
 * start and size are the bytes a region reserves (alignment padding
 * included); offset and span where the region itself lies. "deferred"
 * marks a region whose handle is gone but which is still mapped (its
 * handle is stale). check is the allocator's self-check (ok or corrupt).
 *
 * next_session_id (0600) reads as the id the next open of any nnmem device
 * gets; writing a number moves the counter forward to it (never back:
 * -EINVAL), so that a test reaches ids that would take billions of opens.
 *
 * debugfs_create_*() results are not checked (kernel convention): with
 * debugfs absent they return error pointers that every other debugfs
 * call accepts and ignores.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "nnmem_arena.h"
#include "nnmem_debugfs.h"
#include "nnmem_scratch.h"
#include "nnmem_drv.h"
#include "nnmem_region.h"
#include "nnmem_session.h"

static struct dentry *nnmem_debugfs_root;

static const char * const nnmem_debugfs_kind[NNMEM_ARENA_NR_KINDS] = {
	[NNMEM_ARENA_WEIGHT] = "weight",
	[NNMEM_ARENA_ACTIVATION] = "activation",
};

static void nnmem_debugfs_region_show(struct seq_file *m,
				      const struct nnmem_arena_region *ar)
{
	const struct nnmem_region *r =
		container_of(ar, struct nnmem_region, ar);

	if (ar->owner == NNMEM_ARENA_OWNER_SCRATCH) {
		seq_printf(m, "0x%016llx 0x%016llx %s offset=0x%llx span=%llu align=%llu scratch\n",
			   ar->res_start, ar->res_size,
			   nnmem_debugfs_kind[ar->kind], ar->offset, ar->size,
			   ar->align);
		return;
	}
	seq_printf(m, "0x%016llx 0x%016llx %s offset=0x%llx span=%llu align=%llu handle=%u label=\"%s\"%s\n",
		   ar->res_start, ar->res_size, nnmem_debugfs_kind[ar->kind],
		   ar->offset, ar->size, ar->align, r->handle,
		   (const char *)r->label, r->deferred ? " deferred" : "");
}

/* One piece of the arena: a region, or a free extent if @ar is NULL. */
static int nnmem_debugfs_piece_show(const struct nnmem_arena_region *ar,
				    u64 start, u64 size, void *arg)
{
	struct seq_file *m = arg;

	if (ar)
		nnmem_debugfs_region_show(m, ar);
	else
		seq_printf(m, "0x%016llx 0x%016llx free\n", start, size);
	return 0;
}

static void nnmem_debugfs_extents_show_locked(struct seq_file *m,
					      struct nnmem_device *ndev)
{
	struct nnmem_arena_usage au;

	lockdep_assert_held(&ndev->lock);
	seq_puts(m, "# start size kind [offset span align handle label]\n");
	nnmem_arena_walk(&ndev->arena, nnmem_debugfs_piece_show, m);

	nnmem_arena_usage(&ndev->arena, &au);
	seq_printf(m, "summary size=%llu free_bytes=%llu free_extents=%u largest_free=%llu weight_regions=%u weight_bytes=%llu activation_regions=%u activation_bytes=%llu deferred_regions=%u check=%s\n",
		   au.size, au.free_bytes, au.free_extents, au.largest_free,
		   au.weight_regions, au.weight_bytes, au.activation_regions,
		   au.activation_bytes, ndev->deferred_regions,
		   nnmem_arena_check(&ndev->arena) ? "corrupt" : "ok");
}

static int nnmem_debugfs_extents_show(struct seq_file *m, void *unused)
{
	struct nnmem_device *ndev = m->private;

	mutex_lock(&ndev->lock);
	nnmem_debugfs_extents_show_locked(m, ndev);
	mutex_unlock(&ndev->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nnmem_debugfs_extents);

static int nnmem_debugfs_next_session_id_get(void *data, u64 *val)
{
	*val = nnmem_session_next_id();
	return 0;
}

static int nnmem_debugfs_next_session_id_set(void *data, u64 val)
{
	return nnmem_session_set_next_id(val);
}
DEFINE_DEBUGFS_ATTRIBUTE(nnmem_debugfs_next_session_id_fops,
			 nnmem_debugfs_next_session_id_get,
			 nnmem_debugfs_next_session_id_set, "%llu\n");

/**
 * nnmem_debugfs_init - create /sys/kernel/debug/nnmem and its test hook
 *
 * Called before the first device is set up.
 */
void nnmem_debugfs_init(void)
{
	nnmem_debugfs_root = debugfs_create_dir(NNMEM_NAME, NULL);
	debugfs_create_file_unsafe("next_session_id", 0600, nnmem_debugfs_root,
				   NULL, &nnmem_debugfs_next_session_id_fops);
}

/**
 * nnmem_debugfs_fini - remove /sys/kernel/debug/nnmem
 *
 * Called after the last device is torn down.
 */
void nnmem_debugfs_fini(void)
{
	debugfs_remove_recursive(nnmem_debugfs_root);
	nnmem_debugfs_root = NULL;
}

/**
 * nnmem_debugfs_device_init - create /sys/kernel/debug/nnmem/nnmemN/
 * @ndev: the device, fully set up
 */
void nnmem_debugfs_device_init(struct nnmem_device *ndev)
{
	char name[sizeof(NNMEM_NAME "4294967295")];

	snprintf(name, sizeof(name), NNMEM_NAME "%u", ndev->index);
	ndev->debugfs = debugfs_create_dir(name, nnmem_debugfs_root);
	debugfs_create_file("extents", 0444, ndev->debugfs, ndev,
			    &nnmem_debugfs_extents_fops);
}

/**
 * nnmem_debugfs_device_fini - remove the device's directory
 * @ndev: the device
 *
 * Waits for reads in progress; later reads of a file still open fail.
 */
void nnmem_debugfs_device_fini(struct nnmem_device *ndev)
{
	debugfs_remove_recursive(ndev->debugfs);
	ndev->debugfs = NULL;
}
