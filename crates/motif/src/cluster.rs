//! Grouping redundant motifs (`explainn motifs cluster`): an all-vs-all Tomtom
//! ([`tomtom_matrix`]) gives each pair a symmetric p-value (the larger of its two
//! directions); agglomerative clustering ([`linkage`], complete or average) on those
//! p-values is cut at a threshold ([`cut`]); each cluster gets a representative (the member
//! most similar to all others) and an aligned average motif built from the Tomtom offsets
//! and strands of every member against the representative.
//!
//! ```
//! use explainn_motif::{MatrixKind, Motif};
//! use explainn_motif::cluster::{ClusterOptions, cluster_motifs};
//! let m = |id: &str, s: &[u8]| Motif::new(id, s.iter().map(|&c| {
//!     let mut r = [0.03; 4];
//!     r[explainn_motif::motif::letter_index(c).unwrap()] = 0.91;
//!     r
//! }).collect(), MatrixKind::Probabilities);
//! let motifs = [m("gata", b"AGATAAGA"), m("ebox", b"CACGTGAC"),
//!               m("gata_rc", b"TCTTATCT"), m("ctcf", b"CCGCGAGGAGGCAG")];
//! let c = cluster_motifs(&motifs, None, &ClusterOptions::default()).unwrap();
//! assert_eq!(c.assignment[0], c.assignment[2]); // GATA with its reverse complement
//! assert_ne!(c.assignment[0], c.assignment[1]);
//! assert_eq!(c.clusters.len(), 3);
//! ```

use crate::Background;
use crate::error::MotifError;
use crate::motif::{MatrixKind, Motif};
use crate::tomtom::{Orientation, TomtomMatrix, TomtomOptions, tomtom_matrix};

/// How the distance between two clusters follows from their members' distances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Linkage {
    /// The largest member distance: every pair within a cluster is within the threshold.
    /// Default.
    #[default]
    Complete,
    /// The mean member distance (UPGMA).
    Average,
}

impl std::str::FromStr for Linkage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "complete" => Ok(Self::Complete),
            "average" => Ok(Self::Average),
            _ => Err(format!("unknown linkage '{s}': give complete or average")),
        }
    }
}

impl Linkage {
    /// `complete` or `average`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Average => "average",
        }
    }
}

/// One merge of [`linkage`]: the clusters holding items `a` and `b` joined at `height`
/// into a cluster of `size` items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Merge {
    /// An item of the first cluster (the smallest index of that cluster).
    pub a: usize,
    /// An item of the second cluster (the smallest index of that cluster).
    pub b: usize,
    /// Linkage distance at which they merge.
    pub height: f64,
    /// Items in the merged cluster.
    pub size: usize,
}

/// Agglomerative clustering of `n` items with the symmetric distances `dist` (row-major
/// `n × n`; the diagonal is ignored): the `n - 1` merges, by height ascending (ties in the
/// order they happen). Nearest-neighbour-chain algorithm with Lance–Williams updates:
/// O(n²) time and memory; ties go to the smaller item index, so the result is deterministic.
///
/// ```
/// use explainn_motif::cluster::{Linkage, linkage};
/// // Items 0 and 2 are close, 1 is far from both.
/// let d = [0.0, 5.0, 1.0,
///          5.0, 0.0, 4.0,
///          1.0, 4.0, 0.0];
/// let m = linkage(&d, 3, Linkage::Complete);
/// assert_eq!((m[0].a, m[0].b, m[0].height, m[0].size), (0, 2, 1.0, 2));
/// assert_eq!((m[1].height, m[1].size), (5.0, 3)); // complete: max(5, 4)
/// assert_eq!(linkage(&d, 3, Linkage::Average)[1].height, 4.5);
/// ```
pub fn linkage(dist: &[f64], n: usize, method: Linkage) -> Vec<Merge> {
    assert_eq!(dist.len(), n * n, "linkage: dist must be n × n");
    let mut d = dist.to_vec();
    let mut active = vec![true; n];
    let mut size = vec![1usize; n];
    // The smallest item of the cluster in each slot (a slot is named by one of its items).
    let mut least: Vec<usize> = (0..n).collect();
    let mut chain: Vec<usize> = Vec::with_capacity(n);
    let mut merges: Vec<Merge> = Vec::with_capacity(n.saturating_sub(1));
    while merges.len() + 1 < n {
        if chain.is_empty() {
            chain.push(active.iter().position(|&a| a).expect("an active cluster"));
        }
        let (x, y) = loop {
            let a = *chain.last().unwrap();
            let prev = if chain.len() >= 2 {
                Some(chain[chain.len() - 2])
            } else {
                None
            };
            // Nearest active neighbour of a; the previous chain element wins ties, so the
            // chain stops at reciprocal nearest neighbours.
            let mut best = prev;
            let mut bd = prev.map_or(f64::INFINITY, |p| d[a * n + p]);
            for c in 0..n {
                if c != a && active[c] && d[a * n + c] < bd {
                    bd = d[a * n + c];
                    best = Some(c);
                }
            }
            let b = best.expect("two active clusters");
            if Some(b) == prev {
                break (a, b);
            }
            chain.push(b);
        };
        chain.pop();
        chain.pop();
        let h = d[x * n + y];
        let (sx, sy) = (size[x] as f64, size[y] as f64);
        // The merged cluster lives in slot x.
        for k in 0..n {
            if active[k] && k != x && k != y {
                let v = match method {
                    Linkage::Complete => d[x * n + k].max(d[y * n + k]),
                    Linkage::Average => (sx * d[x * n + k] + sy * d[y * n + k]) / (sx + sy),
                };
                d[x * n + k] = v;
                d[k * n + x] = v;
            }
        }
        active[y] = false;
        size[x] += size[y];
        let (la, lb) = (least[x].min(least[y]), least[x].max(least[y]));
        least[x] = la;
        merges.push(Merge {
            a: la,
            b: lb,
            height: h,
            size: size[x],
        });
    }
    // Reducible linkages give a monotone tree: sorting by height keeps every merge after
    // the merges of its parts.
    merges.sort_by(|p, q| p.height.total_cmp(&q.height));
    merges
}

/// The items of the tree of [`linkage`] in dendrogram order: at each merge, the cluster
/// holding the smaller item comes first.
pub fn leaf_order(merges: &[Merge], n: usize) -> Vec<usize> {
    let mut leaves: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    for m in merges {
        let b = std::mem::take(&mut leaves[m.b]);
        leaves[m.a].extend(b);
    }
    leaves
        .into_iter()
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

/// The rows of the `n_rows × n_cols` row-major matrix `values` in the leaf order of their
/// average-linkage (UPGMA) clustering under Euclidean distance; non-finite entries count
/// as 0, missing ones too. This orders the rows of the report's heatmaps.
///
/// ```
/// // Rows (1-D) 0, 10, 1, 11, 5.2: {0, 2} and {1, 3} form first; 5.2 joins {0, 2}.
/// let order = explainn_motif::cluster::row_order(&[0.0, 10.0, 1.0, 11.0, 5.2], 5, 1);
/// assert_eq!(order, vec![0, 2, 4, 1, 3]);
/// ```
pub fn row_order(values: &[f64], n_rows: usize, n_cols: usize) -> Vec<usize> {
    if n_rows <= 2 || n_cols == 0 {
        return (0..n_rows).collect();
    }
    let at = |r: usize, c: usize| {
        values
            .get(r * n_cols + c)
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    };
    let mut dist = vec![0.0f64; n_rows * n_rows];
    for i in 0..n_rows {
        for j in (i + 1)..n_rows {
            let d = (0..n_cols)
                .map(|c| (at(i, c) - at(j, c)).powi(2))
                .sum::<f64>()
                .sqrt();
            dist[i * n_rows + j] = d;
            dist[j * n_rows + i] = d;
        }
    }
    leaf_order(&linkage(&dist, n_rows, Linkage::Average), n_rows)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Cut the tree of [`linkage`] at `threshold`: items joined by merges of height at most
/// `threshold` share a cluster. Returns each item's cluster number, clusters numbered
/// 0, 1, … by size descending, ties by smallest item.
pub fn cut(merges: &[Merge], n: usize, threshold: f64) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..n).collect();
    for m in merges.iter().filter(|m| m.height <= threshold) {
        let (ra, rb) = (find(&mut parent, m.a), find(&mut parent, m.b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    let mut count = vec![0usize; n];
    for &r in &roots {
        count[r] += 1;
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| roots[i] == i).collect();
    order.sort_by(|&a, &b| count[b].cmp(&count[a]).then(a.cmp(&b)));
    let mut label = vec![usize::MAX; n];
    for (k, &r) in order.iter().enumerate() {
        label[r] = k;
    }
    roots.iter().map(|&r| label[r]).collect()
}

/// Settings of [`cluster_motifs`].
#[derive(Debug, Clone)]
pub struct ClusterOptions {
    /// The comparison (MEME's defaults: Euclidean distance, both strands, pseudocount 0.1;
    /// `thresh` and `evalue` do not apply).
    pub tomtom: TomtomOptions,
    /// Linkage (default complete).
    pub linkage: Linkage,
    /// Motifs join a cluster when its linkage distance, a symmetric Tomtom p-value, is at
    /// most this (default 1e-3).
    pub threshold: f64,
    /// Columns of the average motif covered by fewer than this share of the members are
    /// left out of it (default 0.5).
    pub min_coverage: f64,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            tomtom: TomtomOptions::default(),
            linkage: Linkage::Complete,
            threshold: 1e-3,
            min_coverage: 0.5,
        }
    }
}

/// One member of a cluster, placed against the representative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignedMember {
    /// Index of the motif in the input.
    pub index: usize,
    /// Column of the representative that the member's first column (of its reverse
    /// complement when `orientation` is reverse) faces; may be negative.
    pub start: i64,
    /// Strand of the member relative to the representative.
    pub orientation: Orientation,
    /// Symmetric Tomtom p-value to the representative (0 for the representative itself).
    pub p_value: f64,
}

/// A group of similar motifs.
#[derive(Debug, Clone, PartialEq)]
pub struct MotifCluster {
    /// Index of the representative: the member with the largest Σ −log10 p to the others.
    pub representative: usize,
    /// Members in input order, the representative included.
    pub members: Vec<AlignedMember>,
    /// The aligned average of the members' probability columns (equal weights), in the
    /// representative's orientation, trimmed to the columns covered by at least
    /// `min_coverage` of the members.
    pub average: Motif,
}

/// The result of [`cluster_motifs`].
#[derive(Debug, Clone)]
pub struct Clustering {
    /// The all-vs-all comparison.
    pub matrix: TomtomMatrix,
    /// The linkage tree.
    pub merges: Vec<Merge>,
    /// Cluster number of every input motif (0 = the largest cluster).
    pub assignment: Vec<usize>,
    /// Clusters by number.
    pub clusters: Vec<MotifCluster>,
    /// Wall seconds of the all-vs-all comparison (for throughput reports).
    pub tomtom_seconds: f64,
}

/// Cluster `motifs` by Tomtom similarity; `background` as for [`tomtom()`](crate::tomtom::tomtom).
pub fn cluster_motifs(
    motifs: &[Motif],
    background: Option<&Background>,
    opts: &ClusterOptions,
) -> Result<Clustering, MotifError> {
    if !(opts.threshold >= 0.0 && opts.threshold <= 1.0) {
        return Err(MotifError::Invalid(format!(
            "threshold must be a p-value between 0 and 1, not {}",
            opts.threshold
        )));
    }
    let t0 = std::time::Instant::now();
    let matrix = tomtom_matrix(motifs, background, &opts.tomtom)?;
    let tomtom_seconds = t0.elapsed().as_secs_f64();
    let n = motifs.len();
    let mut dist = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                dist[i * n + j] = matrix.symmetric_p_value(i, j);
            }
        }
    }
    let merges = linkage(&dist, n, opts.linkage);
    let assignment = cut(&merges, n, opts.threshold);
    let k = assignment.iter().max().map_or(0, |&m| m + 1);
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &c) in assignment.iter().enumerate() {
        groups[c].push(i);
    }
    let clusters = groups
        .iter()
        .enumerate()
        .map(|(c, g)| build_cluster(c, g, motifs, &matrix, opts.min_coverage))
        .collect();
    Ok(Clustering {
        matrix,
        merges,
        assignment,
        clusters,
        tomtom_seconds,
    })
}

fn build_cluster(
    number: usize,
    group: &[usize],
    motifs: &[Motif],
    matrix: &TomtomMatrix,
    min_coverage: f64,
) -> MotifCluster {
    let score = |i: usize| -> f64 {
        group
            .iter()
            .filter(|&&j| j != i)
            .map(|&j| -matrix.symmetric_p_value(i, j).max(1e-300).log10())
            .sum()
    };
    let mut rep = group[0];
    let mut best = score(rep);
    for &i in &group[1..] {
        let s = score(i);
        if s > best {
            (rep, best) = (i, s);
        }
    }
    let wr = motifs[rep].width() as i64;
    let members: Vec<AlignedMember> = group
        .iter()
        .map(|&i| {
            if i == rep {
                return AlignedMember {
                    index: i,
                    start: 0,
                    orientation: Orientation::Forward,
                    p_value: 0.0,
                };
            }
            // Member i as query against the representative: column c of i faces column
            // c + off of the representative (of its reverse complement for `-`).
            let off = matrix.offset(i, rep);
            let wm = motifs[i].width() as i64;
            let orientation = matrix.orientation(i, rep);
            let start = match orientation {
                Orientation::Forward => off,
                // The reverse complement of i then faces the representative forward.
                Orientation::Reverse => wr - wm - off,
            };
            AlignedMember {
                index: i,
                start,
                orientation,
                p_value: matrix.symmetric_p_value(i, rep),
            }
        })
        .collect();
    let average = aligned_average(number, rep, &members, motifs, min_coverage);
    MotifCluster {
        representative: rep,
        members,
        average,
    }
}

/// The members' probability columns averaged over the representative's frame.
fn aligned_average(
    number: usize,
    rep: usize,
    members: &[AlignedMember],
    motifs: &[Motif],
    min_coverage: f64,
) -> Motif {
    let placed: Vec<(i64, Vec<[f64; 4]>)> = members
        .iter()
        .map(|m| {
            let p = motifs[m.index].to_probabilities();
            let p = match m.orientation {
                Orientation::Forward => p,
                Orientation::Reverse => p.reverse_complement(),
            };
            // Rows normalised to sum 1 (probability files may be slightly off).
            let rows = p
                .rows
                .iter()
                .map(|r| {
                    let s: f64 = r.iter().sum();
                    if s > 0.0 { r.map(|x| x / s) } else { [0.25; 4] }
                })
                .collect();
            (m.start, rows)
        })
        .collect();
    let lo = placed.iter().map(|(s, _)| *s).min().unwrap_or(0);
    let hi = placed
        .iter()
        .map(|(s, r)| s + r.len() as i64)
        .max()
        .unwrap_or(0);
    let need = (min_coverage * members.len() as f64).max(1.0);
    // Per column of the frame: the summed probabilities and how many members cover it.
    let columns: Vec<([f64; 4], usize)> = (lo..hi)
        .map(|pos| {
            let mut sum = [0.0f64; 4];
            let mut cover = 0usize;
            for (s, r) in &placed {
                let k = pos - s;
                if k >= 0 && (k as usize) < r.len() {
                    for a in 0..4 {
                        sum[a] += r[k as usize][a];
                    }
                    cover += 1;
                }
            }
            (sum, cover)
        })
        .collect();
    // Keep the span from the first to the last column covered by enough members.
    let first = columns.iter().position(|c| c.1 as f64 >= need);
    let last = columns.iter().rposition(|c| c.1 as f64 >= need);
    let mut rows: Vec<[f64; 4]> = match (first, last) {
        (Some(f), Some(l)) => columns[f..=l]
            .iter()
            .map(|(sum, cover)| {
                if *cover == 0 {
                    [0.25; 4]
                } else {
                    sum.map(|x| x / *cover as f64)
                }
            })
            .collect(),
        _ => Vec::new(),
    };
    if rows.is_empty() {
        rows = motifs[rep].to_probabilities().rows;
    }
    let mut m = Motif::new(
        format!("cluster_{}", number + 1),
        rows,
        MatrixKind::Probabilities,
    );
    m.alt_name = Some(
        motifs[rep]
            .alt_name
            .clone()
            .unwrap_or_else(|| motifs[rep].id.clone()),
    );
    m.nsites = Some(members.len() as f64);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn motif(id: &str, s: &[u8]) -> Motif {
        Motif::new(
            id,
            s.iter()
                .map(|&c| {
                    let mut r = [0.05; 4];
                    r[crate::motif::letter_index(c).unwrap()] = 0.85;
                    r
                })
                .collect(),
            MatrixKind::Probabilities,
        )
    }

    /// Complete and average linkage heights equal the definitions computed by brute force
    /// over the final clusters' members, on random distances.
    #[test]
    fn rows_are_ordered_by_average_linkage() {
        // Two columns, NaN as 0: row 1 = (NaN, 0) equals row 0 = (0, 0).
        let v = [0.0, 0.0, 5.0, 5.0, f64::NAN, 0.0, 5.0, 4.0];
        assert_eq!(row_order(&v, 4, 2), vec![0, 2, 1, 3]);
        assert_eq!(row_order(&[], 0, 3), Vec::<usize>::new());
        assert_eq!(row_order(&[1.0, 2.0], 2, 1), vec![0, 1]);
        // Too short: the missing entries count as 0.
        assert_eq!(row_order(&[1.0], 3, 1).len(), 3);
    }

    #[test]
    fn linkage_heights_follow_their_definitions() {
        let n = 30;
        let mut x = 12345u64;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 10_000) as f64 / 10_000.0
        };
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in i + 1..n {
                let v = rnd();
                d[i * n + j] = v;
                d[j * n + i] = v;
            }
        }
        for method in [Linkage::Complete, Linkage::Average] {
            let merges = linkage(&d, n, method);
            assert_eq!(merges.len(), n - 1);
            assert!(merges.windows(2).all(|w| w[0].height <= w[1].height));
            // Replay the merges with explicit member sets.
            let mut sets: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
            for m in &merges {
                let ia = sets.iter().position(|s| s.contains(&m.a)).unwrap();
                let ib = sets.iter().position(|s| s.contains(&m.b)).unwrap();
                assert_ne!(ia, ib);
                let pairs: Vec<f64> = sets[ia]
                    .iter()
                    .flat_map(|&p| sets[ib].iter().map(move |&q| (p, q)))
                    .map(|(p, q)| d[p * n + q])
                    .collect();
                let want = match method {
                    Linkage::Complete => pairs.iter().copied().fold(0.0, f64::max),
                    Linkage::Average => pairs.iter().sum::<f64>() / pairs.len() as f64,
                };
                assert!(
                    (m.height - want).abs() < 1e-12,
                    "{method:?}: {} vs {want}",
                    m.height
                );
                let b = sets.remove(ia.max(ib));
                let a = &mut sets[ia.min(ib)];
                a.extend(b);
                assert_eq!(a.len(), m.size);
            }
        }
    }

    /// The average of a motif, its reverse complement and a copy with flanks is the motif.
    #[test]
    fn aligned_average_undoes_offsets_and_strands() {
        let core = motif("core", b"TTGACGTCAGGA");
        let rc = {
            let mut m = core.reverse_complement();
            m.id = "rc".into();
            m
        };
        let mut flanked = core.clone();
        flanked.id = "flanked".into();
        flanked.rows.insert(0, [0.25; 4]);
        flanked.rows.insert(0, [0.25; 4]);
        flanked.rows.push([0.25; 4]);
        let unrelated = motif("other", b"CCCCGGGGCCCC");
        let motifs = [flanked, unrelated, rc, core.clone()];
        let c = cluster_motifs(&motifs, None, &ClusterOptions::default()).unwrap();
        assert_eq!(c.assignment, [0, 1, 0, 0]);
        let cl = &c.clusters[0];
        assert_eq!(cl.members.len(), 3);
        // Put the average in the core's orientation and compare the covered columns.
        let avg = &cl.average;
        let want = if cl.representative == 2 {
            core.reverse_complement()
        } else {
            core.clone()
        };
        let fw = want.rows.len();
        let best = (0..=avg.rows.len().saturating_sub(fw))
            .map(|s| {
                (0..fw)
                    .map(|k| {
                        (0..4)
                            .map(|a| (avg.rows[s + k][a] - want.rows[k][a]).abs())
                            .sum::<f64>()
                    })
                    .sum::<f64>()
            })
            .fold(f64::INFINITY, f64::min);
        assert!(avg.rows.len() >= fw, "{} columns", avg.rows.len());
        assert!(best < 1e-9, "average differs from the core by {best}");
    }

    #[test]
    fn cut_numbers_clusters_by_size() {
        let merges = [
            Merge {
                a: 1,
                b: 3,
                height: 0.1,
                size: 2,
            },
            Merge {
                a: 1,
                b: 4,
                height: 0.2,
                size: 3,
            },
            Merge {
                a: 0,
                b: 2,
                height: 0.3,
                size: 2,
            },
            Merge {
                a: 0,
                b: 1,
                height: 0.9,
                size: 5,
            },
        ];
        assert_eq!(cut(&merges, 5, 0.25), [1, 0, 2, 0, 0]);
        assert_eq!(cut(&merges, 5, 0.0), [0, 1, 2, 3, 4]);
        assert_eq!(cut(&merges, 5, 1.0), [0; 5]);
    }
}
