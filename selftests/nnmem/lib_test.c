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

TEST_HARNESS_MAIN
