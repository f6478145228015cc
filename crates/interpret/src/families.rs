//! Honest ranking and unit families (issue 20, item 4).
//!
//! **Ranking.** The original ranks units by the median importance over each unit's
//! activating (sequence, strand) pairs ([`crate::importance`]): a unit activated by 3 of
//! 3,900 sequences can rank first. Here each unit also gets its *explained contribution*
//! to class c: Σ over its activating pairs of o_u·W[c, u], divided by all scanned pairs —
//! the mean over every selected sequence and strand of the unit's contribution, counting 0
//! where the unit is not active. It grows with both the size of the contribution and the
//! number of sequences the unit explains; units are ranked by its largest magnitude over
//! classes.
//!
//! **Families.** Units whose PWMs match one another (an all-vs-all Tomtom, complete
//! linkage on symmetric p-values, cut at 1e-3: [`explainn_motif::cluster`]) form a family;
//! a family's explained contribution is the sum of its members', so a model with five
//! CTCF-like units reads as one CTCF family. Units without sites (uniform PWMs) stay alone.

use crate::activations::UnitScan;
use crate::annotate::UnitAnnotation;
use crate::importance::{Importance, order_by};
use explainn_motif::Motif;
use explainn_motif::cluster::{ClusterOptions, cluster_motifs};
use std::io::Write;

/// Explained contributions and support of every unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub units: usize,
    pub classes: usize,
    /// Explained contribution `(U, C)` row-major.
    pub explained: Vec<f64>,
    /// Distinct sequences with at least one activating strand `(U)`.
    pub n_sequences: Vec<usize>,
    /// Units by decreasing largest |explained contribution| over classes.
    pub order: Vec<usize>,
}

/// The ranking from a scan of `pairs` (sequence, strand) pairs and the final layer W
/// `(C, U)`.
///
/// ```
/// use explainn_interpret::activations::{Activating, UnitScan};
/// use explainn_interpret::families::rank;
/// use explainn_interpret::pwm::SiteCounts;
/// let act = |seq, output| Activating { seq, reverse: false, output };
/// let scan = UnitScan {
///     max_activation: vec![1.0, 1.0],
///     thresholds: vec![0.5, 0.5],
///     sites: SiteCounts::new(2, 3),
///     // unit 0: one sequence with a large output; unit 1: three with a smaller one
///     activating: vec![vec![act(0, 9.0)], (0..3).map(|s| act(s, 4.0)).collect()],
/// };
/// let r = rank(&scan, &[1.0, 1.0], 1, 4);
/// assert_eq!(r.explained, vec![9.0 / 4.0, 12.0 / 4.0]);
/// assert_eq!(r.order, vec![1, 0]); // the unit explaining more sequences first
/// ```
pub fn rank(scan: &UnitScan, weights: &[f32], classes: usize, pairs: usize) -> Ranking {
    let units = scan.activating.len();
    assert_eq!(weights.len(), units * classes, "weights are not (C, U)");
    let mut explained = vec![0f64; units * classes];
    let mut n_sequences = vec![0usize; units];
    for (u, acts) in scan.activating.iter().enumerate() {
        let total: f64 = acts.iter().map(|a| a.output as f64).sum();
        for c in 0..classes {
            explained[u * classes + c] =
                total * weights[c * units + u] as f64 / pairs.max(1) as f64;
        }
        let mut seqs: Vec<u32> = acts.iter().map(|a| a.seq).collect();
        seqs.dedup(); // activating pairs come sorted by sequence
        n_sequences[u] = seqs.len();
    }
    let largest = |u: usize| {
        (0..classes)
            .map(|c| explained[u * classes + c].abs())
            .fold(0.0, f64::max)
    };
    let order = order_by(units, largest);
    Ranking {
        units,
        classes,
        explained,
        n_sequences,
        order,
    }
}

/// A family of units with matching PWMs.
#[derive(Debug, Clone, PartialEq)]
pub struct Family {
    /// Members, in unit order.
    pub members: Vec<usize>,
    /// The member whose PWM matches the others best.
    pub representative: usize,
    /// The label most members carry (`"CTCF-like"`), else the representative's.
    pub label: String,
    /// Summed explained contribution `(C)`.
    pub explained: Vec<f64>,
}

/// Families of the units with sites: `motifs` and `ann` per unit, `ranking` from
/// [`rank`]. Returns the families of two or more units (by decreasing largest
/// |explained contribution|) and each unit's family index.
pub fn families(
    motifs: &[Motif],
    ann: &[UnitAnnotation],
    ranking: &Ranking,
) -> crate::Result<(Vec<Family>, Vec<Option<usize>>)> {
    let with_sites: Vec<usize> = (0..motifs.len()).filter(|&u| ann[u].nsites > 0).collect();
    let mut assignment = vec![None; motifs.len()];
    if with_sites.len() < 2 {
        return Ok((Vec::new(), assignment));
    }
    let subset: Vec<Motif> = with_sites.iter().map(|&u| motifs[u].clone()).collect();
    let clustering = cluster_motifs(&subset, None, &ClusterOptions::default())?;
    let c = ranking.classes;
    let mut fams: Vec<Family> = clustering
        .clusters
        .iter()
        .filter(|k| k.members.len() >= 2)
        .map(|k| {
            let members: Vec<usize> = k.members.iter().map(|m| with_sites[m.index]).collect();
            let representative = with_sites[k.representative];
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for &u in &members {
                if ann[u].best.is_some() {
                    match counts.iter_mut().find(|(l, _)| *l == ann[u].label) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((&ann[u].label, 1)),
                    }
                }
            }
            let label = counts
                .iter()
                .max_by_key(|(_, n)| *n)
                .filter(|(_, n)| 2 * n >= members.len())
                .map_or_else(|| ann[representative].display(), |(l, _)| l.to_string());
            let explained = (0..c)
                .map(|k| members.iter().map(|&u| ranking.explained[u * c + k]).sum())
                .collect();
            Family {
                members,
                representative,
                label,
                explained,
            }
        })
        .collect();
    let largest = |f: &Family| f.explained.iter().map(|v| v.abs()).fold(0.0, f64::max);
    fams.sort_by(|a, b| {
        largest(b)
            .total_cmp(&largest(a))
            .then(a.members.cmp(&b.members))
    });
    for (i, f) in fams.iter().enumerate() {
        for &u in &f.members {
            assignment[u] = Some(i);
        }
    }
    Ok((fams, assignment))
}

fn num(v: f64) -> String {
    crate::tables::format_number(v, Some(6))
}

/// `ranking.tsv`: `rank, unit, label, family, n_sequences, n_pairs, sites`, then per class
/// `explained_CLASS` (the ranking statistic) and `median_CLASS` (the original's median
/// importance, as in `importance.tsv`), rows by rank.
pub fn write_ranking(
    w: &mut impl Write,
    ranking: &Ranking,
    importance: &Importance,
    assignment: &[Option<usize>],
    class_names: &[String],
    ann: &[UnitAnnotation],
) -> std::io::Result<()> {
    let ex: Vec<String> = class_names
        .iter()
        .map(|c| format!("explained_{c}"))
        .collect();
    let med: Vec<String> = class_names.iter().map(|c| format!("median_{c}")).collect();
    writeln!(
        w,
        "rank\tunit\tlabel\tfamily\tn_sequences\tn_pairs\tsites\t{}\t{}",
        ex.join("\t"),
        med.join("\t")
    )?;
    let c = ranking.classes;
    for (r, &u) in ranking.order.iter().enumerate() {
        let fam = assignment[u].map_or("-".to_string(), |f| format!("F{}", f + 1));
        write!(
            w,
            "{}\tunit{u}\t{}\t{fam}\t{}\t{}\t{}",
            r + 1,
            ann[u].label,
            ranking.n_sequences[u],
            importance.n_activating[u],
            ann[u].nsites
        )?;
        for k in 0..c {
            write!(w, "\t{}", num(ranking.explained[u * c + k]))?;
        }
        for k in 0..c {
            write!(w, "\t{}", num(importance.get(u, k)))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// `families.tsv`: `family, label, size, representative, members`, then per class
/// `explained_CLASS` (summed over the members), rows by decreasing largest magnitude.
pub fn write_families(
    w: &mut impl Write,
    fams: &[Family],
    class_names: &[String],
) -> std::io::Result<()> {
    let ex: Vec<String> = class_names
        .iter()
        .map(|c| format!("explained_{c}"))
        .collect();
    writeln!(
        w,
        "family\tlabel\tsize\trepresentative\tmembers\t{}",
        ex.join("\t")
    )?;
    for (i, f) in fams.iter().enumerate() {
        let members: Vec<String> = f.members.iter().map(|u| format!("unit{u}")).collect();
        write!(
            w,
            "F{}\t{}\t{}\tunit{}\t{}",
            i + 1,
            f.label,
            f.members.len(),
            f.representative,
            members.join(",")
        )?;
        for v in &f.explained {
            write!(w, "\t{}", num(*v))?;
        }
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_motif::MatrixKind;

    fn motif(id: &str, s: &[u8]) -> Motif {
        let rows = s
            .iter()
            .map(|&c| {
                let mut r = [0.03; 4];
                r[explainn_motif::motif::letter_index(c).unwrap()] = 0.91;
                r
            })
            .collect();
        Motif::new(id, rows, MatrixKind::Probabilities)
    }

    fn annotation(unit: usize, label: &str, nsites: u64) -> UnitAnnotation {
        UnitAnnotation {
            unit,
            label: label.into(),
            best: None,
            nsites,
        }
    }

    #[test]
    fn matching_units_form_a_family_with_summed_contributions() {
        // units 0 and 2 carry the same motif (2 as its reverse complement); unit 3 too but
        // without sites (a uniform PWM), so it stays alone
        let motifs = [
            motif("u0", b"AGATAAGA"),
            motif("u1", b"CACGTGAC"),
            motif("u2", b"TCTTATCT"),
            motif("u3", b"AGATAAGA"),
        ];
        let ann = [
            annotation(0, "unit 0", 10),
            annotation(1, "unit 1", 10),
            annotation(2, "unit 2", 10),
            annotation(3, "unit 3", 0),
        ];
        let ranking = Ranking {
            units: 4,
            classes: 2,
            explained: vec![0.5, -0.1, 0.2, 0.0, 0.25, 0.3, 9.0, 9.0],
            n_sequences: vec![5, 5, 5, 0],
            order: vec![3, 0, 2, 1],
        };
        let (fams, assignment) = families(&motifs, &ann, &ranking).unwrap();
        assert_eq!(fams.len(), 1);
        assert_eq!(fams[0].members, vec![0, 2]);
        assert!((fams[0].explained[0] - 0.75).abs() < 1e-12);
        assert!((fams[0].explained[1] - 0.2).abs() < 1e-12);
        assert_eq!(assignment, vec![Some(0), None, Some(0), None]);
        let mut text = Vec::new();
        write_families(&mut text, &fams, &["a".into(), "b".into()]).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .ends_with("\tunit0,unit2\t0.750000\t0.200000"),
            "{text}"
        );
    }
}
