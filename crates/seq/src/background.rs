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
        let w = Window { chrom, start, seq };
        if kept[b].len() < need[b] {
            kept[b].push(w);
            missing -= 1;
        } else if spare.len() < target_gc.len() {
            spare.push(w);
        }
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
    Ok((out, borrowed))
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
}
