//! The target database: every target's forward and reverse-complement copy as one
//! column array, with the per-column values the distances need.

use super::*;

pub(super) struct Copy {
    pub(super) target: usize,
    pub(super) orientation: Orientation,
    pub(super) start: usize,
    pub(super) len: usize,
}

/// All target copies (forward and reverse complement, interleaved) as one column array.
pub(super) struct TargetDb {
    pub(super) cols: Vec<[f64; 4]>,
    /// The same columns letter by letter (structure of arrays); for Pearson each value is
    /// `t - 1/4`, exactly as the column score subtracts it.
    pub(super) soa: [Vec<f64>; 4],
    pub(super) copies: Vec<Copy>,
    pub(super) norient: usize,
    /// The copies grouped by width: (width, copy indices), widths ascending.
    pub(super) by_width: Vec<(usize, Vec<u32>)>,
    /// Pearson: rounded sum of squared deviations of each column.
    pub(super) d2: Vec<f64>,
    /// Pearson: `1/sqrt(d2)` (0 where d2 is 0), for the approximate scores.
    pub(super) inv_sd: Vec<f64>,
    /// Pearson: some d2 is so small that the approximation's error bound may not hold.
    pub(super) pearson_exact_only: bool,
    /// Rank of each target's ID in byte order (equal IDs share a rank): MEME's last
    /// ranking key without string comparisons.
    pub(super) id_rank: Vec<u32>,
    /// Count-based distances: every column as counts (empty for the others).
    pub(super) ccols: Vec<CountColumn>,
    /// `ln` of the background.
    pub(super) ln_bg: [f64; 4],
    /// Prior of the LLR and BLiC source estimates.
    pub(super) prior: Prior,
}

impl TargetDb {
    pub(super) fn new(targets: &[Motif], bg: &Background, opts: &TomtomOptions) -> Self {
        let mut cols = Vec::new();
        let mut copies = Vec::new();
        let counted = opts.distance.uses_counts();
        let ln_bg = bg.0.map(f64::ln);
        let prior = opts.distance.prior();
        let mut ccols = Vec::new();
        for (t, m) in targets.iter().enumerate() {
            let f = pseudocounted(m, bg, opts.motif_pseudo);
            let ncols = cols.len();
            copies.push(Copy {
                target: t,
                orientation: Orientation::Forward,
                start: cols.len(),
                len: f.len(),
            });
            cols.extend_from_slice(&f);
            if !opts.norc {
                copies.push(Copy {
                    target: t,
                    orientation: Orientation::Reverse,
                    start: cols.len(),
                    len: f.len(),
                });
                cols.extend(f.iter().rev().map(|r| [r[3], r[2], r[1], r[0]]));
            }
            if counted {
                let n = site_count(m);
                ccols.extend(
                    cols[ncols..]
                        .iter()
                        .map(|c| CountColumn::new(c, n, &ln_bg, prior)),
                );
            }
        }
        let mut widths: Vec<usize> = copies.iter().map(|c| c.len).collect();
        widths.sort_unstable();
        widths.dedup();
        let by_width = widths
            .iter()
            .map(|&l| {
                let group = (0..copies.len() as u32)
                    .filter(|&ci| copies[ci as usize].len == l)
                    .collect();
                (l, group)
            })
            .collect();
        let pearson = opts.distance == Distance::Pearson;
        let shift = if pearson { 0.25 } else { 0.0 };
        let soa = std::array::from_fn(|a| cols.iter().map(|c| c[a] - shift).collect());
        let (d2, inv_sd): (Vec<f64>, Vec<f64>) = if pearson {
            cols.iter()
                .map(|c| {
                    let d = pearson_ss(c);
                    (d, if d == 0.0 { 0.0 } else { 1.0 / d.sqrt() })
                })
                .unzip()
        } else {
            (Vec::new(), Vec::new())
        };
        let pearson_exact_only = d2.iter().any(|&d| d != 0.0 && d < 1e-100);
        let mut order: Vec<usize> = (0..targets.len()).collect();
        order.sort_by(|&a, &b| targets[a].id.as_bytes().cmp(targets[b].id.as_bytes()));
        let mut id_rank = vec![0u32; targets.len()];
        for (r, w) in order.windows(2).enumerate() {
            let same = targets[w[0]].id == targets[w[1]].id;
            id_rank[w[1]] = if same { id_rank[w[0]] } else { r as u32 + 1 };
        }
        Self {
            cols,
            soa,
            copies,
            norient: if opts.norc { 1 } else { 2 },
            by_width,
            d2,
            inv_sd,
            pearson_exact_only,
            id_rank,
            ccols,
            ln_bg,
            prior,
        }
    }

    /// A query's pseudocounted rows as count columns, with this database's background and
    /// prior.
    pub(super) fn count_columns(&self, rows: &[[f64; 4]], n: f64) -> Vec<CountColumn> {
        rows.iter()
            .map(|r| CountColumn::new(r, n, &self.ln_bg, self.prior))
            .collect()
    }
}
