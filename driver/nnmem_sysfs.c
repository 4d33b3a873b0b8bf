// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem sysfs: one read-only file per device counter in
 * /sys/class/nnmem/nnmemN/, one decimal value and a newline each; and
 * hwm_reset (root, write-only): writing 1 restarts weight_hwm and
 * activation_hwm from the bytes in use now; and the arena quotas
 * (quota_session_*_bytes, quota_uid; see nnmem_quota.c); and sched (root
 * writes, all read): the job scheduling policy, "fair" or "fifo" (see
 * nnmem_job.c).
 *
 * Every read takes a fresh nnmem_device_stats(), the fill netlink's
 * dev-get uses too, so both interfaces always agree. Each file is exact
 * when read; two files are not one instant's snapshot.
 *
 * The attributes are created with the device (device_create_with_groups),
 * so they exist when its uevent is sent, and removed before it goes:
 * sysfs waits for a read in progress, so the device outlives every read.
 */

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/sysfs.h>

#include "nnmem_drv.h"
#include "nnmem_job.h"
#include "nnmem_quota.h"
#include "nnmem_sysfs.h"

/*
 * One show function per counter: reads the device's counters and prints
 * the one named @_field of &struct nnmem_dev_stats.
 */
#define NNMEM_STAT_ATTR(_name, _field)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct nnmem_dev_stats st;					\
									\
	nnmem_device_stats(dev_get_drvdata(dev), &st);			\
	return sysfs_emit(buf, "%llu\n", (u64)st._field);		\
}									\
static DEVICE_ATTR_RO(_name)

NNMEM_STAT_ATTR(arena_size, arena.size);
NNMEM_STAT_ATTR(weight_bytes, arena.weight_bytes);
NNMEM_STAT_ATTR(activation_bytes, arena.activation_bytes);
NNMEM_STAT_ATTR(free_bytes, arena.free_bytes);
NNMEM_STAT_ATTR(largest_free, arena.largest_free);
NNMEM_STAT_ATTR(weight_hwm, arena.weight_hwm);
NNMEM_STAT_ATTR(activation_hwm, arena.activation_hwm);
NNMEM_STAT_ATTR(weight_regions, arena.weight_regions);
NNMEM_STAT_ATTR(activation_regions, arena.activation_regions);
NNMEM_STAT_ATTR(sessions, sessions);
NNMEM_STAT_ATTR(graphs, graphs);
NNMEM_STAT_ATTR(jobs_queued, jobs_queued);
NNMEM_STAT_ATTR(jobs_running, jobs_running);
NNMEM_STAT_ATTR(jobs_completed, jobs_completed);
NNMEM_STAT_ATTR(jobs_failed, jobs_failed);
NNMEM_STAT_ATTR(jobs_cancelled, jobs_cancelled);
NNMEM_STAT_ATTR(macs, macs);
NNMEM_STAT_ATTR(busy_ns, busy_ns);
NNMEM_STAT_ATTR(kmem, kmem);

static ssize_t hwm_reset_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	bool reset;
	int ret;

	ret = kstrtobool(buf, &reset);
	if (ret)
		return ret;
	if (!reset)
		return -EINVAL;
	nnmem_device_hwm_reset(dev_get_drvdata(dev));
	return count;
}
static DEVICE_ATTR_WO(hwm_reset);

/* Compact and retry when an ALLOC fails only for fragmentation. */
static ssize_t auto_compact_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct nnmem_device *ndev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", READ_ONCE(ndev->auto_compact));
}

static ssize_t auto_compact_store(struct device *dev,
				  struct device_attribute *attr,
				  const char *buf, size_t count)
{
	struct nnmem_device *ndev = dev_get_drvdata(dev);
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret)
		return ret;
	WRITE_ONCE(ndev->auto_compact, on);
	return count;
}
static DEVICE_ATTR_RW(auto_compact);

/*
 * Arena quotas (nnmem_quota.c): the session quota of one kind (root
 * writes, all read), and quota_uid.
 */
struct nnmem_quota_attribute {
	struct device_attribute attr;
	enum nnmem_arena_kind kind;
};

static enum nnmem_arena_kind nnmem_quota_attr_kind(struct device_attribute *a)
{
	return container_of(a, struct nnmem_quota_attribute, attr)->kind;
}

static ssize_t quota_session_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return nnmem_quota_session_show(dev_get_drvdata(dev),
					nnmem_quota_attr_kind(attr), buf);
}

static ssize_t quota_session_store(struct device *dev,
				   struct device_attribute *attr,
				   const char *buf, size_t count)
{
	return nnmem_quota_session_store(dev_get_drvdata(dev),
					 nnmem_quota_attr_kind(attr), buf,
					 count);
}

static struct nnmem_quota_attribute dev_attr_quota_session_weight_bytes = {
	.attr = __ATTR(quota_session_weight_bytes, 0644, quota_session_show,
		       quota_session_store),
	.kind = NNMEM_ARENA_WEIGHT,
};

static struct nnmem_quota_attribute dev_attr_quota_session_activation_bytes = {
	.attr = __ATTR(quota_session_activation_bytes, 0644,
		       quota_session_show, quota_session_store),
	.kind = NNMEM_ARENA_ACTIVATION,
};

static ssize_t quota_uid_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return nnmem_quota_uid_show(dev_get_drvdata(dev), buf);
}

static ssize_t quota_uid_store(struct device *dev,
			       struct device_attribute *attr, const char *buf,
			       size_t count)
{
	return nnmem_quota_uid_store(dev_get_drvdata(dev), buf, count);
}

/* root only, reads included: it shows every user's usage */
static DEVICE_ATTR_ADMIN_RW(quota_uid);

static ssize_t sched_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return nnmem_job_sched_show(dev_get_drvdata(dev), buf);
}

static ssize_t sched_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	return nnmem_job_sched_store(dev_get_drvdata(dev), buf, count);
}
static DEVICE_ATTR_RW(sched);

static struct attribute *nnmem_dev_attrs[] = {
	&dev_attr_arena_size.attr,
	&dev_attr_weight_bytes.attr,
	&dev_attr_activation_bytes.attr,
	&dev_attr_free_bytes.attr,
	&dev_attr_largest_free.attr,
	&dev_attr_weight_hwm.attr,
	&dev_attr_activation_hwm.attr,
	&dev_attr_weight_regions.attr,
	&dev_attr_activation_regions.attr,
	&dev_attr_sessions.attr,
	&dev_attr_graphs.attr,
	&dev_attr_jobs_queued.attr,
	&dev_attr_jobs_running.attr,
	&dev_attr_jobs_completed.attr,
	&dev_attr_jobs_failed.attr,
	&dev_attr_jobs_cancelled.attr,
	&dev_attr_macs.attr,
	&dev_attr_busy_ns.attr,
	&dev_attr_kmem.attr,
	&dev_attr_hwm_reset.attr,
	&dev_attr_auto_compact.attr,
	&dev_attr_quota_session_weight_bytes.attr.attr,
	&dev_attr_quota_session_activation_bytes.attr.attr,
	&dev_attr_quota_uid.attr,
	&dev_attr_sched.attr,
	NULL
};

static const struct attribute_group nnmem_dev_group = {
	.attrs = nnmem_dev_attrs,
};

const struct attribute_group *nnmem_dev_groups[] = {
	&nnmem_dev_group,
	NULL
};
