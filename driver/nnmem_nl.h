/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem: the generic netlink family "nnmem" (uapi/nnmem.yaml): dev-get,
 * region-get, user-get, dmabuf-get and the "events" multicast group, which
 * carries the events of nnmem_event.h (implemented in nnmem_nl.c; the
 * compact-ntf is built by nnmem_compact.c).
 *
 * Netlink reads the driver's state only through what the owners declare:
 * the devices through nnmem_drv.h (nnmem_device_find(),
 * nnmem_device_stats()), the sessions through nnmem_session.h
 * (nnmem_device_walk_sessions(), nnmem_session_id() ...), the dma-bufs
 * through nnmem_dmabuf.h (nnmem_dmabuf_walk()), and the fixed fields of
 * regions, graphs and jobs through their headers.
 */
#ifndef __NNMEM_NL_H__
#define __NNMEM_NL_H__

int nnmem_nl_init(void);
void nnmem_nl_fini(void);

#endif /* __NNMEM_NL_H__ */
