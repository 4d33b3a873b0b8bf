// SPDX-License-Identifier: GPL-2.0
/*
 * libnnmem over the real driver: negative errnos, labels, map/unmap and
 * nnmem_strerror(). Expects nnmem loaded with the default 4 MiB arena and
 * nothing allocated when each test starts.
 */
#include <stdlib.h>

#include <nnmem/libnnmem.h>

#include "kselftest_harness.h"
#include "nnmem_test.h"

FIXTURE(lib) {
	struct nnmem_dev *dev;
	struct nnmem_info info;
};

FIXTURE_SETUP(lib)
{
	struct nnmem_usage u;

	ASSERT_EQ(0, nnmem_open(0, &self->dev));
	ASSERT_EQ(0, nnmem_info(self->dev, &self->info));
	ASSERT_EQ(0, nnmem_usage(self->dev, &u));
	ASSERT_TRUE(nt_usage_empty(&u));
}

FIXTURE_TEARDOWN(lib)
{
	nnmem_close(self->dev);
}

TEST_F(lib, open_by_index_and_path_and_bad_ones)
{
	struct nnmem_dev *dev;
	struct nnmem_info info;

	ASSERT_EQ(0, self->info.dev_index);
	ASSERT_EQ(0, nnmem_open_path("/dev/nnmem1", &dev));
	ASSERT_EQ(0, nnmem_info(dev, &info));
	ASSERT_EQ(1, info.dev_index);
	ASSERT_LE(0, nnmem_fd(dev));
	nnmem_close(dev);
	ASSERT_EQ(-ENOENT, nnmem_open(99, &dev));
	ASSERT_EQ(-EINVAL, nnmem_open(-1, &dev));
	/* Not an nnmem device: its ioctls are unknown there. */
	ASSERT_EQ(0, nnmem_open_path("/dev/null", &dev));
	ASSERT_EQ(-ENOTTY, nnmem_info(dev, &info));
	nnmem_close(dev);
}

TEST_F(lib, alloc_label_rw_free_roundtrip)
{
	struct nnmem_region_info ri;
	char in[300], out[300];
	uint64_t off;
	uint32_t h;

	ASSERT_EQ(0, nnmem_alloc(self->dev, sizeof(in), 0,
				 NNMEM_KIND_ACTIVATION, 0, "conv0.out", &h,
				 &off));
	ASSERT_EQ(1, h);
	ASSERT_EQ(nt_align_down(self->info.arena_size - sizeof(in), 64), off);
	ASSERT_EQ(0, nnmem_region_info(self->dev, h, &ri));
	ASSERT_STREQ("conv0.out", (char *)ri.label);
	ASSERT_EQ(off, ri.offset);
	ASSERT_STREQ("activation", nnmem_kind_name(ri.kind));
	nt_pattern(in, sizeof(in), 4);
	ASSERT_EQ(0, nnmem_write(self->dev, h, 0, in, sizeof(in)));
	ASSERT_EQ(0, nnmem_read(self->dev, h, 0, out, sizeof(out)));
	ASSERT_EQ(0, memcmp(in, out, sizeof(in)));
	ASSERT_EQ(-EINVAL, nnmem_read(self->dev, h, 1, out, sizeof(out)));
	ASSERT_EQ(0, nnmem_free(self->dev, h));
	ASSERT_EQ(-ENOENT, nnmem_free(self->dev, h));
}

TEST_F(lib, label_too_long_is_refused_before_the_driver)
{
	char label[NNMEM_LABEL_LEN + 1];
	struct nnmem_usage u;

	memset(label, 'x', sizeof(label) - 1);
	label[sizeof(label) - 1] = '\0';
	ASSERT_EQ(-ENAMETOOLONG, nnmem_alloc(self->dev, 64, 0,
					     NNMEM_KIND_WEIGHT, 0, label,
					     NULL, NULL));
	label[NNMEM_LABEL_LEN - 1] = '\0';	/* 31 characters fit */
	ASSERT_EQ(0, nnmem_alloc(self->dev, 64, 0, NNMEM_KIND_WEIGHT, 0,
				 label, NULL, NULL));
	ASSERT_EQ(-EINVAL, nnmem_alloc(self->dev, 64, 0, NNMEM_KIND_WEIGHT, 0,
				       "tab\there", NULL, NULL));
	ASSERT_EQ(0, nnmem_usage(self->dev, &u));
	ASSERT_EQ(1, u.session_regions);
}

TEST_F(lib, map_shows_written_data_and_refuses_plain_regions)
{
	uint32_t hm, hp;
	unsigned char *p;
	size_t len;
	char in[64];
	void *addr;

	ASSERT_EQ(0, nnmem_alloc(self->dev, 100, 0, NNMEM_KIND_WEIGHT,
				 NNMEM_ALLOC_MAPPABLE, "m", &hm, NULL));
	ASSERT_EQ(0, nnmem_alloc(self->dev, 100, 0, NNMEM_KIND_WEIGHT, 0,
				 "p", &hp, NULL));
	nt_pattern(in, sizeof(in), 8);
	ASSERT_EQ(0, nnmem_write(self->dev, hm, 10, in, sizeof(in)));
	ASSERT_EQ(0, nnmem_map(self->dev, hm, &addr, &len));
	p = addr;
	ASSERT_EQ((size_t)self->info.page_size, len);
	ASSERT_EQ(0, memcmp(p + 10, in, sizeof(in)));
	ASSERT_EQ(-EACCES, nnmem_map(self->dev, hp, &addr, &len));
	ASSERT_EQ(-ENOENT, nnmem_map(self->dev, 77, &addr, &len));
	ASSERT_EQ(0, nnmem_free(self->dev, hm));
	p[0] = 1;	/* still mapped after free */
	ASSERT_EQ(0, nnmem_unmap(p, len));
}

TEST_F(lib, export_returns_a_dmabuf_fd_or_a_negative_errno)
{
	unsigned char in[64], *p;
	uint32_t hm, hp;
	int dfd;

	ASSERT_EQ(0, nnmem_alloc(self->dev, 100, 0, NNMEM_KIND_WEIGHT,
				 NNMEM_ALLOC_MAPPABLE, "m", &hm, NULL));
	ASSERT_EQ(0, nnmem_alloc(self->dev, 100, 0, NNMEM_KIND_WEIGHT, 0,
				 "p", &hp, NULL));
	nt_pattern(in, sizeof(in), 9);
	ASSERT_EQ(0, nnmem_write(self->dev, hm, 0, in, sizeof(in)));
	dfd = nnmem_export(self->dev, hm, NNMEM_EXPORT_CLOEXEC);
	ASSERT_LE(0, dfd);
	ASSERT_EQ(FD_CLOEXEC, fcntl(dfd, F_GETFD) & FD_CLOEXEC);
	p = mmap(NULL, self->info.page_size, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, memcmp(p, in, sizeof(in)));
	ASSERT_EQ(0, munmap(p, self->info.page_size));
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(-EACCES, nnmem_export(self->dev, hp, 0));
	ASSERT_EQ(-ENOENT, nnmem_export(self->dev, 77, 0));
	ASSERT_EQ(-EINVAL, nnmem_export(self->dev, hm, 0x4));
	ASSERT_EQ(0, nnmem_free(self->dev, hm));
	ASSERT_EQ(0, nnmem_free(self->dev, hp));
}

TEST_F(lib, errors_are_negative_errnos_with_nnmem_wording)
{
	static const int errs[] = {
		-ENOSPC, -EMFILE, -ENOENT, -EINVAL, -E2BIG, -ENOTTY,
		-EFAULT, -EACCES, -ENOMEM,
	};
	size_t i, j;

	ASSERT_EQ(0, nnmem_alloc(self->dev, self->info.arena_size, 0,
				 NNMEM_KIND_WEIGHT, 0, NULL, NULL, NULL));
	ASSERT_EQ(-ENOSPC, nnmem_alloc(self->dev, 1, 0, NNMEM_KIND_ACTIVATION,
				       0, NULL, NULL, NULL));
	ASSERT_EQ(-EINVAL, nnmem_alloc(self->dev, 0, 0, NNMEM_KIND_WEIGHT, 0,
				       NULL, NULL, NULL));
	ASSERT_STREQ("arena full: weights and activations would cross",
		     nnmem_strerror(-ENOSPC));
	ASSERT_STREQ("success", nnmem_strerror(0));
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		ASSERT_NE(NULL, nnmem_strerror(errs[i]));
		for (j = 0; j < i; j++)
			ASSERT_STRNE(nnmem_strerror(errs[i]),
				     nnmem_strerror(errs[j]));
	}
	/* Anything else falls back to the C library's wording. */
	ASSERT_STREQ(strerror(EXDEV), nnmem_strerror(-EXDEV));
}

/* The shape helpers need no device. */

TEST(tflite_same_and_valid_padding_formulas)
{
	uint32_t out, a, b;

	/* SAME: out = ceil(in / stride), total split top = total / 2 */
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_SAME, 224, 3, 2, 1, &out,
				       &a, &b));
	ASSERT_EQ(112, out);
	ASSERT_EQ(0, a);	/* total = 111 * 2 + 3 - 224 = 1 */
	ASSERT_EQ(1, b);
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_SAME, 5, 3, 1, 2, &out,
				       &a, &b));
	ASSERT_EQ(5, out);
	ASSERT_EQ(2, a);	/* dilated kernel 5: total 4 */
	ASSERT_EQ(2, b);
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_SAME, 1, 7, 1, 1, &out,
				       &a, &b));
	ASSERT_EQ(1, out);
	ASSERT_EQ(3, a);
	ASSERT_EQ(3, b);
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_SAME, 7, 1, 2, 1, &out,
				       &a, &b));
	ASSERT_EQ(4, out);
	ASSERT_EQ(0, a);	/* max(3 * 2 + 1 - 7, 0) */
	ASSERT_EQ(0, b);
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_SAME, 8, 4, 3, 1, &out,
				       &a, &b));
	ASSERT_EQ(3, out);
	ASSERT_EQ(1, a);	/* total 2 * 3 + 4 - 8 = 2 */
	ASSERT_EQ(1, b);
	/* VALID: out = ceil((in - dilated k + 1) / stride), no padding */
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_VALID, 10, 3, 3, 1, &out,
				       &a, &b));
	ASSERT_EQ(3, out);
	ASSERT_EQ(0, a);
	ASSERT_EQ(0, b);
	ASSERT_EQ(0, nnmem_padding_get(NNMEM_PADDING_VALID, 9, 3, 1, 3, &out,
				       &a, &b));
	ASSERT_EQ(3, out);
	ASSERT_EQ(-EINVAL, nnmem_padding_get(NNMEM_PADDING_VALID, 4, 3, 1, 2,
					     &out, &a, &b));
	ASSERT_EQ(-EINVAL, nnmem_padding_get(NNMEM_PADDING_SAME, 4, 3, 0, 1,
					     &out, &a, &b));
	ASSERT_EQ(-EINVAL, nnmem_padding_get(NNMEM_PADDING_SAME, 4, 3, 1, 0,
					     &out, &a, &b));
}

TEST(conv2d_output_shape_macs_and_tensor_bytes)
{
	uint32_t in[4] = { 2, 9, 7, 6 }, f[4] = { 4, 3, 2, 3 }, out[4];
	struct nnmem_conv2d c = {
		.stride_h = 2, .stride_w = 1, .dilation_h = 1, .dilation_w = 2,
		.groups = 2,
	};
	struct nnmem_tensor t = { .type = NNMEM_TYPE_INT32, .ndims = 2,
				  .dims = { 3, 5 } };

	ASSERT_EQ(0, nnmem_conv2d_padding_set(&c, NNMEM_PADDING_SAME, in, f,
					      out));
	ASSERT_EQ(2, out[0]);
	ASSERT_EQ(5, out[1]);
	ASSERT_EQ(7, out[2]);
	ASSERT_EQ(4, out[3]);
	ASSERT_EQ(1, c.pad_top);	/* total 4 * 2 + 3 - 9 = 2 */
	ASSERT_EQ(1, c.pad_bottom);
	ASSERT_EQ(1, c.pad_left);	/* kernel 3 wide dilated: total 2 */
	ASSERT_EQ(1, c.pad_right);
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, nnmem_conv2d_out_dims(&c, in, f, out));
	ASSERT_EQ(5, out[1]);
	ASSERT_EQ(7, out[2]);
	/* N * OH * OW * O * KH * KW * (C / groups) */
	ASSERT_EQ(2ULL * 5 * 7 * 4 * 3 * 2 * 3, nnmem_conv2d_macs(&c, in, f));
	ASSERT_EQ(4, nnmem_conv2d_out_dim(9, 3, 2, 1, 0, 0));
	ASSERT_EQ(0, nnmem_conv2d_out_dim(2, 3, 1, 1, 0, 0));
	ASSERT_EQ(0, nnmem_conv2d_out_dim(9, 3, 0, 1, 0, 0));
	ASSERT_EQ(60, nnmem_tensor_bytes(&t));
	t.type = 9;
	ASSERT_EQ(0, nnmem_tensor_bytes(&t));
	t.type = NNMEM_TYPE_INT8;
	t.dims[1] = 0;
	ASSERT_EQ(0, nnmem_tensor_bytes(&t));
}

TEST(graph_strerror_has_a_message_per_reason)
{
	uint32_t r;

	ASSERT_STREQ("no error", nnmem_graph_strerror(NNMEM_GERR_NONE));
	for (r = 1; r < NNMEM_GERR_MAX; r++) {
		ASSERT_STRNE("unknown graph error", nnmem_graph_strerror(r)) {
			TH_LOG("reason %u", r);
		}
	}
	ASSERT_STREQ("unknown graph error",
		     nnmem_graph_strerror(NNMEM_GERR_MAX));
	ASSERT_STREQ("job did not finish before the deadline",
		     nnmem_strerror(-ETIME));
}

TEST_HARNESS_MAIN
