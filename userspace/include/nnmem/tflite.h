/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libnnmem TensorFlow Lite importer: reads an int8 .tflite model (a
 * FlatBuffer, schema in tensorflow/lite/schema/schema.fbs) as untrusted
 * input into an intermediate representation, derives the integer
 * parameters TFLite's kernels compute at prepare time, and lowers the
 * graph to the driver's &struct nnmem_tensor and &struct nnmem_node arrays.
 *
 * Supported operators: CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD,
 * AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE and SOFTMAX, on INT8 activations
 * with INT32 biases. Only the first subgraph is read.
 *
 * Use:
 *
 *	nnmem_tflite_parse(buf, len, &m, err, sizeof(err));
 *	for each i < m->tensor_count with NNMEM_TFLITE_T_PLACED:
 *		choose a region and offset for m->tensors[i].bytes bytes
 *		(weights in m->weight_order; activations from m->lifetimes),
 *		write constants with nnmem_tflite_tensor_fill();
 *	nnmem_tflite_lower(m, place, tensors, nodes, err, sizeof(err));
 *	nnmem_graph_create(dev, tensors, m->graph_tensor_count, nodes,
 *			   m->node_count, ...);
 *	nnmem_tflite_free(m);	(after the last use of @buf too)
 *
 * The model keeps pointers into the caller's file buffer (constant data):
 * keep it alive and unchanged until nnmem_tflite_free().
 */
#ifndef NNMEM_TFLITE_H
#define NNMEM_TFLITE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/nnmem.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "No tensor / no operator / no node" in every index field below. */
#define NNMEM_TFLITE_NONE		0xffffffffU

/* Most dims of a tensor the importer accepts (TFLite allows more). */
#define NNMEM_TFLITE_MAX_DIMS		6
/* Most inputs of a supported operator (conv: input, filter, bias). */
#define NNMEM_TFLITE_MAX_INPUTS		3
/* Largest tensor accepted, in bytes. */
#define NNMEM_TFLITE_MAX_BYTES		(1ULL << 31)
/* Most tensors, operators, operator codes and buffers read from a file. */
#define NNMEM_TFLITE_MAX_COUNT		65536U
/* Length of an error message buffer that never truncates the lists. */
#define NNMEM_TFLITE_ERR_LEN		1024

/* TFLite TensorType values (schema.fbs) that the importer knows by name. */
#define NNMEM_TFLITE_TYPE_FLOAT32	0
#define NNMEM_TFLITE_TYPE_INT32		2
#define NNMEM_TFLITE_TYPE_UINT8		3
#define NNMEM_TFLITE_TYPE_INT8		9

/* TFLite BuiltinOperator values of the supported operators. */
#define NNMEM_TFLITE_OP_ADD			0
#define NNMEM_TFLITE_OP_AVERAGE_POOL_2D		1
#define NNMEM_TFLITE_OP_CONV_2D			3
#define NNMEM_TFLITE_OP_DEPTHWISE_CONV_2D	4
#define NNMEM_TFLITE_OP_FULLY_CONNECTED		9
#define NNMEM_TFLITE_OP_MAX_POOL_2D		17
#define NNMEM_TFLITE_OP_RESHAPE			22
#define NNMEM_TFLITE_OP_SOFTMAX			25

/* TFLite Padding and ActivationFunctionType values. */
#define NNMEM_TFLITE_PADDING_SAME	0
#define NNMEM_TFLITE_PADDING_VALID	1
#define NNMEM_TFLITE_ACT_NONE		0
#define NNMEM_TFLITE_ACT_RELU		1
#define NNMEM_TFLITE_ACT_RELU_N1_TO_1	2
#define NNMEM_TFLITE_ACT_RELU6		3

/* &nnmem_tflite_tensor.flags */
#define NNMEM_TFLITE_T_CONST	0x01U	/* data in the file (or a view of it) */
#define NNMEM_TFLITE_T_DERIVED	0x02U	/* made by the importer, see @derived */
#define NNMEM_TFLITE_T_INPUT	0x04U	/* a model input */
#define NNMEM_TFLITE_T_OUTPUT	0x08U	/* a model output */
#define NNMEM_TFLITE_T_VIEW	0x10U	/* a RESHAPE output: @buffer's bytes */
#define NNMEM_TFLITE_T_PLACED	0x20U	/* needs bytes: place it for lowering */

/* &nnmem_tflite_tensor.derived_kind */
#define NNMEM_TFLITE_DERIVED_NONE	0
#define NNMEM_TFLITE_DERIVED_MULTIPLIER	1	/* int32 [C] Q31 multipliers */
#define NNMEM_TFLITE_DERIVED_SHIFT	2	/* int32 [C] shifts, + = left */
#define NNMEM_TFLITE_DERIVED_DW_FILTER	3	/* int8 OHWI depthwise filter */

/**
 * struct nnmem_tflite_quant - affine quantisation of a tensor
 * @count: number of scales: 0 (not quantised), 1 (per tensor) or the
 *	size of dim @axis (per channel).
 * @axis: TFLite's quantized_dimension: the per-channel dim (0 when
 *	@count < 2).
 * @scale: @count scales exactly as stored (float32), each finite and
 *	positive; NULL when @count is 0.
 * @zero_point: @count zero points (int64 in the file, range-checked to
 *	the tensor's type: [-128, 127] for INT8, 0 for INT32); NULL when
 *	@count is 0. An absent zero-point vector reads as zeros.
 */
struct nnmem_tflite_quant {
	uint32_t count;
	uint32_t axis;
	float *scale;
	int32_t *zero_point;
};

/**
 * struct nnmem_tflite_tensor - one tensor, from the file or derived
 * @name: NUL-terminated name (the file's, or "opN.multiplier",
 *	"opN.shift", "opN.filter_ohwi" for derived tensors); owned by the model.
 * @type: TFLite TensorType (%NNMEM_TFLITE_TYPE_*).
 * @ndims: number of dims, 0 (a scalar) to %NNMEM_TFLITE_MAX_DIMS.
 * @dims: the shape, outermost first, each at least 1; 0 past @ndims.
 * @bytes: element count times element size, at most
 *	%NNMEM_TFLITE_MAX_BYTES.
 * @data: constant data: @bytes bytes inside the caller's file buffer
 *	(unaligned in general); NULL for activations and derived tensors.
 * @quant: quantisation parameters.
 * @flags: %NNMEM_TFLITE_T_* bits.
 * @buffer: index of the tensor whose bytes these are: itself, or for a
 *	RESHAPE output (%NNMEM_TFLITE_T_VIEW) the root of the chain of
 *	reshapes, so that a memory planner treats them as one buffer.
 * @producer: index of the operator writing it, or %NNMEM_TFLITE_NONE.
 * @graph_index: index of this tensor in the lowered &struct nnmem_tensor
 *	array, or %NNMEM_TFLITE_NONE when no node names it.
 * @derived_kind: %NNMEM_TFLITE_DERIVED_* of a derived tensor.
 * @derived_op: the operator a derived tensor belongs to, else
 *	%NNMEM_TFLITE_NONE.
 */
struct nnmem_tflite_tensor {
	char *name;
	uint32_t type;
	uint32_t ndims;
	uint32_t dims[NNMEM_TFLITE_MAX_DIMS];
	uint64_t bytes;
	const uint8_t *data;
	struct nnmem_tflite_quant quant;
	uint32_t flags;
	uint32_t buffer;
	uint32_t producer;
	uint32_t graph_index;
	uint32_t derived_kind;
	uint32_t derived_op;
};

/**
 * struct nnmem_tflite_conv_options - CONV_2D and DEPTHWISE_CONV_2D options
 * @padding: %NNMEM_TFLITE_PADDING_SAME or %NNMEM_TFLITE_PADDING_VALID.
 * @stride_h: vertical stride, at least 1.
 * @stride_w: horizontal stride, at least 1.
 * @dilation_h: vertical dilation factor, at least 1.
 * @dilation_w: horizontal dilation factor, at least 1.
 * @depth_multiplier: DEPTHWISE_CONV_2D: output channels per input channel
 *	(from the shapes; the option, when nonzero, must agree); 0 for
 *	CONV_2D.
 * @activation: fused %NNMEM_TFLITE_ACT_*.
 */
struct nnmem_tflite_conv_options {
	uint32_t padding;
	uint32_t stride_h;
	uint32_t stride_w;
	uint32_t dilation_h;
	uint32_t dilation_w;
	uint32_t depth_multiplier;
	uint32_t activation;
};

/**
 * struct nnmem_tflite_pool_options - AVERAGE_POOL_2D and MAX_POOL_2D options
 * @padding: %NNMEM_TFLITE_PADDING_SAME or %NNMEM_TFLITE_PADDING_VALID.
 * @stride_h: vertical stride, at least 1.
 * @stride_w: horizontal stride, at least 1.
 * @filter_h: window height, at least 1.
 * @filter_w: window width, at least 1.
 * @activation: fused %NNMEM_TFLITE_ACT_*.
 */
struct nnmem_tflite_pool_options {
	uint32_t padding;
	uint32_t stride_h;
	uint32_t stride_w;
	uint32_t filter_h;
	uint32_t filter_w;
	uint32_t activation;
};

/**
 * struct nnmem_tflite_options - builtin options of one operator
 * @conv: CONV_2D, DEPTHWISE_CONV_2D.
 * @pool: AVERAGE_POOL_2D, MAX_POOL_2D.
 * @activation: fused %NNMEM_TFLITE_ACT_* of FULLY_CONNECTED and ADD (also
 *	copied here from @conv and @pool; %NNMEM_TFLITE_ACT_NONE otherwise).
 * @keep_num_dims: FULLY_CONNECTED's keep_num_dims.
 * @beta: SOFTMAX's beta (float32, as stored).
 */
struct nnmem_tflite_options {
	struct nnmem_tflite_conv_options conv;
	struct nnmem_tflite_pool_options pool;
	uint32_t activation;
	uint32_t keep_num_dims;
	float beta;
};

/**
 * struct nnmem_tflite_params - integer parameters derived as TFLite does
 * @act_min: lower output clamp (CalculateActivationRangeQuantized), int8.
 * @act_max: upper output clamp, int8.
 * @pad_top: ComputePaddingHeightWidth: rows above (total / 2).
 * @pad_bottom: rows below (total - total / 2).
 * @pad_left: columns left.
 * @pad_right: columns right.
 * @out_h: output height the options give (checked against the output).
 * @out_w: output width.
 * @groups: conv: input channels / filter input channels (1 for CONV_2D
 *	without groups; input channels for DEPTHWISE_CONV_2D).
 * @channels: conv and FULLY_CONNECTED: entries of @multiplier and @shift
 *	(output channels, or 1 for a per-tensor FULLY_CONNECTED).
 * @multiplier: conv and FULLY_CONNECTED: QuantizeMultiplier() of the
 *	effective scale of each channel; owned by the model.
 * @shift: conv and FULLY_CONNECTED: the matching shifts (+ = left).
 * @left_shift: ADD: 20.
 * @input1_multiplier: ADD: of s1 / (2 * max(s1, s2)).
 * @input1_shift: ADD: its shift (<= 0).
 * @input2_multiplier: ADD: of s2 / (2 * max(s1, s2)).
 * @input2_shift: ADD: its shift (<= 0).
 * @output_multiplier: ADD: of 2 * max(s1, s2) / (2^20 * s_out).
 * @output_shift: ADD: its shift (<= 0).
 * @input_multiplier: SOFTMAX: PreprocessSoftmaxScaling(beta, s_in, 5).
 * @input_left_shift: SOFTMAX: its left shift (>= 0).
 * @diff_min: SOFTMAX: -CalculateInputRadius(5, @input_left_shift, 31).
 * @multiplier_tensor: conv and FULLY_CONNECTED: the derived tensor holding
 *	@multiplier, else %NNMEM_TFLITE_NONE.
 * @shift_tensor: the derived tensor holding @shift.
 * @filter_tensor: DEPTHWISE_CONV_2D: the derived OHWI filter; else the
 *	operator's filter input (or %NNMEM_TFLITE_NONE).
 */
struct nnmem_tflite_params {
	int32_t act_min;
	int32_t act_max;
	uint32_t pad_top;
	uint32_t pad_bottom;
	uint32_t pad_left;
	uint32_t pad_right;
	uint32_t out_h;
	uint32_t out_w;
	uint32_t groups;
	uint32_t channels;
	int32_t *multiplier;
	int32_t *shift;
	int32_t left_shift;
	int32_t input1_multiplier;
	int32_t input1_shift;
	int32_t input2_multiplier;
	int32_t input2_shift;
	int32_t output_multiplier;
	int32_t output_shift;
	int32_t input_multiplier;
	int32_t input_left_shift;
	int32_t diff_min;
	uint32_t multiplier_tensor;
	uint32_t shift_tensor;
	uint32_t filter_tensor;
};

/**
 * struct nnmem_tflite_op - one operator, in execution order
 * @builtin: TFLite BuiltinOperator (%NNMEM_TFLITE_OP_*): the larger of
 *	the operator code's deprecated_builtin_code and builtin_code.
 * @version: the operator code's version.
 * @ninputs: entries of @inputs.
 * @inputs: tensor indices; %NNMEM_TFLITE_NONE for an absent optional
 *	input (a bias; TFLite's -1).
 * @output: the output tensor.
 * @options: builtin options.
 * @params: derived integer parameters.
 * @node: index of the node the lowering emits for it, or
 *	%NNMEM_TFLITE_NONE (RESHAPE emits none).
 */
struct nnmem_tflite_op {
	uint32_t builtin;
	uint32_t version;
	uint32_t ninputs;
	uint32_t inputs[NNMEM_TFLITE_MAX_INPUTS];
	uint32_t output;
	struct nnmem_tflite_options options;
	struct nnmem_tflite_params params;
	uint32_t node;
};

/**
 * struct nnmem_tflite_lifetime - one activation buffer for a memory planner
 * @tensor: the buffer's tensor (a root: its views share the bytes).
 * @first: node step that writes it (its producer's node), or 0 for a
 *	model input.
 * @last: last node step that reads it or one of its views; a model output
 *	(or a buffer a model output views) lives to the last step.
 * @bytes: its size.
 */
struct nnmem_tflite_lifetime {
	uint32_t tensor;
	uint32_t first;
	uint32_t last;
	uint64_t bytes;
};

/**
 * struct nnmem_tflite_model - a parsed model
 * @version: the file's schema version (3).
 * @tensor_count: tensors of the file's first subgraph; their indices are
 *	the file's.
 * @all_tensor_count: @tensor_count plus the derived tensors appended
 *	after them (multipliers, shifts, transposed depthwise filters).
 * @tensors: @all_tensor_count tensors.
 * @op_count: operators, in execution order.
 * @ops: @op_count operators.
 * @input_count: model inputs.
 * @inputs: their tensor indices.
 * @output_count: model outputs.
 * @outputs: their tensor indices.
 * @node_count: nodes the lowering emits (operators but RESHAPE), also the
 *	number of steps.
 * @graph_tensor_count: &struct nnmem_tensor entries the lowering emits.
 * @weight_count: entries of @weight_order.
 * @weight_order: "model order" of the constant tensors to place (file
 *	constants and derived ones, %NNMEM_TFLITE_T_PLACED): as operators
 *	first use them (filter0, bias0, multiplier0, shift0, filter1, ...).
 * @weight_bytes: sum of the bytes of @weight_order's tensors.
 * @const_bytes: sum of the bytes of every constant tensor of the file
 *	(views not counted twice).
 * @lifetime_count: entries of @lifetimes.
 * @lifetimes: every activation buffer (placed, not constant, not a view),
 *	by tensor index.
 * @activation_bytes: sum of the bytes of every non-constant tensor of the
 *	file, views included (TFLite's "plain sum").
 */
struct nnmem_tflite_model {
	uint32_t version;
	uint32_t tensor_count;
	uint32_t all_tensor_count;
	struct nnmem_tflite_tensor *tensors;
	uint32_t op_count;
	struct nnmem_tflite_op *ops;
	uint32_t input_count;
	uint32_t *inputs;
	uint32_t output_count;
	uint32_t *outputs;
	uint32_t node_count;
	uint32_t graph_tensor_count;
	uint32_t weight_count;
	uint32_t *weight_order;
	uint64_t weight_bytes;
	uint64_t const_bytes;
	uint32_t lifetime_count;
	struct nnmem_tflite_lifetime *lifetimes;
	uint64_t activation_bytes;
};

/**
 * struct nnmem_tflite_place - where the caller put a tensor's bytes
 * @handle: region handle.
 * @offset: byte offset in the region.
 */
struct nnmem_tflite_place {
	uint32_t handle;
	uint64_t offset;
};

/**
 * nnmem_tflite_parse() - read a .tflite file into a model
 * @buf: the file's bytes; the model points into them (constant data).
 * @len: bytes at @buf.
 * @modelp: receives the model, to free with nnmem_tflite_free().
 * @err: receives a NUL-terminated message on failure (may be NULL).
 * @errlen: bytes at @err; %NNMEM_TFLITE_ERR_LEN holds any message whole.
 *
 * Every offset, length, index, enum and shape of the file is checked
 * before use. Messages name the operator, the tensor and the field, e.g.
 * "operator 3 (CONV_2D): input 1 (tensor 57): index out of range 38".
 * Unsupported operators and tensor types are all listed in one message.
 *
 * Return: 0; -EINVAL for a malformed or inconsistent file; -EOPNOTSUPP
 * for a well-formed one using what the importer does not support;
 * -ENOMEM.
 */
int nnmem_tflite_parse(const void *buf, size_t len,
		       struct nnmem_tflite_model **modelp,
		       char *err, size_t errlen);

/**
 * nnmem_tflite_free() - free a model
 * @m: the model, or NULL.
 */
void nnmem_tflite_free(struct nnmem_tflite_model *m);

/**
 * nnmem_tflite_tensor_fill() - write a constant tensor's device bytes
 * @m: the model.
 * @index: a tensor with %NNMEM_TFLITE_T_CONST or %NNMEM_TFLITE_T_DERIVED.
 * @dst: receives &nnmem_tflite_tensor.bytes bytes (little-endian).
 * @len: bytes at @dst, at least the tensor's.
 *
 * Copies file constants; computes derived tensors: multipliers and
 * shifts as int32, a depthwise filter transposed with
 * nnmem_tflite_dw_filter_transpose().
 *
 * Return: 0; -EINVAL for a bad index, an activation or a short @dst.
 */
int nnmem_tflite_tensor_fill(const struct nnmem_tflite_model *m,
			     uint32_t index, void *dst, size_t len);

/**
 * nnmem_tflite_dw_filter_transpose() - TFLite depthwise filter to OHWI
 * @m: the model.
 * @op: a DEPTHWISE_CONV_2D operator.
 * @dst: receives the filter as OHWI [C*M, H, W, 1] int8.
 * @len: bytes at @dst, at least the filter's.
 *
 * Element (o, h, w, 0) of the result is element (0, h, w, o) of TFLite's
 * [1, H, W, C*M] filter.
 *
 * Return: 0; -EINVAL for a bad operator or a short @dst.
 */
int nnmem_tflite_dw_filter_transpose(const struct nnmem_tflite_model *m,
				     uint32_t op, void *dst, size_t len);

/**
 * nnmem_tflite_lower() - the model as the driver's graph description
 * @m: the model.
 * @place: @m->all_tensor_count placements, indexed like @m->tensors; only
 *	the %NNMEM_TFLITE_T_PLACED entries are read.
 * @tensors: receives @m->graph_tensor_count tensors; tensor i of the
 *	model (views use their buffer's placement) is entry
 *	&nnmem_tflite_tensor.graph_index.
 * @nodes: receives @m->node_count nodes, one per operator but RESHAPE, in
 *	execution order (&nnmem_tflite_op.node).
 * @err: receives a message on failure (may be NULL).
 * @errlen: bytes at @err.
 *
 * A FULLY_CONNECTED reading a RESHAPE output reads its buffer instead (the
 * op flattens its input anyway), so such a view needs no tensor of its own.
 *
 * Return: 0; -EINVAL when a placement is misaligned for int32 data;
 * -EOPNOTSUPP when the device cannot do what the model asks (a shift
 * outside [-31, 30], a tensor of more than 4 dims, an ADD broadcast the
 * device lacks).
 */
int nnmem_tflite_lower(const struct nnmem_tflite_model *m,
		       const struct nnmem_tflite_place *place,
		       struct nnmem_tensor *tensors, struct nnmem_node *nodes,
		       char *err, size_t errlen);

/**
 * nnmem_tflite_quantize_multiplier() - TFLite's QuantizeMultiplier()
 * @real: a finite, non-negative real multiplier.
 * @multiplier: receives q in [2^30, 2^31) (0 when @real is 0 or so small
 *	that the shift would be below -31).
 * @shift: receives the exponent (+ = left): @real ~ q * 2^(@shift - 31).
 *
 * frexp() gives (f, e); q = round(f * 2^31); q == 2^31 becomes 2^30 with
 * e + 1; e < -31 gives q = 0, e = 0.
 */
void nnmem_tflite_quantize_multiplier(double real, int32_t *multiplier,
				      int *shift);

/**
 * nnmem_tflite_op_name() - a BuiltinOperator's name
 * @builtin: BuiltinOperator value.
 *
 * Return: the schema's name, or "UNKNOWN" for a value it does not define.
 */
const char *nnmem_tflite_op_name(uint32_t builtin);

/**
 * nnmem_tflite_type_name() - a TensorType's name
 * @type: TensorType value.
 *
 * Return: the schema's name, or "UNKNOWN".
 */
const char *nnmem_tflite_type_name(uint32_t type);

#ifdef __cplusplus
}
#endif

#endif /* NNMEM_TFLITE_H */
