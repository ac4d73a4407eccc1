//! The DAG of sources and models.

pub mod select;

use std::collections::{BTreeSet, HashMap, VecDeque};

use petgraph::Direction;
use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeId {
    Source(String, String),
    Model(String),
}

impl NodeId {
    pub fn label(&self) -> String {
        match self {
            NodeId::Model(name) => name.clone(),
            NodeId::Source(group, table) => format!("source:{group}.{table}"),
        }
    }

    pub fn model_name(&self) -> Option<&str> {
        match self {
            NodeId::Model(name) => Some(name),
            NodeId::Source(..) => None,
        }
    }
}

#[derive(Debug)]
pub struct Graph {
    g: DiGraph<NodeId, ()>,
    index: HashMap<NodeId, NodeIndex>,
    /// Every node, parents before children; ties broken by name so the order
    /// (and hence compiled output and logs) is deterministic.
    order: Vec<NodeIndex>,
}

impl Graph {
    /// Build from nodes and (parent, child) edges. On a cycle, returns the
    /// nodes along one cycle, first node repeated at the end.
    pub fn build(
        nodes: impl IntoIterator<Item = NodeId>,
        edges: impl IntoIterator<Item = (NodeId, NodeId)>,
    ) -> Result<Graph, Vec<NodeId>> {
        let mut g = DiGraph::new();
        let mut index = HashMap::new();
        let mut sorted: Vec<NodeId> = nodes.into_iter().collect();
        sorted.sort();
        sorted.dedup();
        for node in sorted {
            let idx = g.add_node(node.clone());
            index.insert(node, idx);
        }
        for (parent, child) in edges {
            let (Some(&p), Some(&c)) = (index.get(&parent), index.get(&child)) else {
                continue;
            };
            if !g.contains_edge(p, c) {
                g.add_edge(p, c, ());
            }
        }
        if toposort(&g, None).is_err() {
            return Err(find_cycle(&g));
        }
        let order = stable_topo(&g);
        Ok(Graph { g, index, order })
    }

    pub fn contains(&self, node: &NodeId) -> bool {
        self.index.contains_key(node)
    }

    pub fn nodes(&self) -> impl Iterator<Item = &NodeId> {
        self.order.iter().map(|&i| &self.g[i])
    }

    pub fn parents(&self, node: &NodeId) -> Vec<&NodeId> {
        self.neighbours(node, Direction::Incoming)
    }

    pub fn children(&self, node: &NodeId) -> Vec<&NodeId> {
        self.neighbours(node, Direction::Outgoing)
    }

    fn neighbours(&self, node: &NodeId, dir: Direction) -> Vec<&NodeId> {
        let Some(&idx) = self.index.get(node) else {
            return Vec::new();
        };
        let mut out: Vec<&NodeId> = self
            .g
            .neighbors_directed(idx, dir)
            .map(|i| &self.g[i])
            .collect();
        out.sort();
        out
    }

    /// Ancestors up to `depth` generations (`None`: all).
    pub fn ancestors(&self, node: &NodeId, depth: Option<usize>) -> BTreeSet<NodeId> {
        self.walk(node, depth, Direction::Incoming)
    }

    pub fn descendants(&self, node: &NodeId, depth: Option<usize>) -> BTreeSet<NodeId> {
        self.walk(node, depth, Direction::Outgoing)
    }

    fn walk(&self, node: &NodeId, depth: Option<usize>, dir: Direction) -> BTreeSet<NodeId> {
        let mut seen = BTreeSet::new();
        let Some(&start) = self.index.get(node) else {
            return seen;
        };
        let mut queue = VecDeque::from([(start, 0usize)]);
        let mut visited = std::collections::HashSet::from([start]);
        while let Some((idx, d)) = queue.pop_front() {
            if depth.is_some_and(|max| d >= max) {
                continue;
            }
            for next in self.g.neighbors_directed(idx, dir) {
                if visited.insert(next) {
                    seen.insert(self.g[next].clone());
                    queue.push_back((next, d + 1));
                }
            }
        }
        seen
    }

    /// Nodes in dependency order.
    pub fn topo_order(&self) -> Vec<NodeId> {
        self.nodes().cloned().collect()
    }
}

/// Kahn's algorithm with a sorted ready set: a deterministic topological order.
fn stable_topo(g: &DiGraph<NodeId, ()>) -> Vec<NodeIndex> {
    let mut indegree: HashMap<NodeIndex, usize> = g
        .node_indices()
        .map(|i| (i, g.neighbors_directed(i, Direction::Incoming).count()))
        .collect();
    let mut ready: BTreeSet<(NodeId, NodeIndex)> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(&i, _)| (g[i].clone(), i))
        .collect();
    let mut order = Vec::with_capacity(g.node_count());
    while let Some(first) = ready.pop_first() {
        let (_, idx) = first;
        order.push(idx);
        for child in g.neighbors_directed(idx, Direction::Outgoing) {
            let d = indegree.get_mut(&child).unwrap();
            *d -= 1;
            if *d == 0 {
                ready.insert((g[child].clone(), child));
            }
        }
    }
    order
}

fn find_cycle(g: &DiGraph<NodeId, ()>) -> Vec<NodeId> {
    for scc in tarjan_scc(g) {
        let members: std::collections::HashSet<NodeIndex> = scc.iter().copied().collect();
        let start = *scc.iter().min_by_key(|i| &g[**i]).unwrap();
        if scc.len() == 1 && !g.contains_edge(start, start) {
            continue;
        }
        // Walk inside the component until we return to `start`.
        let mut path = vec![start];
        let mut stack = vec![(start, g.neighbors(start).collect::<Vec<_>>())];
        let mut on_path = std::collections::HashSet::from([start]);
        while let Some((_, nexts)) = stack.last_mut() {
            match nexts.pop() {
                Some(n) if n == start => {
                    path.push(start);
                    return path.into_iter().map(|i| g[i].clone()).collect();
                }
                Some(n) if members.contains(&n) && !on_path.contains(&n) => {
                    on_path.insert(n);
                    path.push(n);
                    stack.push((n, g.neighbors(n).collect()));
                }
                Some(_) => {}
                None => {
                    stack.pop();
                    if let Some(n) = path.pop() {
                        on_path.remove(&n);
                    }
                }
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(n: &str) -> NodeId {
        NodeId::Model(n.into())
    }

    #[test]
    fn orders_parents_first_and_reports_cycles() {
        let g = Graph::build(
            [m("c"), m("a"), m("b")],
            [(m("a"), m("b")), (m("b"), m("c"))],
        )
        .unwrap();
        assert_eq!(g.topo_order(), vec![m("a"), m("b"), m("c")]);
        assert_eq!(g.ancestors(&m("c"), Some(1)), BTreeSet::from([m("b")]));
        assert_eq!(g.ancestors(&m("c"), None), BTreeSet::from([m("a"), m("b")]));

        let cycle = Graph::build(
            [m("a"), m("b"), m("c")],
            [(m("a"), m("b")), (m("b"), m("c")), (m("c"), m("a"))],
        )
        .unwrap_err();
        assert_eq!(cycle, vec![m("a"), m("b"), m("c"), m("a")]);
    }
}
