/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nnmem_tree: an intrusive AVL tree with parent pointers and an optional
 * augmentation hook. Worst-case O(log n) insert, erase and lookup.
 */
#ifndef __NNMEM_TREE_H__
#define __NNMEM_TREE_H__

#include "nnmem_port.h"

/**
 * struct nnmem_tree_node - a node, embedded in the caller's object
 * @parent: parent node, NULL at the root
 * @left: subtree of smaller keys
 * @right: subtree of larger (or equal) keys
 * @height: height of the subtree rooted here, 1 for a leaf
 */
struct nnmem_tree_node {
	struct nnmem_tree_node *parent;
	struct nnmem_tree_node *left;
	struct nnmem_tree_node *right;
	int height;
};

/**
 * struct nnmem_tree - the tree
 * @root: root node, NULL when empty
 * @augment: if not NULL, recomputes a node's per-subtree summary from the
 *	node itself and its children (whose summaries are already correct).
 *	The tree calls it whenever a node's subtree changes.
 */
struct nnmem_tree {
	struct nnmem_tree_node *root;
	void (*augment)(struct nnmem_tree_node *node);
};

#define nnmem_tree_entry(ptr, type, member) container_of(ptr, type, member)

void nnmem_tree_init(struct nnmem_tree *tree,
		     void (*augment)(struct nnmem_tree_node *node));
void nnmem_tree_insert(struct nnmem_tree *tree, struct nnmem_tree_node *node,
		       bool (*less)(const struct nnmem_tree_node *a,
				    const struct nnmem_tree_node *b));
void nnmem_tree_link(struct nnmem_tree *tree, struct nnmem_tree_node *node,
		     struct nnmem_tree_node *parent,
		     struct nnmem_tree_node **link);
void nnmem_tree_erase(struct nnmem_tree *tree, struct nnmem_tree_node *node);
void nnmem_tree_propagate(struct nnmem_tree *tree,
			  struct nnmem_tree_node *node);
struct nnmem_tree_node *nnmem_tree_first(const struct nnmem_tree *tree);
struct nnmem_tree_node *nnmem_tree_last(const struct nnmem_tree *tree);
struct nnmem_tree_node *nnmem_tree_next(const struct nnmem_tree_node *node);
struct nnmem_tree_node *nnmem_tree_prev(const struct nnmem_tree_node *node);
int nnmem_tree_check(const struct nnmem_tree *tree, u64 *count);

/**
 * nnmem_tree_empty() - is the tree empty?
 * @tree: the tree
 *
 * Return: true if @tree holds no node.
 */
static inline bool nnmem_tree_empty(const struct nnmem_tree *tree)
{
	return !tree->root;
}

#endif /* __NNMEM_TREE_H__ */
