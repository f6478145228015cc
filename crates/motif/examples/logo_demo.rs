//! Render the logos of a few bundled JASPAR motifs: `cargo run -p explainn-motif --example
//! logo_demo -- OUTDIR [ID...]` (default IDs: CTCF, FOXA1, GATA1).

use explainn_motif::logo::{LogoOptions, logo_png};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| ".".into());
    let mut ids: Vec<String> = args.collect();
    if ids.is_empty() {
        ids = vec!["MA0139.2".into(), "MA0148.5".into(), "MA0035.5".into()];
    }
    let set = explainn_motif::jaspar::bundled_motifs();
    for id in &ids {
        let m = set
            .motifs
            .iter()
            .find(|m| &m.id == id)
            .ok_or(format!("{id} not in JASPAR 2024"))?;
        let path = format!("{out}/{id}.png");
        std::fs::write(&path, logo_png(m, &LogoOptions::default())?)?;
        println!("{path}");
    }
    Ok(())
}
