//! read -> write -> read gives identical motifs for every motif file in the shared data.

use explainn_motif::io::{
    Format, MotifSet, detect_format, hocomoco, jaspar, meme, read_motifs_file,
};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

fn roundtrip(path: &std::path::Path) -> usize {
    let first = read_motifs_file(path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.motifs.is_empty(), "{}: no motifs", path.display());
    let mut buf = Vec::new();
    let mut head = String::new();
    std::io::Read::read_to_string(&mut explainn_motif::io::open(path).unwrap(), &mut head).unwrap();
    let fmt = detect_format(&head).unwrap();
    match fmt {
        Format::Meme => {
            meme::write_meme(&mut buf, &first.motifs, first.background.as_ref(), None).unwrap()
        }
        Format::Jaspar => jaspar::write_jaspar(&mut buf, &first.motifs, None).unwrap(),
        Format::Hocomoco => hocomoco::write_hocomoco(&mut buf, &first.motifs, None).unwrap(),
    }
    let text = String::from_utf8(buf).unwrap();
    assert_eq!(detect_format(&text), Some(fmt), "{}", path.display());
    let second: MotifSet = match fmt {
        Format::Meme => meme::read_meme(&mut text.as_bytes(), "rewritten"),
        Format::Jaspar => jaspar::read_jaspar(&mut text.as_bytes(), "rewritten"),
        Format::Hocomoco => hocomoco::read_hocomoco(&mut text.as_bytes(), "rewritten"),
    }
    .unwrap();
    assert_eq!(first.motifs, second.motifs, "{}", path.display());
    if fmt == Format::Meme {
        assert_eq!(
            first.background.unwrap_or_default(),
            second.background.unwrap()
        );
    }
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    first.motifs.len()
}

#[test]
fn every_shared_motif_file_round_trips() {
    let mut n = 0;
    for dir in ["jaspar", "motifs_other", "explainn_fixtures", "golden"] {
        for e in std::fs::read_dir(format!("{DATA}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            let is_motif = name.ends_with(".jaspar")
                || name.ends_with("_meme.txt")
                || name.ends_with(".meme")
                || name.ends_with(".official.txt")
                || name.starts_with("HOCOMOCO")
                || name.starts_with("encode_motifs");
            if is_motif {
                let k = roundtrip(&p);
                eprintln!("{name}: {k} motifs");
                n += 1;
            }
        }
    }
    assert!(n >= 14, "only {n} files found");
}

#[test]
fn formats_parse_as_expected() {
    let h = read_motifs_file(format!(
        "{DATA}/motifs_other/HOCOMOCOv10_pcms_HUMAN_mono.txt"
    ))
    .unwrap();
    assert_eq!(h.motifs[0].id, "AHR_HUMAN.H10MO.B");
    assert_eq!(h.motifs[0].kind, explainn_motif::MatrixKind::Counts);
    assert_eq!(h.motifs[0].width(), 9);
    let e = read_motifs_file(format!("{DATA}/motifs_other/encode_motifs.txt.gz")).unwrap();
    assert_eq!(e.motifs[0].id, "SIX5_disc1");
    assert_eq!(e.motifs[0].kind, explainn_motif::MatrixKind::Probabilities);
    assert_eq!(e.motifs[0].consensus(), "GAAWTGTAGT".replace('W', "T"));
    let j = read_motifs_file(format!(
        "{DATA}/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar"
    ))
    .unwrap();
    assert_eq!(j.motifs[0].id, "MA0002.3");
    assert_eq!(j.motifs[0].alt_name.as_deref(), Some("Runx1"));
    assert_eq!(j.motifs[0].rows[0], [123.0, 1072.0, 149.0, 656.0]);
    let f = read_motifs_file(format!("{DATA}/explainn_fixtures/explainn_filters.meme")).unwrap();
    assert_eq!(f.motifs.len(), 100);
    assert!(f.background.is_none());
    assert_eq!(f.motifs[0].width(), 19);
}

#[test]
fn errors_name_file_and_line() {
    let bad = "MEME version 4\n\nMOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.25 0.25 0.25 0.25\n0.5 0.5 0.0\n";
    let e = meme::read_meme(&mut bad.as_bytes(), "bad.meme")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bad.meme:6:"), "{e}");
    let bad = ">MA1 x\nA [ 1 2 ]\nC [ 1 2 ]\nG [ 1 x ]\nT [ 1 2 ]\n";
    let e = jaspar::read_jaspar(&mut bad.as_bytes(), "bad.jaspar")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bad.jaspar:4:"), "{e}");
    let bad = ">MA1 x\nA [ 1 2 ]\nC [ 1 2 3 ]\nG [ 1 2 ]\nT [ 1 2 ]\n";
    let e = jaspar::read_jaspar(&mut bad.as_bytes(), "bad.jaspar")
        .unwrap_err()
        .to_string();
    assert!(e.contains("ragged"), "{e}");
    // Rows not summing to 1 are normalised with a warning; duplicate IDs keep the first.
    let s = "MOTIF a\nletter-probability matrix: alength= 4 w= 1\n1 1 1 1\nMOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.1 0.2 0.3 0.4\n";
    let set = meme::read_meme(&mut s.as_bytes(), "x").unwrap();
    assert_eq!(set.motifs.len(), 1);
    assert_eq!(set.motifs[0].rows[0], [0.25; 4]);
    assert_eq!(set.warnings.len(), 2);
}
