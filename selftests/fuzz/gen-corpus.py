#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpora of the nnmem libFuzzer harnesses, deterministically.

  gen-corpus.py DIR     writes DIR/arena_fuzz/*, DIR/graphval_fuzz/* and
                        DIR/tflite_fuzz/* (MLPerf Tiny's resnet8.tflite,
                        from $NNMEM_MODELS or shared/models next to the
                        repository)

The byte layouts are the harnesses' own decoders (arena_fuzz.c,
graphval_fuzz.c); each seed is a case that gets far: arenas that fill up
from both ends and free in the middle, a failing node allocation, and
graphs that the validator accepts (a conv2d with bias, an add, a conv2d
feeding an add) so that mutations start from inside the plan checks.
"""
import os
import struct
import sys


def arena_seeds():
    def size3(n):
        return bytes([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff])

    def alloc(kind, size, align_log2):
        # op 0x80|kind: 3-byte size
        return bytes([0x80 | kind]) + size3(size) + bytes([align_log2])

    def free(i):
        return bytes([2, i])

    def fail(n):
        return bytes([3 | (n - 1) << 2])

    seeds = {}
    s = size3(4096 - 1)
    s += alloc(0, 100, 6) + alloc(1, 200, 2) + alloc(0, 1024, 10)
    s += alloc(1, 300, 8) + free(0) + alloc(0, 50, 0) + free(1)
    seeds['two-ends'] = s
    s = size3(65536 - 1)
    for i in range(12):
        s += alloc(i & 1, 4096, 12)
    s += alloc(0, 4096, 12)           # -ENOSPC: the ends meet
    for i in (3, 0, 5):
        s += free(i)
    s += alloc(1, 8192, 13) + alloc(0, 1, 0)
    seeds['full'] = s
    s = size3(1 << 20) + alloc(0, 64, 6) + fail(1) + alloc(0, 64, 6)
    s += fail(2) + alloc(1, 128, 7) + alloc(1, 128, 7) + free(0)
    seeds['enomem'] = s
    # small sizes (1 byte << shift), odd alignments, not a power of two
    s = size3(255) + bytes([0x00, 7, 0, 0x05, 9, 3, 0x40, 5, 1, 0x02, 0])
    seeds['small'] = s
    return seeds


def graph_seeds():
    seeds = {}

    def region(present, activation, s, gap):
        # b: present (bit 7 clear), kind (bit 6), shift 3, +3 (bit 5 clear)
        b = (0 if present else 0x80) | (0x40 if activation else 0) | 3
        return bytes([b, s, gap])       # size 1 + (s << 3) + 3

    def tensor(ri, int32, dims, offset, zp=0):
        b = (1 if int32 else 0) | ((len(dims) - 1) << 1)
        out = bytes([ri, b, offset]) + bytes(dims)
        if not int32:
            out += struct.pack('b', zp)
        return out

    def conv(idx, stride=1, pad=1, groups=1):
        i, f, b, o, m, s = idx
        return (bytes([0, i, f, b, o, m, s, stride, stride, 1, 1,
                       pad, pad, pad, pad, groups]) +
                struct.pack('bbB', -128, 127, 1))

    def add(i1, i2, o):
        return (bytes([1, i1, i2, o, 20]) +
                struct.pack('<i', 1 << 30) + bytes([31]) +
                struct.pack('<i', 1 << 30) + bytes([31]) +
                struct.pack('<i', 1 << 30) + bytes([30]) +
                struct.pack('bbB', -128, 127, 1))

    fill = bytes((i * 37 + 11) & 0xff for i in range(600))
    # conv2d 1x4x4x2 -> 3x3 filter, 2 out channels, pad 1, with bias.
    # Shifts come from the fill: some runs give -ERANGE, some not.
    s = bytes([5, 0x12])                        # 6 tensors; 1 node, 2 regions
    s += region(True, False, 32, 0) + region(True, True, 32, 0)
    s += tensor(1, False, [1, 4, 4, 2], 0)      # 0 input
    s += tensor(0, False, [2, 3, 3, 2], 0)      # 1 filter
    s += tensor(0, True, [2], 36)               # 2 bias
    s += tensor(0, True, [2], 44)               # 3 multiplier
    s += tensor(0, True, [2], 52)               # 4 shift
    s += tensor(1, False, [1, 4, 4, 2], 40)     # 5 output
    s += conv((0, 1, 2, 5, 3, 4))
    seeds['conv2d'] = s + fill
    # zero-filled arena: shifts 0, the run succeeds
    seeds['conv2d-zero'] = s + bytes(600)
    # add with a per-channel second operand
    s = bytes([2, 0x00]) + region(True, True, 16, 4)
    s += tensor(0, False, [1, 2, 2, 4], 0)
    s += tensor(0, False, [4], 20)
    s += tensor(0, False, [1, 2, 2, 4], 32)
    s += add(0, 1, 2)
    seeds['add'] = s + fill
    # residual: conv2d then add(conv output, input): 2 nodes
    s = bytes([6, 0x25])                        # 7 tensors; 2 nodes; 3 regions
    s += region(True, False, 32, 0) + region(True, True, 32, 0)
    s += region(True, True, 8, 7)
    s += tensor(1, False, [1, 4, 4, 2], 0)
    s += tensor(0, False, [2, 3, 3, 2], 0)
    s += tensor(0, True, [2], 36)
    s += tensor(0, True, [2], 44)
    s += tensor(0, True, [2], 52)
    s += tensor(1, False, [1, 4, 4, 2], 32)     # 5 conv output
    s += tensor(2, False, [1, 4, 4, 2], 0)      # 6 sum
    s += conv((0, 1, 2, 5, 3, 4)) + add(5, 0, 6)
    seeds['residual'] = s + bytes(600)

    # a model head: avg pool, max pool, fully connected, softmax (node
    # bytes 8, 10, 12, 14 pick the version 2 ops)
    def pool(op, i, o, k, stride, pad):
        return (bytes([op, i, o, k, k, stride, stride, pad, pad, pad, pad]) +
                struct.pack('bbB', -128, 127, 1))

    s = bytes([8, 0x34])                        # 9 tensors; 5 nodes; 4 regions
    s += region(True, False, 32, 0) + region(True, True, 32, 0)
    s += region(True, True, 8, 0) + region(True, True, 8, 0)
    s += tensor(1, False, [1, 4, 4, 2], 0, -3)  # 0 input
    s += tensor(1, False, [1, 2, 2, 2], 32, -3)  # 1 avg pool output
    s += tensor(1, False, [1, 2, 2, 2], 40, -3)  # 2 max pool output
    s += tensor(0, False, [3, 8], 0)            # 3 filter
    s += tensor(0, True, [3], 24)               # 4 bias
    s += tensor(0, True, [1], 36)               # 5 multiplier
    s += tensor(0, True, [1], 40)               # 6 shift
    s += tensor(2, False, [1, 3], 0, 7)         # 7 fc output
    s += tensor(3, False, [1, 3], 0, -128)      # 8 softmax output
    s += pool(10, 0, 1, 2, 2, 0)                # avg 2x2 stride 2
    s += pool(12, 0, 2, 3, 2, 1)                # max 3x3 stride 2 pad 1
    s += (bytes([8, 1, 3, 4, 7, 5, 6]) +
          struct.pack('bbB', -128, 127, 1))     # fully connected
    s += (bytes([14, 7, 8]) + struct.pack('<i', 1 << 30) +
          bytes([23, 0]))                       # softmax, TFLite diff_min
    s += pool(10, 1, 2, 1, 1, 0)                # a second writer: rejected
    seeds['head'] = s + bytes(600)
    head = bytearray(s)
    head[1] = 0x33                              # 4 nodes: accepted
    seeds['head-accepted'] = bytes(head[:len(s) - 14]) + fill
    return seeds


def tflite_seeds():
    """The real model: every table and option the importer reads."""
    models = os.environ.get('NNMEM_MODELS') or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', '..',
        'shared', 'models')
    with open(os.path.join(models, 'resnet8', 'resnet8.tflite'), 'rb') as f:
        return {'resnet8.tflite': f.read()}


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for name, seeds in (('arena_fuzz', arena_seeds()),
                        ('graphval_fuzz', graph_seeds()),
                        ('tflite_fuzz', tflite_seeds())):
        d = os.path.join(argv[1], name)
        os.makedirs(d, exist_ok=True)
        for seed, data in sorted(seeds.items()):
            with open(os.path.join(d, seed), 'wb') as f:
                f.write(data)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
