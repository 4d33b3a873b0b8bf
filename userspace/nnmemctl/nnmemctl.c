// SPDX-License-Identifier: GPL-2.0
/*
 * nnmemctl: inspect an nnmem device and demonstrate its two-ended arena.
 *
 *   nnmemctl [-d N] info    device information and arena usage
 *   nnmemctl [-d N] demo    lay out a residual block and draw the arena
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nnmem/libnnmem.h>

#define BOX_WIDTH	56

static void usage_print(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [-d N] info|demo\n"
		"  -d N   use /dev/nnmemN (default 0)\n"
		"  info   print device information and arena usage\n"
		"  demo   allocate a Conv0 -> Conv1 -> Add(Conv1, skip) block,\n"
		"         draw the arena, free it and check usage is back\n",
		prog);
}

static void usage_show(const struct nnmem_usage *u)
{
	printf("usage:\n");
	printf("  arena_size        %10" PRIu64 "\n", (uint64_t)u->arena_size);
	printf("  weight_bytes      %10" PRIu64 "  (%u regions, hwm %" PRIu64 ")\n",
	       (uint64_t)u->weight_bytes, u->weight_regions,
	       (uint64_t)u->weight_hwm);
	printf("  activation_bytes  %10" PRIu64 "  (%u regions, hwm %" PRIu64 ")\n",
	       (uint64_t)u->activation_bytes, u->activation_regions,
	       (uint64_t)u->activation_hwm);
	printf("  free_bytes        %10" PRIu64 "  (%u extents, largest %" PRIu64 ")\n",
	       (uint64_t)u->free_bytes, u->free_extents,
	       (uint64_t)u->largest_free);
	printf("  weight_top        0x%08" PRIx64 "\n", (uint64_t)u->weight_top);
	printf("  activation_bottom 0x%08" PRIx64 "\n",
	       (uint64_t)u->activation_bottom);
	printf("  deferred          %10" PRIu64 "  (%u regions)\n",
	       (uint64_t)u->deferred_bytes, u->deferred_regions);
	printf("  this session      %10" PRIu64 "  (%u regions)\n",
	       (uint64_t)u->session_bytes, u->session_regions);
}

static int cmd_info(struct nnmem_dev *dev)
{
	struct nnmem_info info;
	struct nnmem_usage u;
	int err;

	err = nnmem_info(dev, &info);
	if (err) {
		fprintf(stderr, "nnmemctl: info: %s\n", nnmem_strerror(err));
		return 1;
	}
	printf("nnmem%u:\n", info.dev_index);
	printf("  uapi_version      %u\n", info.uapi_version);
	printf("  caps              0x%" PRIx64 "%s%s%s\n", (uint64_t)info.caps,
	       info.caps & NNMEM_CAP_MMAP ? " mmap" : "",
	       info.caps & NNMEM_CAP_RW ? " rw" : "",
	       info.caps & NNMEM_CAP_LABELS ? " labels" : "");
	printf("  arena_size        %" PRIu64 " (%" PRIu64 " KiB)\n",
	       (uint64_t)info.arena_size, (uint64_t)info.arena_size >> 10);
	printf("  default_align     %u\n", info.default_align);
	printf("  max_align         %u\n", info.max_align);
	printf("  max_regions       %u\n", info.max_regions);
	printf("  page_size         %u\n", info.page_size);

	err = nnmem_usage(dev, &u);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		return 1;
	}
	usage_show(&u);
	return 0;
}

/* One tensor of the demo block. */
struct demo_tensor {
	const char *label;
	uint32_t kind;
	uint64_t size;
	uint32_t handle;
	struct nnmem_region_info ri;
};

/*
 * Conv0 -> Conv1 -> Add(Conv1, skip) over an int8 1x32x32x16 input;
 * both convolutions are 3x3, 16 -> 16 channels, same padding, int32 bias.
 */
#define DEMO_C		16
#define DEMO_HW		32
#define DEMO_K		3
#define DEMO_FILTER	(DEMO_C * DEMO_K * DEMO_K * DEMO_C)
#define DEMO_BIAS	(DEMO_C * 4)
#define DEMO_ACT	(1 * DEMO_HW * DEMO_HW * DEMO_C)

static struct demo_tensor demo_tensors[] = {
	{ .label = "conv0.filter", .kind = NNMEM_KIND_WEIGHT, .size = DEMO_FILTER },
	{ .label = "conv0.bias", .kind = NNMEM_KIND_WEIGHT, .size = DEMO_BIAS },
	{ .label = "conv1.filter", .kind = NNMEM_KIND_WEIGHT, .size = DEMO_FILTER },
	{ .label = "conv1.bias", .kind = NNMEM_KIND_WEIGHT, .size = DEMO_BIAS },
	{ .label = "input", .kind = NNMEM_KIND_ACTIVATION, .size = DEMO_ACT },
	{ .label = "conv0.out", .kind = NNMEM_KIND_ACTIVATION, .size = DEMO_ACT },
	{ .label = "conv1.out", .kind = NNMEM_KIND_ACTIVATION, .size = DEMO_ACT },
	{ .label = "add.out", .kind = NNMEM_KIND_ACTIVATION, .size = DEMO_ACT },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define DEMO_COUNT	ARRAY_SIZE(demo_tensors)

static void box_rule(uint64_t offset, int with_offset)
{
	char line[BOX_WIDTH + 1];

	memset(line, '-', BOX_WIDTH);
	line[0] = '+';
	line[BOX_WIDTH - 1] = '+';
	line[BOX_WIDTH] = '\0';
	if (with_offset)
		printf("%14s%s 0x%08" PRIx64 "\n", "", line, offset);
	else
		printf("%14s%s\n", "", line);
}

static void box_row(uint64_t offset, const char *text)
{
	printf("  0x%08" PRIx64 "  | %-*.*s |\n", offset, BOX_WIDTH - 4,
	       BOX_WIDTH - 4, text);
}

static void box_gap(uint64_t start, uint64_t size, int middle)
{
	char text[128];

	if (middle) {
		printf("%14s| %-*s |\n", "", BOX_WIDTH - 4, "");
		snprintf(text, sizeof(text),
			 "   free: %" PRIu64 " bytes (%" PRIu64 " KiB)  ^ v",
			 size, size >> 10);
		box_row(start, text);
		printf("%14s| %-*s |\n", "", BOX_WIDTH - 4, "");
	} else {
		snprintf(text, sizeof(text), "   (padding %" PRIu64 " bytes)",
			 size);
		box_row(start, text);
	}
}

static int demo_cmp(const void *a, const void *b)
{
	const struct demo_tensor *x = *(const struct demo_tensor * const *)a;
	const struct demo_tensor *y = *(const struct demo_tensor * const *)b;

	if (x->ri.offset != y->ri.offset)
		return x->ri.offset < y->ri.offset ? 1 : -1;
	return 0;
}

/* Draw the arena top (highest offset) to bottom. */
static void demo_draw(uint64_t arena_size)
{
	struct demo_tensor *sorted[DEMO_COUNT];
	uint64_t above = arena_size, weight_top = 0;
	char text[128];
	size_t i;

	for (i = 0; i < DEMO_COUNT; i++) {
		sorted[i] = &demo_tensors[i];
		if (demo_tensors[i].kind == NNMEM_KIND_WEIGHT &&
		    demo_tensors[i].ri.offset + demo_tensors[i].ri.span >
		    weight_top)
			weight_top = demo_tensors[i].ri.offset +
				     demo_tensors[i].ri.span;
	}
	qsort(sorted, DEMO_COUNT, sizeof(sorted[0]), demo_cmp);

	printf("\narena, highest offset first:\n\n");
	printf("  %-10s    %-14s %-10s %8s\n", "start", "label", "kind", "size");
	box_rule(arena_size, 1);
	for (i = 0; i < DEMO_COUNT; i++) {
		const struct demo_tensor *t = sorted[i];
		uint64_t end = t->ri.offset + t->ri.span;

		if (end < above) {
			box_gap(end, above - end, end == weight_top);
			box_rule(0, 0);
		}
		snprintf(text, sizeof(text), "%-14s %-10s %8" PRIu64 " bytes",
			 (const char *)t->ri.label, nnmem_kind_name(t->ri.kind),
			 (uint64_t)t->ri.size);
		box_row(t->ri.offset, text);
		box_rule(t->ri.offset, i + 1 == DEMO_COUNT);
		above = t->ri.offset;
	}
	if (above > 0) {
		box_gap(0, above, 0);
		box_rule(0, 1);
	}
	printf("\n");
}

/* Fill each region with a pattern through WRITE and check it through READ. */
static int demo_fill_check(struct nnmem_dev *dev, struct demo_tensor *t)
{
	unsigned char *buf, *back;
	uint64_t i;
	int err;

	buf = malloc(t->size);
	back = malloc(t->size);
	if (!buf || !back) {
		err = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < t->size; i++)
		buf[i] = (unsigned char)(i * 7 + t->handle);
	err = nnmem_write(dev, t->handle, 0, buf, t->size);
	if (err)
		goto out_free;
	memset(back, 0, t->size);
	err = nnmem_read(dev, t->handle, 0, back, t->size);
	if (err)
		goto out_free;
	if (memcmp(buf, back, t->size)) {
		fprintf(stderr, "nnmemctl: %s: read back differs\n", t->label);
		err = -EIO;
	}
out_free:
	free(back);
	free(buf);
	return err;
}

static int demo_usage_same(const struct nnmem_usage *a,
			   const struct nnmem_usage *b)
{
	return a->weight_bytes == b->weight_bytes &&
	       a->activation_bytes == b->activation_bytes &&
	       a->free_bytes == b->free_bytes &&
	       a->weight_regions == b->weight_regions &&
	       a->activation_regions == b->activation_regions &&
	       a->free_extents == b->free_extents &&
	       a->session_regions == 0 && a->session_bytes == 0;
}

static int cmd_demo(struct nnmem_dev *dev)
{
	struct nnmem_usage before, after;
	struct nnmem_info info;
	size_t i, allocated = 0;
	int err, ret = 1;

	err = nnmem_info(dev, &info);
	if (!err)
		err = nnmem_usage(dev, &before);
	if (err) {
		fprintf(stderr, "nnmemctl: %s\n", nnmem_strerror(err));
		return 1;
	}

	printf("nnmem%u: residual block Conv0 -> Conv1 -> Add(Conv1, skip)\n",
	       info.dev_index);
	printf("  input %dx%dx%dx%d int8, 3x3 conv %d->%d, int32 bias\n\n",
	       1, DEMO_HW, DEMO_HW, DEMO_C, DEMO_C, DEMO_C);
	for (i = 0; i < DEMO_COUNT; i++) {
		struct demo_tensor *t = &demo_tensors[i];

		err = nnmem_alloc(dev, t->size, 0, t->kind, 0, t->label,
				  &t->handle, NULL);
		if (err) {
			fprintf(stderr, "nnmemctl: alloc %s (%" PRIu64 " bytes): %s\n",
				t->label, t->size, nnmem_strerror(err));
			goto out_free;
		}
		allocated++;
		err = nnmem_region_info(dev, t->handle, &t->ri);
		if (err) {
			fprintf(stderr, "nnmemctl: region_info %s: %s\n",
				t->label, nnmem_strerror(err));
			goto out_free;
		}
		printf("  alloc %-12s %-10s %6" PRIu64 " bytes -> handle %u offset 0x%08" PRIx64 "\n",
		       t->label, nnmem_kind_name(t->kind), t->size, t->handle,
		       (uint64_t)t->ri.offset);
		err = demo_fill_check(dev, t);
		if (err) {
			fprintf(stderr, "nnmemctl: write/read %s: %s\n",
				t->label, nnmem_strerror(err));
			goto out_free;
		}
	}

	demo_draw(info.arena_size);
	err = nnmem_usage(dev, &after);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		goto out_free;
	}
	usage_show(&after);
	ret = 0;

out_free:
	while (allocated > 0) {
		struct demo_tensor *t = &demo_tensors[--allocated];

		err = nnmem_free(dev, t->handle);
		if (err) {
			fprintf(stderr, "nnmemctl: free %s: %s\n", t->label,
				nnmem_strerror(err));
			ret = 1;
		}
	}
	err = nnmem_usage(dev, &after);
	if (err) {
		fprintf(stderr, "nnmemctl: usage: %s\n", nnmem_strerror(err));
		return 1;
	}
	if (!demo_usage_same(&after, &before)) {
		fprintf(stderr, "nnmemctl: usage did not return to its state before the demo\n");
		usage_show(&after);
		return 1;
	}
	if (!ret)
		printf("\nfreed everything: %" PRIu64 " of %" PRIu64 " bytes free in %u extent%s\n",
		       (uint64_t)after.free_bytes, (uint64_t)after.arena_size,
		       after.free_extents, after.free_extents == 1 ? "" : "s");
	return ret;
}

int main(int argc, char **argv)
{
	struct nnmem_dev *dev;
	int index = 0, opt, err, ret;
	char *end;

	while ((opt = getopt(argc, argv, "d:h")) != -1) {
		switch (opt) {
		case 'd':
			errno = 0;
			index = (int)strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || index < 0) {
				fprintf(stderr, "nnmemctl: bad device index '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage_print(stdout, argv[0]);
			return 0;
		default:
			usage_print(stderr, argv[0]);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		usage_print(stderr, argv[0]);
		return 2;
	}
	if (strcmp(argv[optind], "info") && strcmp(argv[optind], "demo")) {
		fprintf(stderr, "nnmemctl: unknown command '%s'\n", argv[optind]);
		usage_print(stderr, argv[0]);
		return 2;
	}

	err = nnmem_open(index, &dev);
	if (err) {
		fprintf(stderr, "nnmemctl: /dev/nnmem%d: %s\n", index,
			strerror(-err));
		return 1;
	}
	if (!strcmp(argv[optind], "info"))
		ret = cmd_info(dev);
	else
		ret = cmd_demo(dev);
	nnmem_close(dev);
	return ret;
}
