/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libnnmem networks: a TensorFlow Lite model (nnmem/tflite.h) planned,
 * loaded onto a device and run there, or run on the host by the driver's
 * own validator, executor and kernels. Part of libnnmem_model.a.
 *
 * The memory of a loaded network is two regions of the arena:
 *
 * - weights, from the bottom: every constant the nodes read (filters,
 *   biases, the per-channel multipliers and shifts the importer derives,
 *   transposed depthwise filters), packed in model order (filter0, bias0,
 *   multiplier0, shift0, filter1, ...), each at a multiple of 16 bytes;
 * - activations, from the top: one mappable region holding every
 *   activation tensor at the offset the liveness planner
 *   (driver/nnmem_planner.c) gave it, so that tensors never live at the
 *   same time share bytes. Its size is the plan's footprint (rounded up to
 *   whole pages, as mappable regions are). The model's inputs and outputs
 *   are read and written in place through its mapping.
 *
 * Use:
 *	nnmem_net_open("resnet8.tflite", 0, &net, err, sizeof(err));
 *	nnmem_net_plan(net)->activation_bytes ...	(no device needed)
 *	nnmem_net_load(net, dev, err, sizeof(err));
 *	memcpy(nnmem_net_tensor(net, net_input, &len), image, len);
 *	nnmem_net_run(net, NULL);
 *	... read nnmem_net_tensor(net, net_output, &len) ...
 *	nnmem_net_close(net);
 */
#ifndef NNMEM_NET_H
#define NNMEM_NET_H

#include <stddef.h>
#include <stdint.h>

#include <nnmem/libnnmem.h>
#include <nnmem/tflite.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Alignment of every planned weight and activation, in bytes. */
#define NNMEM_NET_ALIGN		16

/*
 * nnmem_net_open() flags. %NNMEM_NET_NO_SHARING gives every activation
 * buffer bytes of its own (the plain sum), so that every intermediate
 * tensor can be read after a run: for checking, not for deployment.
 * %NNMEM_NET_DEVICE_PLANNED leaves the intermediate tensors to the device
 * (NNMEM_TENSOR_DEVICE_PLACED in the device's shared scratch area, see
 * "DOC: nnmem device planning" in <linux/nnmem.h>): the activation region
 * then holds only the model's inputs and outputs, and networks loaded at
 * once need the largest plan, not the sum. Host runs use the library's
 * own plan either way.
 */
#define NNMEM_NET_NO_SHARING	0x1U
#define NNMEM_NET_DEVICE_PLANNED 0x2U
#define NNMEM_NET_VALID_FLAGS	(NNMEM_NET_NO_SHARING | NNMEM_NET_DEVICE_PLANNED)

/**
 * struct nnmem_net_buf - one activation buffer of the plan
 * @tensor: the model tensor owning the bytes (views share them)
 * @first: first node step it is live
 * @last: last node step it is live
 * @offset: byte offset in the activation region
 * @bytes: its size (not rounded)
 */
struct nnmem_net_buf {
	uint32_t tensor;
	uint32_t first;
	uint32_t last;
	uint64_t offset;
	uint64_t bytes;
};

/**
 * struct nnmem_net_plan - the memory a network needs, known before loading
 * @weight_bytes: the weights region: constants packed in model order
 * @activation_bytes: the activation region's footprint as planned
 * @bound: the liveness lower bound: the most bytes (each buffer rounded to
 *	%NNMEM_NET_ALIGN) live at any one step
 * @naive_bytes: every activation tensor of the file with bytes of its
 *	own, views counted, each rounded to %NNMEM_NET_ALIGN (the plain sum)
 * @arena_bytes: what the two regions reserve in the arena: @weight_bytes
 *	and @activation_bytes each rounded up as the device rounds them
 *	(the activation region to whole pages)
 * @device_scratch: with %NNMEM_NET_DEVICE_PLANNED, once loaded: the bytes
 *	the device planned for the intermediates (GRAPH_CREATE's
 *	scratch_size); else 0
 * @steps: node steps (operators but RESHAPE)
 * @buf_count: entries of @bufs
 * @bufs: the activation buffers, in the model's lifetime order
 */
struct nnmem_net_plan {
	uint64_t weight_bytes;
	uint64_t activation_bytes;
	uint64_t bound;
	uint64_t naive_bytes;
	uint64_t arena_bytes;
	uint64_t device_scratch;
	uint32_t steps;
	uint32_t buf_count;
	const struct nnmem_net_buf *bufs;
};

struct nnmem_net;

/**
 * nnmem_net_open() - read, check and plan a .tflite model
 * @path: the model file
 * @flags: %NNMEM_NET_* flags
 * @netp: receives the network
 * @err: receives a message on failure (may be NULL)
 * @errlen: bytes at @err
 *
 * No device is needed: the importer checks the whole file, the lowering is
 * validated by the driver's validator on the host, and the planner places
 * the activations.
 *
 * Return: 0; -EINVAL (bad file or flags), -EOPNOTSUPP (what the device
 * cannot run), -ENOMEM, or the errno of reading the file.
 */
int nnmem_net_open(const char *path, uint32_t flags, struct nnmem_net **netp,
		   char *err, size_t errlen);

/**
 * nnmem_net_close() - unload (if loaded) and free a network
 * @net: the network, or NULL
 */
void nnmem_net_close(struct nnmem_net *net);

/** nnmem_net_model() - the imported model of @net */
const struct nnmem_tflite_model *nnmem_net_model(const struct nnmem_net *net);

/** nnmem_net_plan() - the memory plan of @net */
const struct nnmem_net_plan *nnmem_net_plan(const struct nnmem_net *net);

/**
 * nnmem_net_load() - put a network on a device
 * @net: an opened, unloaded network
 * @dev: the device
 * @err: receives a message on failure (may be NULL)
 * @errlen: bytes at @err
 *
 * Allocates the weights region and writes the weights, allocates and maps
 * the activation region, and creates the graph. On failure nothing stays
 * allocated.
 *
 * Return: 0 or a negative errno of the device.
 */
int nnmem_net_load(struct nnmem_net *net, struct nnmem_dev *dev, char *err,
		   size_t errlen);

/**
 * nnmem_net_unload() - destroy the graph and free the regions
 * @net: a network; nothing happens if it is not loaded
 */
void nnmem_net_unload(struct nnmem_net *net);

/**
 * nnmem_net_host_ops() - run some operators on the host, between device
 *	segments
 * @net: an opened network, not loaded, without %NNMEM_NET_DEVICE_PLANNED
 * @builtins: a mask of TFLite BuiltinOperator values (bit b for
 *	builtin b): ADD, AVERAGE_POOL_2D, MAX_POOL_2D and SOFTMAX may be
 *	given (the operators without weights)
 *
 * By default every operator runs on the device (the op table in
 * nnmem_net.c). With some on the host, nnmem_net_load() creates one
 * device graph per run of consecutive device nodes, and nnmem_net_run()
 * runs the host's nodes between them with the driver's executor and
 * kernels, reading and writing the activation region in place through its
 * mapping: the same bytes, no copies.
 *
 * Return: 0; -EINVAL for another operator or a loaded network.
 */
int nnmem_net_host_ops(struct nnmem_net *net, uint64_t builtins);

/**
 * nnmem_net_tensor() - where an activation tensor's bytes are
 * @net: a loaded network (or one with host memory, see nnmem_net_run_host())
 * @tensor: a model tensor index
 * @bytes: receives its size (may be NULL)
 *
 * Return: its bytes in the activation region's mapping (or the host
 * activation memory of the last host run when not loaded), or NULL for a
 * constant or an unknown tensor. With sharing, a tensor's bytes hold its
 * value only while it is live: a model input before the run, a model
 * output after it.
 */
void *nnmem_net_tensor(struct nnmem_net *net, uint32_t tensor, size_t *bytes);

/**
 * nnmem_net_run() - run a loaded network on its device and wait
 * @net: the network
 * @duration_ns: receives the device's execution time, of all its
 *	segments (may be NULL)
 *
 * Return: 0 or the job's negative errno.
 */
int nnmem_net_run(struct nnmem_net *net, uint64_t *duration_ns);

/**
 * nnmem_net_run_host() - run a network on the host, no device
 * @net: the network
 * @input: the bytes of model input 0
 * @len: bytes at @input, its size exactly
 *
 * The same plan, validator, executor and kernels as the device, over host
 * memory laid out as the two regions. Afterwards nnmem_net_tensor() of an
 * unloaded network reads the host activation memory.
 *
 * Return: 0, -EINVAL for a wrong @len, or the run's error.
 */
int nnmem_net_run_host(struct nnmem_net *net, const void *input, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NNMEM_NET_H */
