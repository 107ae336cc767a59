//! Embeds the web app (`web/`) and the wasm package's web build (`wasm/pkg/web/`) in the binary.
//!
//! Writes `$OUT_DIR/web_assets.rs`: a table of `(path, content type, etag, bytes)` built with
//! `include_bytes!`, so the binary serves the app with no file beside it. The wasm package is built
//! by `scripts/wasm-package`, which may not have run (clippy on a fresh checkout): its two files are
//! then `None`, a cargo warning says so, and the server answers 503 for them instead of failing to
//! build. `web/tests/` (the browser tests and their node_modules) is never embedded.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

/// The two files of the wasm package the web app imports.
const WASM_FICHIERS: [&str; 2] = ["toubeelib_domain.js", "toubeelib_domain_bg.wasm"];

/// Most files embedded from `web/`: a bound on a walk that follows the tree.
const FICHIERS_MAX: usize = 200;

fn main() {
    let racine = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let web = racine.join("web");
    let pkg = racine.join("wasm").join("pkg").join("web");

    let mut fichiers = Vec::new();
    if web.is_dir() {
        parcourir(&web, &web, &mut fichiers);
    } else {
        println!("cargo:warning=web/ is missing: the web app will not be served");
    }
    fichiers.sort();
    println!("cargo:rerun-if-changed={}", web.display());

    // A missing package is watched through its nearest existing parent, so that its creation
    // re-runs this script.
    let manquants: Vec<&str> = WASM_FICHIERS
        .iter()
        .copied()
        .filter(|f| !pkg.join(f).is_file())
        .collect();
    if manquants.is_empty() {
        println!("cargo:rerun-if-changed={}", pkg.display());
    } else {
        println!(
            "cargo:warning=wasm/pkg/web/{} missing: run scripts/wasm-package; the server will answer 503 for them",
            manquants.join(", wasm/pkg/web/")
        );
        let surveille = [pkg.as_path(), pkg.parent().unwrap_or(&pkg), &racine.join("wasm")]
            .into_iter()
            .find(|p| p.is_dir())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| racine.join("wasm"));
        println!("cargo:rerun-if-changed={}", surveille.display());
    }

    let mut code = String::from(
        "/// Files of `web/`: (path under the app prefix, content type, etag, bytes).\n\
         pub static FICHIERS: &[(&str, &str, &str, &[u8])] = &[\n",
    );
    for (relatif, chemin) in &fichiers {
        let octets = fs::read(chemin).unwrap_or_default();
        let _ = writeln!(
            code,
            "    ({relatif:?}, {:?}, {:?}, include_bytes!({:?})),",
            type_contenu(relatif),
            etag(&octets),
            chemin.display().to_string()
        );
    }
    code.push_str(
        "];\n\n/// Files of `wasm/pkg/web/`: (file name, content type, etag, bytes if the package was built).\n\
         pub static WASM: &[(&str, &str, &str, Option<&[u8]>)] = &[\n",
    );
    for nom in WASM_FICHIERS {
        let chemin = pkg.join(nom);
        let contenu = match fs::read(&chemin) {
            Ok(octets) => (
                etag(&octets),
                format!("Some(include_bytes!({:?}))", chemin.display().to_string()),
            ),
            Err(_) => (String::new(), "None".to_owned()),
        };
        let _ = writeln!(
            code,
            "    ({nom:?}, {:?}, {:?}, {}),",
            type_contenu(nom),
            contenu.0,
            contenu.1
        );
    }
    code.push_str("];\n");

    let sortie = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("web_assets.rs");
    if let Err(e) = fs::write(&sortie, code) {
        panic!("cannot write {}: {e}", sortie.display());
    }
}

/// Every file under `dossier`, as (path relative to `web/` with `/`, absolute path).
fn parcourir(web: &Path, dossier: &Path, fichiers: &mut Vec<(String, PathBuf)>) {
    let Ok(entrees) = fs::read_dir(dossier) else {
        return;
    };
    for entree in entrees.flatten() {
        let chemin = entree.path();
        let nom = entree.file_name().to_string_lossy().into_owned();
        // Hidden files, and notes for developers (README.md) that the app never loads.
        if nom.starts_with('.') || nom == "node_modules" || nom.ends_with(".md") {
            continue;
        }
        if chemin.is_dir() {
            if dossier == web && nom == "tests" {
                continue;
            }
            parcourir(web, &chemin, fichiers);
        } else if chemin.is_file() && fichiers.len() < FICHIERS_MAX {
            let relatif = chemin
                .strip_prefix(web)
                .unwrap_or(&chemin)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            fichiers.push((relatif, chemin));
        }
    }
}

/// The content type by extension; the browser must not sniff (`nosniff` is sent).
fn type_contenu(nom: &str) -> &'static str {
    match nom.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A strong validator of the bytes (FNV-1a 64, length too): enough to tell two builds apart.
fn etag(octets: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &o in octets {
        h ^= u64::from(o);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{h:016x}-{:x}\"", octets.len())
}
