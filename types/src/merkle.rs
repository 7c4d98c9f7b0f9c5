//! The binary Merkle tree over a block's tx leaves and outcome leaves, and branches through it:
//! what an inclusion proof (DESIGN §9) carries from one leaf to the header's root.
//!
//! Inner nodes are `keccak(0x01 ‖ left ‖ right)` (65 bytes, so never confused with a 64-byte leaf
//! preimage); the last node of a level with an odd count is carried up unchanged (never
//! duplicated, so no two leaf lists share a root); no leaves give zero. A branch holds one
//! sibling per level where the node has one, lowest first, so its shape follows from the leaf's
//! index and the leaf count: a verifier takes the count from a header that commits to it.

use alloy_primitives::{B256, keccak256};

/// An inner node over `left` and `right`.
fn node(left: &B256, right: &B256) -> B256 {
    let mut bytes = [0u8; 65];
    bytes[0] = 1;
    bytes[1..33].copy_from_slice(left.as_slice());
    bytes[33..].copy_from_slice(right.as_slice());
    keccak256(bytes)
}

/// The level above `level`.
fn parents(level: &[B256]) -> Vec<B256> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [left, right] => node(left, right),
            [single] => *single,
            _ => unreachable!("chunks(2) yields one or two"),
        })
        .collect()
}

/// The root of `leaves`.
pub fn merkle_root(leaves: &[B256]) -> B256 {
    if leaves.is_empty() {
        return B256::ZERO;
    }
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = parents(&level);
    }
    level[0]
}

/// The branch of leaf `index`: its siblings from the leaves up, one per level where it has one;
/// `None` when there is no such leaf.
pub fn merkle_branch(leaves: &[B256], index: usize) -> Option<Vec<B256>> {
    if index >= leaves.len() {
        return None;
    }
    let mut level = leaves.to_vec();
    let mut at = index;
    let mut branch = Vec::new();
    while level.len() > 1 {
        if let Some(sibling) = level.get(at ^ 1) {
            branch.push(*sibling);
        }
        level = parents(&level);
        at /= 2;
    }
    Some(branch)
}

/// The root that `leaf`, as leaf `index` of `count`, reaches through `branch`; `None` when the
/// index is not below the count or the branch has not exactly one sibling per level that needs
/// one. The caller compares it with the root its header names.
pub fn branch_root(leaf: B256, index: u64, count: u64, branch: &[B256]) -> Option<B256> {
    if index >= count {
        return None;
    }
    let (mut at, mut width, mut hash) = (index, count, leaf);
    let mut siblings = branch.iter();
    while width > 1 {
        if (at ^ 1) < width {
            let sibling = siblings.next()?;
            hash = if at % 2 == 0 { node(&hash, sibling) } else { node(sibling, &hash) };
        }
        at /= 2;
        width = width.div_ceil(2);
    }
    siblings.next().is_none().then_some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(count: usize) -> Vec<B256> {
        (0..count).map(|i| keccak256((i as u64).to_be_bytes())).collect()
    }

    #[test]
    fn merkle_root_depends_on_every_leaf_and_their_order() {
        let leaves = leaves(5);
        let root = merkle_root(&leaves);
        assert_eq!(merkle_root(&leaves[..1]), leaves[0]);
        assert_eq!(merkle_root(&[]), B256::ZERO);
        for i in 0..leaves.len() {
            let mut changed = leaves.clone();
            changed[i] = B256::repeat_byte(0xee);
            assert_ne!(merkle_root(&changed), root);
        }
        let mut swapped = leaves.clone();
        swapped.swap(0, 1);
        assert_ne!(merkle_root(&swapped), root);
        // An odd node is carried up, not duplicated: [a, b, c] and [a, b, c, c] differ.
        let three = &leaves[..3];
        let four = [three, &leaves[2..3]].concat();
        assert_ne!(merkle_root(three), merkle_root(&four));
    }

    #[test]
    fn every_leaf_of_every_shape_reaches_the_root_through_its_branch() {
        for count in 1..=70usize {
            let leaves = leaves(count);
            let root = merkle_root(&leaves);
            assert!(merkle_branch(&leaves, count).is_none());
            for (index, leaf) in leaves.iter().enumerate() {
                let branch = merkle_branch(&leaves, index).unwrap();
                assert!(branch.len() <= 7, "{count} leaves: a branch of {}", branch.len());
                let (i, n) = (index as u64, count as u64);
                assert_eq!(branch_root(*leaf, i, n, &branch), Some(root), "leaf {index} of {count}");
                // Another leaf, another position or a changed sibling does not reach the root.
                assert_ne!(branch_root(B256::repeat_byte(0xee), i, n, &branch), Some(root));
                if count > 1 {
                    assert_ne!(branch_root(*leaf, (i + 1) % n, n, &branch), Some(root), "{index} moved in {count}");
                }
                for s in 0..branch.len() {
                    let mut changed = branch.clone();
                    changed[s] = B256::repeat_byte(0xee);
                    assert_ne!(branch_root(*leaf, i, n, &changed), Some(root));
                }
                // A branch one sibling short or long has the wrong shape.
                assert_eq!(branch_root(*leaf, i, n, &[branch.as_slice(), &[root]].concat()), None);
                if let Some((_, shorter)) = branch.split_last() {
                    assert_eq!(branch_root(*leaf, i, n, shorter), None);
                }
                assert_eq!(branch_root(*leaf, n, n, &branch), None);
            }
        }
    }
}
