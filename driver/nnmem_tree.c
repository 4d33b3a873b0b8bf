// SPDX-License-Identifier: GPL-2.0
/*
 * nnmem_tree: an intrusive AVL tree with parent pointers.
 *
 * Every node stores the height of its subtree; the two subtrees of any node
 * differ in height by at most one, so the height of a tree of n nodes is
 * below 1.45 * log2(n + 2) and every operation here is worst-case O(log n).
 *
 * Augmentation: a tree may carry a callback that recomputes a per-subtree
 * summary (for example the largest key in the subtree) from a node and its
 * two children. After any change the tree walks from the lowest changed
 * node up to the root, rebalancing and calling the callback on each node on
 * the way, children before parents, so every summary is correct when a
 * public function returns. Rotations recompute the two nodes they move.
 * When the caller changes a node's own data in place without changing its
 * position in the order, it calls nnmem_tree_propagate().
 *
 * Nothing here recurses and nothing allocates; the caller serialises access.
 */

#include "nnmem_tree.h"

static inline int nnmem_tree_height(const struct nnmem_tree_node *node)
{
	return node ? node->height : 0;
}

static void nnmem_tree_node_update(struct nnmem_tree *tree,
				   struct nnmem_tree_node *node)
{
	int hl = nnmem_tree_height(node->left);
	int hr = nnmem_tree_height(node->right);

	node->height = 1 + (hl > hr ? hl : hr);
	if (tree->augment)
		tree->augment(node);
}

/* Make @parent (or the root, if @parent is NULL) point at @new, not @old. */
static void nnmem_tree_replace_child(struct nnmem_tree *tree,
				     struct nnmem_tree_node *parent,
				     struct nnmem_tree_node *old,
				     struct nnmem_tree_node *new)
{
	if (!parent)
		tree->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/* Rotate @x down to the left; its right child takes its place. */
static struct nnmem_tree_node *nnmem_tree_rotate_left(struct nnmem_tree *tree,
						      struct nnmem_tree_node *x)
{
	struct nnmem_tree_node *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	nnmem_tree_replace_child(tree, x->parent, x, y);
	y->left = x;
	x->parent = y;
	nnmem_tree_node_update(tree, x);
	nnmem_tree_node_update(tree, y);
	return y;
}

/* Rotate @x down to the right; its left child takes its place. */
static struct nnmem_tree_node *nnmem_tree_rotate_right(struct nnmem_tree *tree,
						       struct nnmem_tree_node *x)
{
	struct nnmem_tree_node *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	nnmem_tree_replace_child(tree, x->parent, x, y);
	y->right = x;
	x->parent = y;
	nnmem_tree_node_update(tree, x);
	nnmem_tree_node_update(tree, y);
	return y;
}

/*
 * Restore heights, balance and summaries from @node up to the root. The
 * subtrees below @node must already be balanced and summarised.
 */
static void nnmem_tree_fixup(struct nnmem_tree *tree,
			     struct nnmem_tree_node *node)
{
	while (node) {
		int bf = nnmem_tree_height(node->left) -
			 nnmem_tree_height(node->right);

		if (bf > 1) {
			struct nnmem_tree_node *l = node->left;

			if (nnmem_tree_height(l->left) <
			    nnmem_tree_height(l->right))
				nnmem_tree_rotate_left(tree, l);
			node = nnmem_tree_rotate_right(tree, node);
		} else if (bf < -1) {
			struct nnmem_tree_node *r = node->right;

			if (nnmem_tree_height(r->right) <
			    nnmem_tree_height(r->left))
				nnmem_tree_rotate_right(tree, r);
			node = nnmem_tree_rotate_left(tree, node);
		} else {
			nnmem_tree_node_update(tree, node);
		}
		node = node->parent;
	}
}

/**
 * nnmem_tree_init() - initialise an empty tree
 * @tree: the tree
 * @augment: summary callback, or NULL for a plain tree
 */
void nnmem_tree_init(struct nnmem_tree *tree,
		     void (*augment)(struct nnmem_tree_node *node))
{
	tree->root = NULL;
	tree->augment = augment;
}

/**
 * nnmem_tree_link() - insert a node at a position found by the caller
 * @tree: the tree
 * @node: the new node
 * @parent: the node that becomes @node's parent, NULL for an empty tree
 * @link: &@parent->left, &@parent->right, or &@tree->root when empty
 *
 * Like rb_link_node() and rb_insert_color() together: the caller descends
 * from the root comparing keys, then links @node where the descent fell off
 * the tree. Rebalances and updates summaries up to the root.
 */
void nnmem_tree_link(struct nnmem_tree *tree, struct nnmem_tree_node *node,
		     struct nnmem_tree_node *parent,
		     struct nnmem_tree_node **link)
{
	node->parent = parent;
	node->left = NULL;
	node->right = NULL;
	*link = node;
	nnmem_tree_fixup(tree, node);
}

/**
 * nnmem_tree_insert() - insert a node in key order
 * @tree: the tree
 * @node: the new node
 * @less: true if @a's key orders before @b's
 *
 * A node whose key equals existing keys goes after them.
 */
void nnmem_tree_insert(struct nnmem_tree *tree, struct nnmem_tree_node *node,
		       bool (*less)(const struct nnmem_tree_node *a,
				    const struct nnmem_tree_node *b))
{
	struct nnmem_tree_node **link = &tree->root;
	struct nnmem_tree_node *parent = NULL;

	while (*link) {
		parent = *link;
		if (less(node, parent))
			link = &parent->left;
		else
			link = &parent->right;
	}
	nnmem_tree_link(tree, node, parent, link);
}

/**
 * nnmem_tree_erase() - remove a node
 * @tree: the tree
 * @node: a node in @tree
 *
 * Rebalances and updates summaries up to the root. @node's links are left
 * stale; the caller may free or reuse it.
 */
void nnmem_tree_erase(struct nnmem_tree *tree, struct nnmem_tree_node *node)
{
	struct nnmem_tree_node *parent = node->parent;
	struct nnmem_tree_node *fix;

	if (!node->left || !node->right) {
		struct nnmem_tree_node *child = node->left ?: node->right;

		nnmem_tree_replace_child(tree, parent, node, child);
		if (child)
			child->parent = parent;
		fix = parent;
	} else {
		struct nnmem_tree_node *succ = node->right;

		while (succ->left)
			succ = succ->left;
		if (succ->parent == node) {
			fix = succ;
		} else {
			fix = succ->parent;
			fix->left = succ->right;
			if (succ->right)
				succ->right->parent = fix;
			succ->right = node->right;
			node->right->parent = succ;
		}
		succ->left = node->left;
		node->left->parent = succ;
		succ->parent = parent;
		succ->height = node->height;
		nnmem_tree_replace_child(tree, parent, node, succ);
	}
	nnmem_tree_fixup(tree, fix);
}

/**
 * nnmem_tree_propagate() - recompute summaries after an in-place change
 * @tree: the tree
 * @node: the node whose own data changed
 *
 * Calls the augment callback on @node and each of its ancestors. The change
 * must not move @node in the key order.
 */
void nnmem_tree_propagate(struct nnmem_tree *tree,
			  struct nnmem_tree_node *node)
{
	if (!tree->augment)
		return;
	for (; node; node = node->parent)
		tree->augment(node);
}

/**
 * nnmem_tree_first() - the node with the smallest key
 * @tree: the tree
 *
 * Return: the first node in order, or NULL if @tree is empty.
 */
struct nnmem_tree_node *nnmem_tree_first(const struct nnmem_tree *tree)
{
	struct nnmem_tree_node *node = tree->root;

	if (!node)
		return NULL;
	while (node->left)
		node = node->left;
	return node;
}

/**
 * nnmem_tree_last() - the node with the largest key
 * @tree: the tree
 *
 * Return: the last node in order, or NULL if @tree is empty.
 */
struct nnmem_tree_node *nnmem_tree_last(const struct nnmem_tree *tree)
{
	struct nnmem_tree_node *node = tree->root;

	if (!node)
		return NULL;
	while (node->right)
		node = node->right;
	return node;
}

/**
 * nnmem_tree_next() - in-order successor
 * @node: a node in a tree
 *
 * Return: the next node in order, or NULL if @node is the last.
 */
struct nnmem_tree_node *nnmem_tree_next(const struct nnmem_tree_node *node)
{
	struct nnmem_tree_node *parent;

	if (node->right) {
		node = node->right;
		while (node->left)
			node = node->left;
		return (struct nnmem_tree_node *)node;
	}
	while ((parent = node->parent) && node == parent->right)
		node = parent;
	return parent;
}

/**
 * nnmem_tree_prev() - in-order predecessor
 * @node: a node in a tree
 *
 * Return: the previous node in order, or NULL if @node is the first.
 */
struct nnmem_tree_node *nnmem_tree_prev(const struct nnmem_tree_node *node)
{
	struct nnmem_tree_node *parent;

	if (node->left) {
		node = node->left;
		while (node->right)
			node = node->right;
		return (struct nnmem_tree_node *)node;
	}
	while ((parent = node->parent) && node == parent->left)
		node = parent;
	return parent;
}

/**
 * nnmem_tree_check() - verify the tree's structure
 * @tree: the tree
 * @count: if not NULL, set to the number of nodes
 *
 * Checks in O(n), without recursion, that parent and child links agree
 * both ways, that every stored height is right and that every node is
 * balanced. Key order and summaries are the caller's to check (it knows
 * the keys).
 *
 * Return: 0 if the tree is sound, -EUCLEAN if not.
 */
int nnmem_tree_check(const struct nnmem_tree *tree, u64 *count)
{
	const struct nnmem_tree_node *node;
	u64 n = 0;

	if (tree->root && tree->root->parent)
		return -EUCLEAN;
	for (node = nnmem_tree_first(tree); node; node = nnmem_tree_next(node)) {
		int hl = nnmem_tree_height(node->left);
		int hr = nnmem_tree_height(node->right);

		if (node->parent && node->parent->left != node &&
		    node->parent->right != node)
			return -EUCLEAN;
		if (!node->parent && node != tree->root)
			return -EUCLEAN;
		if (node->left && node->left->parent != node)
			return -EUCLEAN;
		if (node->right && node->right->parent != node)
			return -EUCLEAN;
		if (node->height != 1 + (hl > hr ? hl : hr))
			return -EUCLEAN;
		if (hl - hr > 1 || hr - hl > 1)
			return -EUCLEAN;
		n++;
	}
	if (count)
		*count = n;
	return 0;
}
