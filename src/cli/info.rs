//! `divcollapse info`: version, assets and devices.

use crate::assets::Assets;
use crate::device::{DeviceChoice, probe_cuda};

pub(crate) fn run() -> anyhow::Result<()> {
    println!("diversity-collapse {}", crate::TOOL_VERSION);
    let assets = Assets::locate();
    println!("assets: {}", assets.root().display());
    let checks = [
        ("all-mpnet-base-v2 (SBERT encoder)", assets.mpnet().err()),
        ("all-MiniLM-L6-v2 (stand-in encoder)", assets.minilm().err()),
        ("dolma2 tokenizer", assets.dolma2_tokenizer().err()),
    ];
    for (name, missing) in checks {
        match missing {
            None => println!("  {name}: present"),
            Some(error) => println!("  {name}: {error}"),
        }
    }
    println!("devices:");
    println!("  cpu: available (burn flex backend)");
    match DeviceChoice::Cuda(0).check() {
        Ok(_) => println!("  cuda: available ({} device(s))", probe_cuda().unwrap_or(0)),
        Err(error) => println!("  cuda: {error}"),
    }
    Ok(())
}
