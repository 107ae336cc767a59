//! The baselines of `bench/charge.py`, measured in this process on the disk of the data directory:
//! what one redb durable commit costs (a loop of single-insert write transactions, as a server without
//! group commit would make per booking), the disk's own sync rate (write 4 KiB, `fdatasync`), and the
//! argon2id hash rate at the server's parameters (one thread).
//!
//! `cargo run --release -p server --example etalons -- DIR SECONDS` prints one JSON line:
//! `{"redb_commits_par_s":…,"syncs_par_s":…,"argon2_hachages_par_s":…}`. DIR is created if missing and
//! left with the two probe files removed.

use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use redb::{Database, TableDefinition};
use server::auth::mot_de_passe::{ARGON2_ITERATIONS, ARGON2_MEMOIRE_KIB, ARGON2_PARALLELISME};

/// The probe table: one small record per commit, like a booking's index entry.
const SONDE: TableDefinition<u64, &[u8]> = TableDefinition::new("sonde");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dossier = PathBuf::from(args.next().ok_or("usage : etalons DOSSIER SECONDES")?);
    let duree = Duration::from_secs_f64(args.next().ok_or("usage : etalons DOSSIER SECONDES")?.parse()?);
    std::fs::create_dir_all(&dossier)?;
    let commits = commits_redb(&dossier, duree)?;
    let syncs = syncs_disque(&dossier, duree)?;
    let hachages = hachages_argon2(duree)?;
    println!(
        "{{\"redb_commits_par_s\":{commits:.1},\"syncs_par_s\":{syncs:.1},\"argon2_hachages_par_s\":{hachages:.2}}}"
    );
    Ok(())
}

/// Durable commits per second, each inserting one 200-byte record.
fn commits_redb(dossier: &Path, duree: Duration) -> Result<f64, Box<dyn std::error::Error>> {
    let chemin = dossier.join("etalon.redb");
    let _ = std::fs::remove_file(&chemin);
    let db = Database::create(&chemin)?;
    let valeur = [7u8; 200];
    let debut = Instant::now();
    let mut n = 0u64;
    while debut.elapsed() < duree {
        let txn = db.begin_write()?;
        txn.open_table(SONDE)?.insert(n, valeur.as_slice())?;
        txn.commit()?;
        n += 1;
    }
    let par_s = n as f64 / debut.elapsed().as_secs_f64();
    drop(db);
    std::fs::remove_file(&chemin)?;
    Ok(par_s)
}

/// `fdatasync` per second after a 4 KiB write, on a file of the same directory.
fn syncs_disque(dossier: &Path, duree: Duration) -> Result<f64, Box<dyn std::error::Error>> {
    let chemin = dossier.join("etalon.sync");
    let fichier = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&chemin)?;
    let bloc = [3u8; 4096];
    let debut = Instant::now();
    let mut n = 0u64;
    while debut.elapsed() < duree {
        fichier.write_all_at(&bloc, (n % 256) * 4096)?;
        fichier.sync_data()?;
        n += 1;
    }
    let par_s = n as f64 / debut.elapsed().as_secs_f64();
    drop(fichier);
    std::fs::remove_file(&chemin)?;
    Ok(par_s)
}

/// argon2id hashes per second on this thread, at the server's parameters.
fn hachages_argon2(duree: Duration) -> Result<f64, Box<dyn std::error::Error>> {
    let params = Params::new(ARGON2_MEMOIRE_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISME, None)
        .map_err(|e| e.to_string())?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let sel = SaltString::encode_b64(b"etalon-du-banc-").map_err(|e| e.to_string())?;
    let debut = Instant::now();
    let mut n = 0u64;
    while debut.elapsed() < duree || n < 3 {
        argon2
            .hash_password(b"toubeelib-demo-2026", &sel)
            .map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n as f64 / debut.elapsed().as_secs_f64())
}
