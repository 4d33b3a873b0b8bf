// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libnnmem: thin wrappers over the nnmem ioctls, returning negative errnos.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>

struct nnmem_dev {
	int fd;
};

static int nnmem_ioctl(struct nnmem_dev *dev, unsigned long cmd, void *arg)
{
	if (!dev)
		return -EBADF;
	if (ioctl(dev->fd, cmd, arg) < 0)
		return -errno;
	return 0;
}

int nnmem_open_path(const char *path, struct nnmem_dev **devp)
{
	struct nnmem_dev *dev;
	int err;

	if (!path || !devp)
		return -EINVAL;
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		err = -errno;
		free(dev);
		return err;
	}
	*devp = dev;
	return 0;
}

int nnmem_open(int index, struct nnmem_dev **devp)
{
	char path[32];

	if (index < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/nnmem%d", index);
	return nnmem_open_path(path, devp);
}

void nnmem_close(struct nnmem_dev *dev)
{
	if (!dev)
		return;
	close(dev->fd);
	free(dev);
}

int nnmem_fd(const struct nnmem_dev *dev)
{
	return dev ? dev->fd : -EBADF;
}

int nnmem_info(struct nnmem_dev *dev, struct nnmem_info *info)
{
	memset(info, 0, sizeof(*info));
	return nnmem_ioctl(dev, NNMEM_IOCTL_INFO, info);
}

int nnmem_usage(struct nnmem_dev *dev, struct nnmem_usage *usage)
{
	memset(usage, 0, sizeof(*usage));
	return nnmem_ioctl(dev, NNMEM_IOCTL_USAGE, usage);
}

int nnmem_alloc(struct nnmem_dev *dev, uint64_t size, uint32_t align,
		uint32_t kind, uint32_t flags, const char *label,
		uint32_t *handle, uint64_t *offset)
{
	struct nnmem_alloc req;
	int err;

	memset(&req, 0, sizeof(req));
	req.size = size;
	req.align = align;
	req.kind = kind;
	req.flags = flags;
	if (label) {
		size_t len = strlen(label);

		if (len >= NNMEM_LABEL_LEN)
			return -ENAMETOOLONG;
		memcpy(req.label, label, len);
	}
	err = nnmem_ioctl(dev, NNMEM_IOCTL_ALLOC, &req);
	if (err)
		return err;
	if (handle)
		*handle = req.handle;
	if (offset)
		*offset = req.offset;
	return 0;
}

int nnmem_free(struct nnmem_dev *dev, uint32_t handle)
{
	struct nnmem_free req = { .handle = handle };

	return nnmem_ioctl(dev, NNMEM_IOCTL_FREE, &req);
}

int nnmem_region_info(struct nnmem_dev *dev, uint32_t handle,
		      struct nnmem_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	return nnmem_ioctl(dev, NNMEM_IOCTL_REGION_INFO, info);
}

int nnmem_map(struct nnmem_dev *dev, uint32_t handle, void **addrp,
	      size_t *lenp)
{
	struct nnmem_region_info ri;
	void *addr;
	int err;

	err = nnmem_region_info(dev, handle, &ri);
	if (err)
		return err;
	if (!(ri.alloc_flags & NNMEM_ALLOC_MAPPABLE) || !ri.mmap_offset)
		return -EACCES;
	addr = mmap(NULL, ri.span, PROT_READ | PROT_WRITE, MAP_SHARED,
		    dev->fd, (off_t)ri.mmap_offset);
	if (addr == MAP_FAILED)
		return -errno;
	*addrp = addr;
	if (lenp)
		*lenp = ri.span;
	return 0;
}

int nnmem_unmap(void *addr, size_t len)
{
	if (munmap(addr, len) < 0)
		return -errno;
	return 0;
}

static int nnmem_rw(struct nnmem_dev *dev, unsigned long cmd, uint32_t handle,
		    uint64_t offset, const void *buf, size_t len)
{
	struct nnmem_rw req;

	memset(&req, 0, sizeof(req));
	req.handle = handle;
	req.offset = offset;
	req.length = len;
	req.data = (uint64_t)(uintptr_t)buf;
	return nnmem_ioctl(dev, cmd, &req);
}

int nnmem_write(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
		const void *buf, size_t len)
{
	return nnmem_rw(dev, NNMEM_IOCTL_WRITE, handle, offset, buf, len);
}

int nnmem_read(struct nnmem_dev *dev, uint32_t handle, uint64_t offset,
	       void *buf, size_t len)
{
	return nnmem_rw(dev, NNMEM_IOCTL_READ, handle, offset, buf, len);
}

const char *nnmem_kind_name(uint32_t kind)
{
	switch (kind) {
	case NNMEM_KIND_WEIGHT:
		return "weight";
	case NNMEM_KIND_ACTIVATION:
		return "activation";
	default:
		return "?";
	}
}

const char *nnmem_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENOSPC:
		return "arena full: weights and activations would cross";
	case -EMFILE:
		return "session holds the maximum number of regions";
	case -ENOENT:
		return "no such region handle in this session (or no such device node)";
	case -EINVAL:
		return "invalid request: bad size, alignment, kind, flags, label or range";
	case -E2BIG:
		return "request struct has unknown nonzero fields (newer than the driver)";
	case -ENOTTY:
		return "not an nnmem ioctl (or the driver is too old)";
	case -EFAULT:
		return "bad user address";
	case -EACCES:
		return "region is not mappable";
	case -ENOMEM:
		return "out of kernel memory (or arena too large for the DMA allocator)";
	case -ENAMETOOLONG:
		return "label too long";
	case -ENODEV:
	case -ENXIO:
		return "no such nnmem device";
	case -EBADF:
		return "not an open nnmem session";
	case -EPERM:
		return "permission denied on the nnmem device";
	default:
		return err < 0 ? strerror(-err) : "not an error code";
	}
}
