//! The lineage graph's layout, computed here rather than in the browser so
//! that a page of thousands of models opens at once and a force layout never
//! has to settle. A layered (Sugiyama-style) drawing without dummy nodes:
//! layers by longest path, so every edge goes from a layer to a later one; an
//! order within each layer that keeps linked nodes close (barycentric sweeps);
//! and positions along the layer pulled towards each node's neighbours by
//! relaxation passes that keep that order. (The page draws layers top to
//! bottom; here they are called columns and positions rows.)

/// Where each node goes: its column, and its row in node heights (rows are
/// at least 1 apart within a column; the smallest row is 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub layer: Vec<u32>,
    pub y: Vec<f64>,
}

/// Sweeps of the crossing reduction: each one down the columns and back.
const ORDER_SWEEPS: usize = 6;
/// Rounds of pulling rows towards neighbours.
const PLACE_ROUNDS: usize = 3;

/// Lay out `n` nodes joined by acyclic `(parent, child)` edges.
pub fn layout(n: usize, edges: &[(usize, usize)]) -> Layout {
    let mut parents = vec![Vec::new(); n];
    let mut children = vec![Vec::new(); n];
    for &(p, c) in edges {
        if p < n && c < n && p != c {
            parents[c].push(p);
            children[p].push(c);
        }
    }
    let order = topological(&parents, &children);
    let layer = layers(&order, &parents, &children);
    let columns = order_columns(&order, &layer, &parents, &children);
    let y = place_rows(&columns, &parents, &children);
    Layout { layer, y }
}

/// Kahn's algorithm, smallest index first among the ready nodes, so that
/// callers who pass nodes in a meaningful order (by name) get it back.
fn topological(parents: &[Vec<usize>], children: &[Vec<usize>]) -> Vec<usize> {
    let mut indegree: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = indegree
        .iter()
        .enumerate()
        .filter(|(_, d)| **d == 0)
        .map(|(i, _)| std::cmp::Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(parents.len());
    while let Some(std::cmp::Reverse(v)) = ready.pop() {
        order.push(v);
        for &c in &children[v] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.push(std::cmp::Reverse(c));
            }
        }
    }
    // A cycle cannot come from jmap's graph; keep any leftovers visible anyway.
    if order.len() < parents.len() {
        let seen: std::collections::HashSet<usize> = order.iter().copied().collect();
        order.extend((0..parents.len()).filter(|v| !seen.contains(v)));
    }
    order
}

/// Longest path from the roots; then each root (a source, a model reading no
/// model) moves right next to its first reader, so that it is not drawn far
/// away at the left edge with a long edge to cross everything.
fn layers(order: &[usize], parents: &[Vec<usize>], children: &[Vec<usize>]) -> Vec<u32> {
    let mut layer = vec![0u32; parents.len()];
    for &v in order {
        layer[v] = parents[v].iter().map(|&p| layer[p] + 1).max().unwrap_or(0);
    }
    for &v in order {
        if parents[v].is_empty()
            && let Some(first) = children[v].iter().map(|&c| layer[c]).min()
        {
            layer[v] = first.saturating_sub(1);
        }
    }
    layer
}

/// Nodes of each column in drawing order (top to bottom).
fn order_columns(
    order: &[usize],
    layer: &[u32],
    parents: &[Vec<usize>],
    children: &[Vec<usize>],
) -> Vec<Vec<usize>> {
    let depth = layer.iter().max().map_or(0, |&l| l as usize + 1);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for &v in order {
        columns[layer[v] as usize].push(v);
    }
    // A node's rank: its place in its column, from 0 to 1, so that columns of
    // different heights compare (edges may skip columns: no dummy nodes).
    let mut rank = vec![0.0f64; layer.len()];
    let set_ranks = |columns: &[Vec<usize>], rank: &mut [f64]| {
        for col in columns {
            for (i, &v) in col.iter().enumerate() {
                rank[v] = (i as f64 + 0.5) / col.len() as f64;
            }
        }
    };
    set_ranks(&columns, &mut rank);
    let sort_by_neighbours = |col: &mut Vec<usize>, rank: &mut [f64], links: &[Vec<usize>]| {
        let key = |v: usize| -> f64 {
            if links[v].is_empty() {
                rank[v]
            } else {
                links[v].iter().map(|&u| rank[u]).sum::<f64>() / links[v].len() as f64
            }
        };
        let mut keyed: Vec<(f64, usize)> = col.iter().map(|&v| (key(v), v)).collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
        *col = keyed.into_iter().map(|(_, v)| v).collect();
        for (i, &v) in col.iter().enumerate() {
            rank[v] = (i as f64 + 0.5) / col.len() as f64;
        }
    };
    for _ in 0..ORDER_SWEEPS {
        for l in (0..depth.saturating_sub(1)).rev() {
            sort_by_neighbours(&mut columns[l], &mut rank, children);
        }
        for col in columns.iter_mut().skip(1) {
            sort_by_neighbours(col, &mut rank, parents);
        }
    }
    columns
}

/// Rows: start with each column centred, then pull every node towards the
/// mean row of its parents (sweeping right) and of its children (sweeping
/// left), keeping the column's order and a gap of at least one row.
fn place_rows(columns: &[Vec<usize>], parents: &[Vec<usize>], children: &[Vec<usize>]) -> Vec<f64> {
    let n = parents.len();
    let mut y = vec![0.0f64; n];
    let tallest = columns.iter().map(Vec::len).max().unwrap_or(0) as f64;
    for col in columns {
        let offset = (tallest - col.len() as f64) / 2.0;
        for (i, &v) in col.iter().enumerate() {
            y[v] = offset + i as f64;
        }
    }
    let pull = |col: &[usize], y: &mut [f64], links: &[Vec<usize>]| {
        let desired: Vec<f64> = col
            .iter()
            .map(|&v| {
                if links[v].is_empty() {
                    y[v]
                } else {
                    links[v].iter().map(|&u| y[u]).sum::<f64>() / links[v].len() as f64
                }
            })
            .collect();
        for (v, row) in col.iter().zip(spread(&desired)) {
            y[*v] = row;
        }
    };
    for _ in 0..PLACE_ROUNDS {
        for col in columns.iter().skip(1) {
            pull(col, &mut y, parents);
        }
        for col in columns.iter().rev().skip(1) {
            pull(col, &mut y, children);
        }
    }
    let top = y.iter().copied().fold(f64::INFINITY, f64::min);
    if top.is_finite() {
        for v in &mut y {
            *v -= top;
        }
    }
    y
}

/// Positions as close to `desired` as the order and a gap of 1 allow: the
/// mean of the closest placement pushing down and the one pushing up (both
/// keep the gap, so their mean does too).
fn spread(desired: &[f64]) -> Vec<f64> {
    let k = desired.len();
    let mut down = desired.to_vec();
    for i in 1..k {
        down[i] = down[i].max(down[i - 1] + 1.0);
    }
    let mut up = desired.to_vec();
    for i in (0..k.saturating_sub(1)).rev() {
        up[i] = up[i].min(up[i + 1] - 1.0);
    }
    down.iter().zip(&up).map(|(a, b)| (a + b) / 2.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_gaps(l: &Layout) {
        let mut by_layer: std::collections::BTreeMap<u32, Vec<f64>> = Default::default();
        for (v, &layer) in l.layer.iter().enumerate() {
            by_layer.entry(layer).or_default().push(l.y[v]);
        }
        for rows in by_layer.values_mut() {
            rows.sort_by(f64::total_cmp);
            for w in rows.windows(2) {
                assert!(w[1] - w[0] >= 1.0 - 1e-9, "rows overlap: {rows:?}");
            }
        }
    }

    #[test]
    fn edges_go_to_later_layers_and_roots_sit_next_to_their_reader() {
        // 0 -> 1 -> 2 -> 3, and a root 4 read only by 3.
        let l = layout(5, &[(0, 1), (1, 2), (2, 3), (4, 3)]);
        assert_eq!(l.layer, vec![0, 1, 2, 3, 2]);
        assert_gaps(&l);
    }

    #[test]
    fn siblings_sit_near_their_parent() {
        // Two parents, each with two children: children stay with their parent.
        let l = layout(6, &[(0, 2), (0, 3), (1, 4), (1, 5)]);
        let mid = |a: usize, b: usize| (l.y[a] + l.y[b]) / 2.0;
        assert!((mid(2, 3) - l.y[0]).abs() < 0.51, "{l:?}");
        assert!((mid(4, 5) - l.y[1]).abs() < 0.51, "{l:?}");
        assert!(l.y.iter().all(|&y| y >= 0.0));
        assert_gaps(&l);
    }

    #[test]
    fn large_graphs_are_quick_and_deterministic() {
        // 5,000 nodes, each reading up to three recent ones (like bench/compile).
        let mut edges = Vec::new();
        let mut state = 7u64;
        for i in 1..5000usize {
            for _ in 0..3 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let back = 1 + (state >> 33) as usize % 20.min(i);
                edges.push((i - back, i));
            }
        }
        let start = std::time::Instant::now();
        let a = layout(5000, &edges);
        assert!(start.elapsed().as_secs_f64() < 2.0);
        assert_eq!(a, layout(5000, &edges));
        assert_gaps(&a);
    }
}
