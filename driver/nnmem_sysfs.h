/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the read-only statistics attributes of /sys/class/nnmem/nnmemN/
 * (driver/sysfs-class-nnmem documents them).
 */
#ifndef __NNMEM_SYSFS_H__
#define __NNMEM_SYSFS_H__

#include <linux/sysfs.h>

/* Attribute groups of each class device; its drvdata is the nnmem_device. */
extern const struct attribute_group *nnmem_dev_groups[];

#endif /* __NNMEM_SYSFS_H__ */
