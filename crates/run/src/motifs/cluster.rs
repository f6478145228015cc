//! `explainn motifs cluster`: one motif set (from one or more files) grouped into clusters
//! of redundant motifs ([`explainn_motif::cluster`]), written as a directory:
//!
//! | file | content |
//! |---|---|
//! | `clusters.tsv` | one row per input motif: [`CLUSTERS_HEADER`] |
//! | `clusters.meme` | one aligned average motif per cluster (`cluster_K`, named after its representative) |
//! | `nonredundant.meme` | the representative of every cluster, as given |
//! | `similarities.npz` | the all-vs-all Tomtom: `p_value` (n, n) float32, `offset` (n, n) int32, `reverse` (n, n) uint8; rows = queries, in `clusters.tsv` order |
//! | `clusters.html` | every cluster's average logo, size, representative and members |
//!
//! ```no_run
//! use explainn_run::motifs::cluster::{cluster_files, write_cluster_dir};
//! use explainn_motif::cluster::ClusterOptions;
//! let set = cluster_files(&["units.meme".as_ref()], &ClusterOptions::default()).unwrap();
//! write_cluster_dir("clusters".as_ref(), &set).unwrap();
//! ```

use crate::output::OutputDir;
use crate::{Result, RunError, file_error};
use explainn_motif::cluster::{ClusterOptions, Clustering, cluster_motifs};
use explainn_motif::io::meme::write_meme;
use explainn_motif::io::read_motifs_file;
use explainn_motif::logo::{LogoOptions, logo_svg};
use explainn_motif::tomtom::Orientation;
use explainn_motif::{Background, Motif};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// The header of `clusters.tsv`.
pub const CLUSTERS_HEADER: &str =
    "motif_id\tmotif_alt_id\tsource\tcluster\trepresentative\tstart\torientation\tp_value";

/// Motifs read from files and clustered.
#[derive(Debug, Clone)]
pub struct ClusteredSet {
    /// Every motif, in file order (ids made unique across files, see [`cluster_files`]).
    pub motifs: Vec<Motif>,
    /// The file each motif came from.
    pub sources: Vec<String>,
    /// The first file's background, if it states one (written into the MEME outputs).
    pub background: Option<Background>,
    /// The clustering.
    pub clustering: Clustering,
    /// The settings used.
    pub options: ClusterOptions,
}

/// Read the motifs of `paths` (MEME, JASPAR or HOCOMOCO, plain or gzip) and cluster them.
/// When an id occurs in more than one file, every id is prefixed with its file's name
/// (`units.meme:unit_3`) so that the outputs name each motif once.
pub fn cluster_files(paths: &[&Path], opts: &ClusterOptions) -> Result<ClusteredSet> {
    let mut motifs = Vec::new();
    let mut sources = Vec::new();
    let mut background = None;
    for (k, p) in paths.iter().enumerate() {
        let set = read_motifs_file(p).map_err(|e| file_error(p, e))?;
        if set.motifs.is_empty() {
            return Err(file_error(p, "no motifs found"));
        }
        if k == 0 {
            background = set.background;
        }
        for m in set.motifs {
            motifs.push(m);
            sources.push(p.display().to_string());
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let clash = motifs.iter().enumerate().any(|(i, m)| {
        seen.insert(m.id.as_str(), i)
            .is_some_and(|j| sources[j] != sources[i])
    });
    if clash {
        for (m, s) in motifs.iter_mut().zip(&sources) {
            let name = Path::new(s)
                .file_name()
                .map_or(s.clone(), |f| f.to_string_lossy().into_owned());
            m.id = format!("{name}:{}", m.id);
        }
    }
    if motifs.len() < 2 {
        return Err(RunError::Data(format!(
            "{} motif given; clustering needs at least 2",
            motifs.len()
        )));
    }
    let clustering = cluster_motifs(&motifs, background.as_ref(), opts)
        .map_err(|e| RunError::Data(format!("cannot cluster the motifs: {e}")))?;
    Ok(ClusteredSet {
        motifs,
        sources,
        background,
        clustering,
        options: opts.clone(),
    })
}

/// Write `set` as the directory `dir` (replaced whole; see the module table).
pub fn write_cluster_dir(dir: &Path, set: &ClusteredSet) -> Result<()> {
    let out = OutputDir::create(dir, &["clusters.tsv"], "motif clusters")?;
    let c = &set.clustering;
    let n = set.motifs.len();
    let write = |name: &str, f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| -> Result<()> {
        let p = out.path().join(name);
        let file = std::fs::File::create(&p).map_err(|e| file_error(&p, e))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| file_error(&p, e))
    };
    write("clusters.tsv", &|w| {
        writeln!(w, "{CLUSTERS_HEADER}")?;
        for (i, m) in set.motifs.iter().enumerate() {
            let k = c.assignment[i];
            let cl = &c.clusters[k];
            let a = cl.members.iter().find(|a| a.index == i).expect("a member");
            writeln!(
                w,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.3e}",
                m.id,
                m.alt_name.as_deref().unwrap_or(""),
                set.sources[i],
                cl.average.id,
                u8::from(cl.representative == i),
                a.start,
                a.orientation.symbol(),
                a.p_value
            )?;
        }
        Ok(())
    })?;
    let averages: Vec<Motif> = c.clusters.iter().map(|cl| cl.average.clone()).collect();
    write("clusters.meme", &|w| {
        let mut w = w;
        write_meme(&mut w, &averages, set.background.as_ref(), Some(6))
    })?;
    let reps: Vec<Motif> = c
        .clusters
        .iter()
        .map(|cl| set.motifs[cl.representative].clone())
        .collect();
    write("nonredundant.meme", &|w| {
        let mut w = w;
        write_meme(&mut w, &reps, set.background.as_ref(), Some(6))
    })?;
    let npz = out.path().join("similarities.npz");
    let err = |e: &dyn std::fmt::Display| file_error(&npz, e.to_string());
    let mut z =
        ndarray_npy::NpzWriter::new(std::fs::File::create(&npz).map_err(|e| file_error(&npz, e))?);
    let grid =
        |f: &dyn Fn(usize, usize) -> f64| ndarray::Array2::from_shape_fn((n, n), |(i, j)| f(i, j));
    z.add_array(
        "p_value",
        &grid(&|i, j| c.matrix.p_value(i, j)).mapv(|x| x as f32),
    )
    .map_err(|e| err(&e))?;
    z.add_array(
        "offset",
        &grid(&|i, j| c.matrix.offset(i, j) as f64).mapv(|x| x as i32),
    )
    .map_err(|e| err(&e))?;
    z.add_array(
        "reverse",
        &ndarray::Array2::from_shape_fn((n, n), |(i, j)| {
            u8::from(c.matrix.orientation(i, j) == Orientation::Reverse)
        }),
    )
    .map_err(|e| err(&e))?;
    z.finish().map_err(|e| err(&e))?;
    let html = cluster_page(set);
    write("clusters.html", &|w| w.write_all(html.as_bytes()))?;
    out.commit()
}

/// The HTML page of `clusters.html`.
fn cluster_page(set: &ClusteredSet) -> String {
    use explainn_report::html::{Cell, Column, Report, Table};
    let c = &set.clustering;
    let mut r = Report::new("Motif clusters");
    let multi = c.clusters.iter().filter(|k| k.members.len() > 1).count();
    r.key_values(&[
        ("motifs", set.motifs.len().to_string()),
        ("clusters", c.clusters.len().to_string()),
        ("clusters of 2 or more", multi.to_string()),
        ("linkage", set.options.linkage.name().to_string()),
        (
            "threshold",
            format!(
                "symmetric Tomtom p-value ≤ {} ({} distance)",
                set.options.threshold,
                set.options.tomtom.distance.name()
            ),
        ),
    ]);
    r.section("Clusters");
    r.paragraph(
        "Each cluster's logo is the aligned average of its members (offsets and strands from \
         Tomtom against the representative, columns covered by at least half the members).",
    );
    let mut t = Table::new(vec![
        Column::text("cluster"),
        Column::number("size", 0),
        Column::text("representative"),
        Column::plain("average logo"),
        Column::text("members"),
    ]);
    let opts = LogoOptions {
        column_width: 14.0,
        height: 56.0,
        ..Default::default()
    };
    let name = |m: &Motif| match &m.alt_name {
        Some(a) => format!("{} {a}", m.id),
        None => m.id.clone(),
    };
    for cl in &c.clusters {
        let members: Vec<String> = cl
            .members
            .iter()
            .map(|a| {
                format!(
                    "{}{}",
                    name(&set.motifs[a.index]),
                    if a.orientation == Orientation::Reverse {
                        " (−)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        t.push_row(vec![
            Cell::text(cl.average.id.clone()),
            Cell::Number(cl.members.len() as f64, 0),
            Cell::text(name(&set.motifs[cl.representative])),
            Cell::Svg(logo_svg(&cl.average, &opts)),
            Cell::text(members.join(", ")),
        ]);
    }
    r.table(t);
    r.to_html()
}

/// One row of `clusters.tsv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRow {
    /// The motif's id.
    pub motif_id: String,
    /// Its alternative name (empty when none).
    pub motif_alt_id: String,
    /// The file it came from.
    pub source: String,
    /// Its cluster (`cluster_K`).
    pub cluster: String,
    /// Whether it is the cluster's representative.
    pub representative: bool,
    /// Representative column its first column faces.
    pub start: i64,
    /// Its strand relative to the representative.
    pub orientation: Orientation,
    /// Symmetric Tomtom p-value to the representative.
    pub p_value: f64,
}

/// Read `clusters.tsv`.
pub fn read_clusters_tsv(path: &Path) -> Result<Vec<ClusterRow>> {
    let text = explainn_seq::records::open_text(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.map_err(|e| file_error(path, e))?;
        let bad = |what: &str| file_error(path, format!("line {}: {what}", i + 1));
        if i == 0 {
            if line != CLUSTERS_HEADER {
                return Err(bad(&format!("expected the header {CLUSTERS_HEADER:?}")));
            }
            continue;
        }
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() != 8 {
            return Err(bad("expected 8 tab-separated columns"));
        }
        rows.push(ClusterRow {
            motif_id: c[0].into(),
            motif_alt_id: c[1].into(),
            source: c[2].into(),
            cluster: c[3].into(),
            representative: match c[4] {
                "1" => true,
                "0" => false,
                _ => return Err(bad("representative must be 0 or 1")),
            },
            start: c[5]
                .parse()
                .map_err(|_| bad("start is not a whole number"))?,
            orientation: match c[6] {
                "+" => Orientation::Forward,
                "-" => Orientation::Reverse,
                _ => return Err(bad("orientation must be + or -")),
            },
            p_value: c[7].parse().map_err(|_| bad("p_value is not a number"))?,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_round_trips_and_names_clashing_ids() {
        let dir = tempfile::tempdir().unwrap();
        let meme = |name: &str, body: &str| {
            let p = dir.path().join(name);
            std::fs::write(
                &p,
                format!("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n{body}"),
            )
            .unwrap();
            p
        };
        let m = |id: &str, s: &str| {
            let rows: String = s
                .bytes()
                .map(|c| {
                    let k = explainn_motif::motif::letter_index(c).unwrap();
                    let r: Vec<String> = (0..4)
                        .map(|a| if a == k { "0.91".into() } else { "0.03".into() })
                        .collect();
                    r.join(" ") + "\n"
                })
                .collect();
            format!(
                "MOTIF {id}\nletter-probability matrix: alength= 4 w= {}\n{rows}\n",
                s.len()
            )
        };
        let a = meme("a.meme", &(m("u1", "AGATAAGA") + &m("u2", "CACGTGAC")));
        let b = meme(
            "b.meme",
            &(m("u1", "TCTTATCT") + &m("u3", "CCGCGAGGAGGCAG")),
        );
        let set = cluster_files(&[&a, &b], &ClusterOptions::default()).unwrap();
        assert_eq!(set.motifs[0].id, "a.meme:u1");
        let out = dir.path().join("clusters");
        write_cluster_dir(&out, &set).unwrap();
        let rows = read_clusters_tsv(&out.join("clusters.tsv")).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0].cluster, rows[2].cluster,
            "GATA and its reverse complement"
        );
        assert_eq!(rows.iter().filter(|r| r.representative).count(), 3);
        let gata: Vec<_> = rows
            .iter()
            .filter(|r| r.cluster == rows[0].cluster)
            .collect();
        assert!(gata.iter().any(|r| r.orientation == Orientation::Reverse));
        let averages = read_motifs_file(out.join("clusters.meme")).unwrap();
        assert_eq!(averages.motifs.len(), 3);
        let nr = read_motifs_file(out.join("nonredundant.meme")).unwrap();
        assert_eq!(nr.motifs.len(), 3);
        assert!(
            std::fs::read_to_string(out.join("clusters.html"))
                .unwrap()
                .contains("<svg")
        );
        let npz = std::fs::read(out.join("similarities.npz")).unwrap();
        assert!(npz.starts_with(b"PK"));
        // A second run replaces the directory; a directory of other files is refused.
        write_cluster_dir(&out, &set).unwrap();
        let other = dir.path().join("other");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "mine").unwrap();
        assert!(write_cluster_dir(&other, &set).is_err());
    }
}
