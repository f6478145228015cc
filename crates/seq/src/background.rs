//! GC-content-matched background sequences: choose, from a pool of candidate sequences or
//! from random genome windows, a set whose GC histogram equals that of the positives.

use crate::SeqError;
use crate::bed::Genome;
use crate::encode::{gc_fraction, is_acgt};
use rand::Rng;
use rand::seq::SliceRandom;

/// Number of GC bins used by default (1% wide).
pub const DEFAULT_BINS: usize = 100;

fn bin_of(gc: f64, bins: usize) -> usize {
    ((gc * bins as f64).floor() as usize).min(bins - 1)
}

/// The result of a GC-matched draw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GcDraw {
    /// Indices into the candidates (for [`match_gc`]) chosen, one per target.
    pub picked: Vec<usize>,
    /// How many of them came from a neighbouring GC bin because the target's own bin ran out.
    pub borrowed: usize,
}

/// Count of values per GC bin (`bins` equal-width bins over [0, 1], the last one closed).
pub fn gc_histogram(gc: &[f64], bins: usize) -> Vec<usize> {
    let mut h = vec![0usize; bins];
    for &g in gc {
        h[bin_of(g, bins)] += 1;
    }
    h
}

/// Why a strict GC-matched draw ([`match_gc_strict`], [`sample_genome_windows_strict`])
/// failed: the bins whose candidates are fewer than the targets they hold.
#[derive(Debug, Clone, PartialEq)]
pub struct GcShortfall {
    /// Number of bins.
    pub bins: usize,
    /// `(bin, targets in it, candidates in it)` for every short bin, in bin order.
    pub short: Vec<(usize, usize, usize)>,
    /// Targets that can be matched within their own bin.
    pub matched: usize,
    /// All targets.
    pub targets: usize,
    /// All candidates (background sequences, or genome windows looked at).
    pub candidates: usize,
}

impl GcShortfall {
    /// The background size that, with the same GC distribution, would fill every short bin
    /// (`candidates × targets / candidates-in-bin`, largest over the short bins, rounded
    /// up); `None` when a short bin has no candidate at all.
    pub fn needed_background(&self) -> Option<usize> {
        let mut need = self.candidates;
        for &(_, t, c) in &self.short {
            if c == 0 {
                return None;
            }
            need = need.max((self.candidates * t).div_ceil(c));
        }
        Some(need)
    }

    /// The short bins as `66–67% GC: 40 positives, 12 available`, at most `max` of them.
    pub fn describe_bins(&self, max: usize) -> String {
        let w = 100.0 / self.bins as f64;
        let mut parts: Vec<String> = self
            .short
            .iter()
            .take(max)
            .map(|&(b, t, c)| {
                format!(
                    "{}–{}% GC: {t} positives, {c} available",
                    fmt_pct(b as f64 * w),
                    fmt_pct((b + 1) as f64 * w)
                )
            })
            .collect();
        if self.short.len() > max {
            parts.push(format!("and {} more bins", self.short.len() - max));
        }
        parts.join("; ")
    }
}

fn fmt_pct(x: f64) -> String {
    if (x - x.round()).abs() < 1e-9 {
        format!("{}", x.round() as i64)
    } else {
        format!("{x:.1}")
    }
}

/// For every target GC value, draw one candidate without replacement from the same GC bin
/// (`bins` equal-width bins over [0, 1]), so the drawn GC histogram equals the targets'
/// exactly. When a bin holds fewer candidates than targets, nothing is drawn and the
/// shortfall is returned (see [`match_gc`] for the variant that borrows from neighbours).
pub fn match_gc_strict<R: Rng + ?Sized>(
    target_gc: &[f64],
    candidate_gc: &[f64],
    bins: usize,
    rng: &mut R,
) -> Result<GcDraw, GcShortfall> {
    let need = gc_histogram(target_gc, bins);
    let have = gc_histogram(candidate_gc, bins);
    let short: Vec<(usize, usize, usize)> = (0..bins)
        .filter(|&b| have[b] < need[b])
        .map(|b| (b, need[b], have[b]))
        .collect();
    if !short.is_empty() {
        return Err(GcShortfall {
            bins,
            matched: (0..bins).map(|b| need[b].min(have[b])).sum(),
            short,
            targets: target_gc.len(),
            candidates: candidate_gc.len(),
        });
    }
    let draw = match_gc(target_gc, candidate_gc, bins, rng)
        .expect("every bin holds enough candidates, so there are enough in total");
    debug_assert_eq!(draw.borrowed, 0);
    Ok(draw)
}

/// For every target GC value, draw one candidate without replacement from the same GC bin
/// (`bins` equal-width bins over [0, 1]); when that bin is exhausted, from the nearest
/// non-empty bin (lower first on ties). Fails if there are fewer candidates than targets.
pub fn match_gc<R: Rng + ?Sized>(
    target_gc: &[f64],
    candidate_gc: &[f64],
    bins: usize,
    rng: &mut R,
) -> Result<GcDraw, SeqError> {
    if candidate_gc.len() < target_gc.len() {
        return Err(SeqError::Invalid(format!(
            "only {} background sequences for {} positives: GC matching needs at least as many",
            candidate_gc.len(),
            target_gc.len()
        )));
    }
    let mut pool: Vec<Vec<usize>> = vec![Vec::new(); bins];
    for (i, &g) in candidate_gc.iter().enumerate() {
        pool[bin_of(g, bins)].push(i);
    }
    for p in &mut pool {
        p.shuffle(rng);
    }
    let mut draw = GcDraw::default();
    for &g in target_gc {
        let b = bin_of(g, bins) as isize;
        let mut found = None;
        for d in 0..bins as isize {
            for nb in [b - d, b + d] {
                if nb >= 0 && (nb as usize) < bins && !pool[nb as usize].is_empty() {
                    found = Some(nb as usize);
                    break;
                }
            }
            if found.is_some() {
                break;
            }
        }
        let nb = found.expect("enough candidates in total");
        if nb != b as usize {
            draw.borrowed += 1;
        }
        draw.picked.push(pool[nb].pop().expect("non-empty bin"));
    }
    Ok(draw)
}

/// A window drawn from a genome.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub chrom: String,
    pub start: u64,
    pub seq: Vec<u8>,
}

/// Draw random genome windows of `length` (uniform over all positions, no N) whose GC
/// histogram matches `target_gc`: windows are drawn until every bin holds as many as the
/// targets need, or until `max_draws` windows were looked at; then the remaining targets
/// take windows from the nearest bins. Also returns how many were borrowed that way.
pub fn sample_genome_windows<R: Rng + ?Sized>(
    genome: &mut Genome,
    length: u64,
    target_gc: &[f64],
    bins: usize,
    max_draws: usize,
    rng: &mut R,
) -> Result<(Vec<Window>, usize), SeqError> {
    match sample_genome_windows_inner(genome, length, target_gc, bins, max_draws, true, rng)? {
        Ok(v) => Ok(v),
        Err(_) => unreachable!("borrowing never reports a shortfall"),
    }
}

/// [`sample_genome_windows`] without borrowing: when some bin is still short after
/// `max_draws` windows, the shortfall is returned instead (its `candidates` is the number of
/// N-free windows looked at).
pub fn sample_genome_windows_strict<R: Rng + ?Sized>(
    genome: &mut Genome,
    length: u64,
    target_gc: &[f64],
    bins: usize,
    max_draws: usize,
    rng: &mut R,
) -> Result<Result<Vec<Window>, GcShortfall>, SeqError> {
    Ok(
        sample_genome_windows_inner(genome, length, target_gc, bins, max_draws, false, rng)?
            .map(|(w, _)| w),
    )
}

#[allow(clippy::type_complexity)]
fn sample_genome_windows_inner<R: Rng + ?Sized>(
    genome: &mut Genome,
    length: u64,
    target_gc: &[f64],
    bins: usize,
    max_draws: usize,
    borrow: bool,
    rng: &mut R,
) -> Result<Result<(Vec<Window>, usize), GcShortfall>, SeqError> {
    let chroms: Vec<(String, u64)> = genome
        .chromosomes()
        .iter()
        .filter(|(_, l)| *l >= length)
        .cloned()
        .collect();
    let total: u64 = chroms.iter().map(|(_, l)| l - length + 1).sum();
    if chroms.is_empty() || total == 0 {
        return Err(SeqError::Invalid(format!(
            "no chromosome of the genome is at least {length} bp long"
        )));
    }
    let mut need = vec![0usize; bins];
    for &g in target_gc {
        need[bin_of(g, bins)] += 1;
    }
    let mut missing: usize = target_gc.len();
    let mut kept: Vec<Vec<Window>> = vec![Vec::new(); bins];
    let mut spare: Vec<Window> = Vec::new();
    let mut draws = 0;
    let mut looked_at = 0;
    let mut seen = vec![0usize; bins];
    while missing > 0 && draws < max_draws {
        draws += 1;
        let mut x = rng.random_range(0..total);
        let (chrom, start) = chroms
            .iter()
            .find_map(|(c, l)| {
                let n = l - length + 1;
                if x < n {
                    Some((c.clone(), x))
                } else {
                    x -= n;
                    None
                }
            })
            .expect("position within the genome");
        let seq = genome.fetch(&chrom, start, start + length)?;
        if !is_acgt(&seq) {
            continue;
        }
        let b = bin_of(gc_fraction(&seq), bins);
        looked_at += 1;
        seen[b] += 1;
        let w = Window { chrom, start, seq };
        if kept[b].len() < need[b] {
            kept[b].push(w);
            missing -= 1;
        } else if spare.len() < target_gc.len() {
            spare.push(w);
        }
    }
    if missing > 0 && !borrow {
        let short: Vec<(usize, usize, usize)> = (0..bins)
            .filter(|&b| kept[b].len() < need[b])
            .map(|b| (b, need[b], seen[b]))
            .collect();
        return Ok(Err(GcShortfall {
            bins,
            short,
            matched: target_gc.len() - missing,
            targets: target_gc.len(),
            candidates: looked_at,
        }));
    }
    // Assign windows to targets in target order, borrowing from spares when a bin is short.
    let spare_gc: Vec<f64> = spare.iter().map(|w| gc_fraction(&w.seq)).collect();
    let short: Vec<f64> = {
        let mut have: Vec<usize> = kept.iter().map(Vec::len).collect();
        target_gc
            .iter()
            .filter(|&&g| {
                let b = bin_of(g, bins);
                if have[b] > 0 {
                    have[b] -= 1;
                    false
                } else {
                    true
                }
            })
            .copied()
            .collect()
    };
    let extra = match_gc(&short, &spare_gc, bins, rng).map_err(|_| {
        SeqError::Invalid(format!(
            "could not find {} N-free {length} bp genome windows after {draws} draws",
            target_gc.len()
        ))
    })?;
    // A short bin never received a spare (spares only come from full bins), so every
    // window found for a short target is borrowed from another bin.
    let borrowed = short.len();
    let mut out: Vec<Window> = kept.into_iter().flatten().collect();
    out.extend(extra.picked.into_iter().map(|i| spare[i].clone()));
    Ok(Ok((out, borrowed)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn matched_histogram_is_exact_when_bins_suffice() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let targets: Vec<f64> = (0..200).map(|i| 0.3 + 0.002 * (i % 100) as f64).collect();
        let cands: Vec<f64> = (0..5000).map(|_| rng.random::<f64>()).collect();
        let d = match_gc(&targets, &cands, 100, &mut rng).unwrap();
        assert_eq!(d.borrowed, 0);
        let mut a: Vec<usize> = targets.iter().map(|&g| bin_of(g, 100)).collect();
        let mut b: Vec<usize> = d.picked.iter().map(|&i| bin_of(cands[i], 100)).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
        let mut p = d.picked.clone();
        p.sort();
        p.dedup();
        assert_eq!(p.len(), 200, "drawn without replacement");
    }

    #[test]
    fn short_bins_borrow_from_neighbours_and_too_few_is_an_error() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let d = match_gc(&[0.505, 0.505], &[0.505, 0.515, 0.9], 100, &mut rng).unwrap();
        assert_eq!(d.borrowed, 1);
        let mut p = d.picked.clone();
        p.sort();
        assert_eq!(p, [0, 1]);
        assert!(match_gc(&[0.5; 4], &[0.5; 3], 100, &mut rng).is_err());
    }

    #[test]
    fn strict_matching_never_borrows_and_reports_the_shortfall() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // Enough in every bin: the histogram is exact.
        let d = match_gc_strict(&[0.505, 0.515], &[0.9, 0.515, 0.505], 100, &mut rng).unwrap();
        let mut p = d.picked.clone();
        p.sort();
        assert_eq!(p, [1, 2]);
        // Bin 50 holds 2 targets but 1 candidate; bin 66 holds 2 targets and no candidate.
        let e = match_gc_strict(
            &[0.505, 0.505, 0.665, 0.665],
            &[0.505, 0.2, 0.3, 0.4],
            100,
            &mut rng,
        )
        .unwrap_err();
        assert_eq!(e.short, [(50, 2, 1), (66, 2, 0)]);
        assert_eq!(e.matched, 1);
        assert_eq!(e.needed_background(), None);
        assert!(
            e.describe_bins(5)
                .contains("66–67% GC: 2 positives, 0 available"),
            "{}",
            e.describe_bins(5)
        );
        let e =
            match_gc_strict(&[0.505, 0.505], &[0.505, 0.2, 0.3, 0.4], 100, &mut rng).unwrap_err();
        // 1 of 4 candidates is in bin 50, which needs 2: about 8 would do.
        assert_eq!(e.needed_background(), Some(8));
    }
}
