//! `explainn motifs score`: how well each motif alone separates the classes of a labelled
//! sequence set (the original's `meme2scores.py`). Every sequence is scored with every
//! motif's FIMO log-odds matrix over both strands ([`SequenceScorer`]), reduced to one
//! number per sequence (best hit, or the log-sum of all windows), and per class the
//! scores' AUROC and AUPRC (average precision) against the 0/1 labels are computed.
//!
//! The sequence file is streamed: batches of [`BATCH`] rows are scored on all threads and
//! only the scores (4 bytes per motif and sequence) are kept.
//!
//! ```
//! use std::io::Write;
//! use explainn_motif::{MatrixKind, Motif};
//! use explainn_run::motifs::score::{ScoreMotifsOptions, score_motifs};
//! let dir = tempfile::tempdir().unwrap();
//! let data = dir.path().join("d.tsv");
//! let mut f = std::fs::File::create(&data).unwrap();
//! writeln!(f, "#id\tseq\tbound").unwrap();
//! for i in 0..20 {
//!     let site = if i % 2 == 0 { "GATAAG" } else { "CCCCCC" };
//!     writeln!(f, "s{i}\tTTCC{site}CCTT\t{}", (i + 1) % 2).unwrap();
//! }
//! drop(f);
//! let gata = Motif::new("GATA", vec![[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0],
//!     [0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]], MatrixKind::Probabilities);
//! let table = score_motifs(&[gata], &data, &ScoreMotifsOptions::default(), |_| {}).unwrap();
//! assert_eq!(table.class_names, ["bound"]);
//! assert_eq!((table.rows[0].auroc, table.rows[0].auprc), (1.0, 1.0));
//! assert_eq!(table.sequences, 20);
//! ```

use crate::{Result, RunError, file_error};
use explainn_motif::score::{ScoreOptions, SequenceScorer};
use explainn_motif::{Background, Motif};
use explainn_nn::metrics::{auroc, average_precision};
use explainn_seq::dataset::{LabelledRecord, TsvReader};
use rayon::prelude::*;
use std::io::{BufRead, Write};
use std::path::Path;

/// Rows scored together on all threads.
pub const BATCH: usize = 2048;

/// Options of [`score_motifs`].
#[derive(Debug, Clone, Copy)]
pub struct ScoreMotifsOptions {
    /// Window scoring and reduction (FIMO's pseudocount 0.1, both strands, best hit).
    pub score: ScoreOptions,
    /// Background the log-odds are taken against (default uniform; FIMO symmetrises it when
    /// both strands are scored).
    pub background: Background,
}

impl Default for ScoreMotifsOptions {
    fn default() -> Self {
        Self {
            score: ScoreOptions::default(),
            background: Background::uniform(),
        }
    }
}

/// One motif's separation of one class.
#[derive(Debug, Clone, PartialEq)]
pub struct MotifClassScore {
    /// The motif's id.
    pub motif_id: String,
    /// The motif's alternative name (empty when none).
    pub motif_alt_id: String,
    /// The class (label column) name.
    pub class: String,
    /// Rank by AUPRC within the class, 1 = best.
    pub rank: usize,
    /// Area under the ROC curve (NaN when the class has only one label value).
    pub auroc: f64,
    /// Average precision (NaN without positives).
    pub auprc: f64,
}

/// The result of [`score_motifs`]: rows by class (file order), then by AUPRC, best first
/// (NaN last, ties in motif order).
#[derive(Debug, Clone, PartialEq)]
pub struct MotifScoreTable {
    /// Class names (the header's, else `0..C-1`).
    pub class_names: Vec<String>,
    /// Number of sequences read.
    pub sequences: usize,
    /// Positives per class.
    pub positives: Vec<usize>,
    /// Letters scored, over all sequences (for throughput).
    pub bases: u64,
    /// One row per motif and class.
    pub rows: Vec<MotifClassScore>,
}

/// The header line of [`MotifScoreTable::write_tsv`].
pub const SCORES_HEADER: &str = "class\trank\tmotif_id\tmotif_alt_id\tauroc\tauprc";

/// Score every motif on every sequence of the ExplaiNN TSV file `data` (labels 0 or 1, one
/// column per class) and rank the motifs per class by AUPRC. `progress` is called with the
/// number of sequences scored so far after every batch.
pub fn score_motifs(
    motifs: &[Motif],
    data: &Path,
    opts: &ScoreMotifsOptions,
    mut progress: impl FnMut(usize),
) -> Result<MotifScoreTable> {
    if motifs.is_empty() {
        return Err(RunError::Data("no motifs to score".into()));
    }
    explainn_motif::fimo::check_pseudocount(motifs, opts.score.motif_pseudo)
        .map_err(|e| RunError::Data(e.to_string()))?;
    let scorer = SequenceScorer::new(motifs, &opts.background, &opts.score);
    let m = motifs.len();
    let mut reader = TsvReader::open(data)?;
    // scores[k] holds motif k's score of every sequence so far.
    let mut scores: Vec<Vec<f32>> = vec![Vec::new(); m];
    let mut labels: Vec<Vec<bool>> = Vec::new();
    let mut bases = 0u64;
    let mut batch: Vec<LabelledRecord> = Vec::with_capacity(BATCH);
    let mut n = 0usize;
    loop {
        batch.clear();
        for r in reader.by_ref().take(BATCH) {
            batch.push(r?);
        }
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            if labels.is_empty() {
                if r.labels.is_empty() {
                    return Err(file_error(
                        data,
                        format!(
                            "line {}: no label column; motifs are scored against 0/1 labels \
                             (`explainn prepare` writes them)",
                            r.line
                        ),
                    ));
                }
                labels = vec![Vec::new(); r.labels.len()];
            }
            for (c, &v) in r.labels.iter().enumerate() {
                if v != 0.0 && v != 1.0 {
                    return Err(file_error(
                        data,
                        format!(
                            "line {}: label {v} in column {} is not 0 or 1; motifs are \
                             scored against binary labels (one 0/1 column per class)",
                            r.line,
                            c + 3
                        ),
                    ));
                }
                labels[c].push(v == 1.0);
            }
            bases += r.seq.len() as u64;
        }
        let rows: Vec<Vec<f64>> = batch
            .par_iter()
            .map(|r| {
                let mut out = vec![0.0; m];
                scorer.score(&r.seq, &mut out);
                out
            })
            .collect();
        for row in &rows {
            for (k, &s) in row.iter().enumerate() {
                scores[k].push(s as f32);
            }
        }
        n += batch.len();
        progress(n);
    }
    if n == 0 {
        return Err(file_error(data, "no sequences found"));
    }
    let class_names: Vec<String> = reader
        .class_names()
        .map(<[String]>::to_vec)
        .unwrap_or_else(|| (0..labels.len()).map(|c| c.to_string()).collect());
    // Per class and motif: (AUROC, AUPRC), in parallel over motifs.
    let metrics: Vec<Vec<(f64, f64)>> = scores
        .par_iter()
        .map(|s| {
            let s: Vec<f64> = s.iter().map(|&x| x as f64).collect();
            labels
                .iter()
                .map(|l| (auroc(&s, l), average_precision(&s, l)))
                .collect()
        })
        .collect();
    let mut rows = Vec::with_capacity(m * labels.len());
    for (c, class) in class_names.iter().enumerate() {
        let mut order: Vec<usize> = (0..m).collect();
        let key = |k: usize| metrics[k][c].1;
        order.sort_by(|&a, &b| match (key(a).is_nan(), key(b).is_nan()) {
            (false, false) => key(b).total_cmp(&key(a)).then(a.cmp(&b)),
            (x, y) => x.cmp(&y).then(a.cmp(&b)),
        });
        for (rank, &k) in order.iter().enumerate() {
            rows.push(MotifClassScore {
                motif_id: motifs[k].id.clone(),
                motif_alt_id: motifs[k].alt_name.clone().unwrap_or_default(),
                class: class.clone(),
                rank: rank + 1,
                auroc: metrics[k][c].0,
                auprc: metrics[k][c].1,
            });
        }
    }
    Ok(MotifScoreTable {
        positives: labels
            .iter()
            .map(|l| l.iter().filter(|&&x| x).count())
            .collect(),
        class_names,
        sequences: n,
        bases,
        rows,
    })
}

fn fmt_metric(x: f64) -> String {
    if x.is_nan() {
        "NA".into()
    } else {
        format!("{x:.6}")
    }
}

impl MotifScoreTable {
    /// Write the rows as TSV: [`SCORES_HEADER`], then one line per motif and class, metrics
    /// with 6 decimals (`NA` when undefined).
    pub fn write_tsv(&self, w: &mut impl Write) -> std::io::Result<()> {
        writeln!(w, "{SCORES_HEADER}")?;
        for r in &self.rows {
            writeln!(
                w,
                "{}\t{}\t{}\t{}\t{}\t{}",
                r.class,
                r.rank,
                r.motif_id,
                r.motif_alt_id,
                fmt_metric(r.auroc),
                fmt_metric(r.auprc)
            )?;
        }
        Ok(())
    }

    /// Read the rows written by [`write_tsv`](Self::write_tsv) (the counts are not in the
    /// file: `sequences`, `positives` and `bases` come back as 0 and empty).
    pub fn read_rows(path: &Path) -> Result<Vec<MotifClassScore>> {
        let text = explainn_seq::records::open_text(path)?;
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.map_err(|e| file_error(path, e))?;
            if i == 0 {
                if line != SCORES_HEADER {
                    return Err(file_error(
                        path,
                        format!("line 1: expected the header {SCORES_HEADER:?}"),
                    ));
                }
                continue;
            }
            let c: Vec<&str> = line.split('\t').collect();
            let bad = |what: &str| file_error(path, format!("line {}: {what}", i + 1));
            if c.len() != 6 {
                return Err(bad("expected 6 tab-separated columns"));
            }
            let num = |s: &str| -> Result<f64> {
                if s == "NA" {
                    Ok(f64::NAN)
                } else {
                    s.parse()
                        .map_err(|_| bad(&format!("{s:?} is not a number")))
                }
            };
            rows.push(MotifClassScore {
                class: c[0].to_string(),
                rank: c[1]
                    .parse()
                    .map_err(|_| bad("rank is not a whole number"))?,
                motif_id: c[2].to_string(),
                motif_alt_id: c[3].to_string(),
                auroc: num(c[4])?,
                auprc: num(c[5])?,
            });
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use explainn_motif::MatrixKind;
    use explainn_motif::score::Reduce;

    fn motif(id: &str, consensus: &[u8]) -> Motif {
        let rows = consensus
            .iter()
            .map(|&c| {
                let mut r = [0.02; 4];
                r[explainn_motif::motif::letter_index(c).unwrap()] = 0.94;
                r
            })
            .collect();
        Motif::new(id, rows, MatrixKind::Probabilities)
    }

    fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
        let p = dir.path().join("d.tsv");
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Metrics equal AUROC / AP computed directly from the scorer's scores, per class, and
    /// the rows are ranked by AUPRC.
    #[test]
    fn table_matches_direct_metrics_and_is_ranked() {
        let dir = tempfile::tempdir().unwrap();
        let motifs = [
            motif("gata", b"GATAAG"),
            motif("ebox", b"CAGCTG"),
            motif("aaa", b"AAAA"),
        ];
        let mut text = String::from("#id\tseq\tgata\tebox\n");
        let mut seqs = Vec::new();
        let mut lab = Vec::new();
        for i in 0..300usize {
            let mut x = (i as u64 + 7).wrapping_mul(0x9E3779B97F4A7C15);
            let mut s: Vec<u8> = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b"ACGT"[(x % 4) as usize]
                })
                .collect();
            let (g, e) = (i % 3 == 0, i % 5 == 0);
            if g && i % 9 != 0 {
                s[5..11].copy_from_slice(b"GATAAG");
            }
            if e {
                s[20..26].copy_from_slice(b"CAGCTG");
            }
            text += &format!(
                "s{i}\t{}\t{}\t{}\n",
                String::from_utf8_lossy(&s),
                g as u8,
                e as u8
            );
            seqs.push(s);
            lab.push([g, e]);
        }
        let p = write(&dir, &text);
        for reduce in [Reduce::Max, Reduce::Sum] {
            let opts = ScoreMotifsOptions {
                score: ScoreOptions {
                    reduce,
                    ..Default::default()
                },
                ..Default::default()
            };
            let table = score_motifs(&motifs, &p, &opts, |_| {}).unwrap();
            assert_eq!(table.sequences, 300);
            assert_eq!(table.positives, [100, 60]);
            assert_eq!(table.bases, 300 * 40);
            let scorer = SequenceScorer::new(&motifs, &opts.background, &opts.score);
            let mut direct = vec![vec![0.0; 300]; 3];
            let mut out = [0.0; 3];
            for (j, s) in seqs.iter().enumerate() {
                scorer.score(s, &mut out);
                for k in 0..3 {
                    direct[k][j] = out[k] as f32 as f64;
                }
            }
            for (c, class) in ["gata", "ebox"].iter().enumerate() {
                let l: Vec<bool> = lab.iter().map(|x| x[c]).collect();
                let rows: Vec<_> = table.rows.iter().filter(|r| r.class == *class).collect();
                assert_eq!(rows.len(), 3);
                assert_eq!(
                    rows[0].motif_id, *class,
                    "{reduce:?}: the planted motif ranks first"
                );
                for (i, r) in rows.iter().enumerate() {
                    assert_eq!(r.rank, i + 1);
                    let k = motifs.iter().position(|m| m.id == r.motif_id).unwrap();
                    assert_eq!(r.auroc, auroc(&direct[k], &l));
                    assert_eq!(r.auprc, average_precision(&direct[k], &l));
                    if i > 0 {
                        assert!(rows[i - 1].auprc >= r.auprc);
                    }
                }
            }
            // The writer and the reader agree.
            let mut buf = Vec::new();
            table.write_tsv(&mut buf).unwrap();
            let q = dir.path().join("scores.tsv");
            std::fs::write(&q, &buf).unwrap();
            let back = MotifScoreTable::read_rows(&q).unwrap();
            assert_eq!(back.len(), table.rows.len());
            for (a, b) in back.iter().zip(&table.rows) {
                assert_eq!(
                    (&a.motif_id, &a.class, a.rank),
                    (&b.motif_id, &b.class, b.rank)
                );
                assert!((a.auprc - b.auprc).abs() < 1e-6);
            }
        }
    }

    #[test]
    fn non_binary_or_missing_labels_are_refused_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let m = [motif("gata", b"GATA")];
        let p = write(&dir, "a\tACGTGATA\t1\nb\tACGT\t2\n");
        let e = score_motifs(&m, &p, &Default::default(), |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("not 0 or 1"), "{e}");
        let p = write(&dir, "a\tACGTGATA\n");
        let e = score_motifs(&m, &p, &Default::default(), |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("no label column"), "{e}");
    }

    /// A class with one label value gets NA metrics, ranked last, without failing.
    #[test]
    fn one_valued_class_gives_na() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "#id\tseq\tx\na\tACGTGATA\t0\nb\tACGTTTTT\t0\n");
        let t = score_motifs(&[motif("gata", b"GATA")], &p, &Default::default(), |_| {}).unwrap();
        assert!(t.rows[0].auroc.is_nan() && t.rows[0].auprc.is_nan());
        let mut buf = Vec::new();
        t.write_tsv(&mut buf).unwrap();
        assert!(String::from_utf8(buf).unwrap().ends_with("\tNA\tNA\n"));
    }
}
