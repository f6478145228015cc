//! Column similarity functions (`--dist`) and the column scores of one query column
//! against every database column.

use super::*;

/// Column similarity function (larger = more similar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Distance {
    /// Negative Euclidean distance (MEME 5 default).
    #[default]
    Ed,
    /// Pearson correlation with the mean fixed at 1/4 (ExplaiNN's choice).
    Pearson,
    /// Sandelin-Wasserman similarity: 2 minus the squared Euclidean distance.
    Sandelin,
    /// Negative average Kullback-Leibler divergence (base-10 logarithms).
    Kullback,
    /// Average log-likelihood ratio (Wang & Stormo 2003) of the columns' counts (site count
    /// times frequency) against the background.
    Allr,
    /// BLiC score (Habib et al. 2008) with a one-component Dirichlet prior.
    Blic1,
    /// BLiC score with a five-component Dirichlet mixture prior.
    Blic5,
    /// Log-likelihood ratio of one common source against two, one-component prior.
    Llr1,
    /// The same with the five-component prior.
    Llr5,
}

impl Distance {
    /// Every distance, in MEME's `-dist` names.
    pub const ALL: [Distance; 9] = [
        Self::Allr,
        Self::Ed,
        Self::Kullback,
        Self::Pearson,
        Self::Sandelin,
        Self::Blic1,
        Self::Blic5,
        Self::Llr1,
        Self::Llr5,
    ];

    /// MEME's `-dist` name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ed => "ed",
            Self::Pearson => "pearson",
            Self::Sandelin => "sandelin",
            Self::Kullback => "kullback",
            Self::Allr => "allr",
            Self::Blic1 => "blic1",
            Self::Blic5 => "blic5",
            Self::Llr1 => "llr1",
            Self::Llr5 => "llr5",
        }
    }

    /// Whether the column score reads the motifs' site counts (and, except for the LLRs,
    /// the background), defined in the module `counts` of this crate's sources.
    pub fn uses_counts(self) -> bool {
        matches!(
            self,
            Self::Allr | Self::Blic1 | Self::Blic5 | Self::Llr1 | Self::Llr5
        )
    }

    pub(super) fn prior(self) -> Prior {
        match self {
            Self::Blic5 | Self::Llr5 => Prior::Five,
            _ => Prior::One,
        }
    }
}

impl std::fmt::Display for Distance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Distance {
    type Err = MotifError;
    fn from_str(s: &str) -> Result<Self, MotifError> {
        match s.to_ascii_lowercase().as_str() {
            "ed" => Ok(Self::Ed),
            "pearson" | "pcc" => Ok(Self::Pearson),
            "sandelin" | "sw" => Ok(Self::Sandelin),
            "kullback" | "kl" => Ok(Self::Kullback),
            "allr" => Ok(Self::Allr),
            "blic1" => Ok(Self::Blic1),
            "blic5" => Ok(Self::Blic5),
            "llr1" => Ok(Self::Llr1),
            "llr5" => Ok(Self::Llr5),
            _ => Err(MotifError::Invalid(format!(
                "unknown distance {s:?} (allr, ed, kullback, pearson, sandelin, blic1, blic5, \
                 llr1, llr5)"
            ))),
        }
    }
}

/// Sum of squared deviations from 1/4, rounded to 14 digits after each letter.
pub(super) fn pearson_ss(c: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for &x in c {
        s = rnd(s + (x - 0.25) * (x - 0.25), 14);
    }
    s
}

/// Pearson correlation exactly as MEME computes it: the numerator rounded to 14 digits
/// after each letter; `qd` and `td` are the columns minus 1/4.
pub(super) fn pearson_exact(qd: &[f64; 4], td: [f64; 4], d1: f64, d2: f64) -> f64 {
    let mut num = 0.0;
    for a in 0..4 {
        num = rnd(num + qd[a] * td[a], 14);
    }
    let den = d1 * d2;
    if den == 0.0 { 0.0 } else { num / den.sqrt() }
}

/// Column scores of query column `qc` against every database column, into `out`. Returns
/// a bound on |written - exact| (0 when the written scores are exact); Pearson is first
/// computed without the digit rounding, then corrected wherever it could matter.
#[inline(always)]
pub(super) fn column_scores(qc: &[f64; 4], db: &TargetDb, dist: Distance, out: &mut [f64]) -> f64 {
    let n = out.len();
    let [ta, tc, tg, tt] = &db.soa;
    let (ta, tc, tg, tt) = (&ta[..n], &tc[..n], &tg[..n], &tt[..n]);
    match dist {
        Distance::Ed => {
            for j in 0..n {
                let (d0, d1, d2, d3) = (qc[0] - ta[j], qc[1] - tc[j], qc[2] - tg[j], qc[3] - tt[j]);
                let s = d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
                out[j] = -s.sqrt();
            }
            0.0
        }
        Distance::Sandelin => {
            for j in 0..n {
                let (d0, d1, d2, d3) = (qc[0] - ta[j], qc[1] - tc[j], qc[2] - tg[j], qc[3] - tt[j]);
                let s = d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
                out[j] = 2.0 - s;
            }
            0.0
        }
        Distance::Kullback => {
            for (o, t) in out.iter_mut().zip(&db.cols) {
                let mut s = 0.0;
                for a in 0..4 {
                    s += qc[a] * (qc[a] / t[a]).log10() + t[a] * (t[a] / qc[a]).log10();
                }
                *o = -(s / 2.0);
            }
            0.0
        }
        Distance::Pearson => {
            let d1 = pearson_ss(qc);
            let qd = qc.map(|x| x - 0.25);
            if db.pearson_exact_only || (d1 != 0.0 && d1 < 1e-100) {
                for j in 0..n {
                    out[j] = pearson_exact(&qd, [ta[j], tc[j], tg[j], tt[j]], d1, db.d2[j]);
                }
                return 0.0;
            }
            let iq = if d1 == 0.0 { 0.0 } else { 1.0 / d1.sqrt() };
            let isd = &db.inv_sd[..n];
            for j in 0..n {
                let num = qd[0] * ta[j] + qd[1] * tc[j] + qd[2] * tg[j] + qd[3] * tt[j];
                out[j] = num * (iq * isd[j]);
            }
            // Each of the four roundings moves the numerator by at most 5e-14 of a partial
            // sum, and |partial sums| <= sqrt(d1 d2) (Cauchy-Schwarz): |error| < 3e-13.
            1e-11
        }
        _ => unreachable!("the count-based distances are scored by count_scores"),
    }
}

/// Scores of a query column against every database column for the count-based
/// distances (exact: no correction step).
pub(super) fn count_scores(qc: &CountColumn, db: &TargetDb, dist: Distance, out: &mut [f64]) {
    let t = &db.ccols[..out.len()];
    match dist {
        Distance::Allr => {
            for (o, tc) in out.iter_mut().zip(t) {
                *o = crate::counts::allr(qc, tc);
            }
        }
        Distance::Llr1 | Distance::Llr5 => {
            for (o, tc) in out.iter_mut().zip(t) {
                *o = crate::counts::llr(db.prior, qc, tc);
            }
        }
        Distance::Blic1 | Distance::Blic5 => {
            for (o, tc) in out.iter_mut().zip(t) {
                *o = crate::counts::blic(db.prior, qc, tc, &db.ln_bg);
            }
        }
        _ => unreachable!("count_scores is only called for the count-based distances"),
    }
}

/// The exact score of query column `qc` with database column `j` (used where the
/// approximate one could change a result).
pub(super) fn exact_score(qc: &[f64; 4], db: &TargetDb, dist: Distance, j: usize) -> f64 {
    match dist {
        Distance::Pearson => {
            let td = std::array::from_fn(|a| db.soa[a][j]);
            pearson_exact(&qc.map(|x| x - 0.25), td, pearson_ss(qc), db.d2[j])
        }
        _ => {
            let mut v = [0.0];
            let one = TargetDb1(db, j);
            one.score(qc, dist, &mut v);
            v[0]
        }
    }
}
