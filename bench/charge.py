#!/usr/bin/env python3
"""Load on the scale store, against the targets of issue 9: run by hand, never in CI.

About 14 minutes with the defaults on 2 cores (plus the release build when it is not up to date).

Builds the release binary and the `etalons` example, writes a scale store into a temporary directory
(`toubeelib seed-scale`, timed), builds its search index (`toubeelib reindex`, timed), starts the
server on 127.0.0.1 with the index present (start-to-`listening` timed), pinned to core 0 while wrk runs
on core 1. Over HTTP it then picks praticiens, registers patients and prepares a list of bookings in
which every free créneau appears once and no patient holds two overlapping ones. It warms up, then runs
ROUNDS rounds; in each, every measure runs next to its baseline:

  a. GET /health, 16 connections (throughput) and 1 connection (latency);
  b. GET /praticiens/{id}/disponibilites over 31 days, cycling through ~1000 praticiens, likewise;
  c. the searches with typos of bench/recherche.lua, 1 connection;
  d. the `etalons` example (a loop of single-commit redb write transactions on the data directory's disk:
     the commits/s a server without group commit would book at), then POST /rdvs with 32 clients and
     with 1 client: durable bookings/s (answers 201) ÷ those commits/s; /metrics gives the mean batch,
     /proc the server's CPU per booking; then GET /me (authenticated, writes nothing) at 1 and 16
     connections: the floor under a booking, from which the section says whether a target is within
     this machine's reach;
  e. GET /health at 1 connection idle, then during a flood of correct sign-ins on 64 connections.

Then the latency of the disponibilités at offered loads from 10 % to 120 % of the measured maximum
(bench/latence.svg), and the server's RSS. Last, the server is restarted with bench/fsync-lent.c
preloaded (every fsync and fdatasync FSYNC_LENT_US longer, as on a network disk) and the bookings and
their baseline run again on that slower disk. Figures are the medians of the rounds. Writes the section of
BENCHMARKS.md between its markers (a re-run replaces it; appended when absent) and prints its tables.
Loopback only; every load is bounded by DUREE seconds and every wait by a timeout; the server is
stopped (SIGTERM) and the data directory removed at exit, whatever happens.

Parameters (environment):
  PRATICIENS (100000), RDVS (1000000), GRAINE (2026): the scale store;
  DUREE (15) seconds per measured run, ROUNDS (3), ECHAUFFEMENT (5) seconds of warm-up per route;
  PATIENTS (256): fewest patients registered (more when the bookings need them);
  RESA_DEBIT (8000): bookings/s assumed with 32 clients before any is measured, to size the list;
  FSYNC_LENT_US (2000): the slower disk of the last part, µs added to every sync (0: no such part);
  GARDER=1 keeps the data directory; BENCHMARKS (BENCHMARKS.md) the file written;
  GRAPHIQUE (bench/latence.svg) the chart written; CARGO_TARGET_DIR (target) where cargo builds;
  CONSTRUIRE=0 skips `cargo build` (the binaries must be there);
  QUICK=1: a small, short run while developing (PRATICIENS=2000 RDVS=20000 DUREE=3 ROUNDS=1
  ECHAUFFEMENT=1 unless set), whose section says it is one.

Python 3 standard library only; needs cargo, wrk (installed with apt-get when missing) and, to pin,
taskset.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import heapq
import html
import http.client
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable, Iterator

RACINE = Path(__file__).resolve().parent.parent
BENCH = RACINE / "bench"

DEBUT_SECTION = "<!-- bench/charge.py: start -->"
FIN_SECTION = "<!-- bench/charge.py: end -->"

# Longest wait for the `listening` line, for an HTTP answer during preparation, for a wrk run beyond
# its duration, for the `etalons` example.
ATTENTE_ECOUTE_S = 120
DELAI_HTTP_S = 30
MARGE_WRK_S = 60
ATTENTE_ETALONS_S = 120

# Connections per measure (the figures).
CONNEXIONS_DEBIT = 16
CONNEXIONS_RESA = 32
CONNEXIONS_FLOOD = 64
# The paced flood's offered sign-ins/s: many times what argon2 hashes on this machine (~60/s a core).
FLOOD_DEBIT = 1000
CONNEXIONS_GRAPHIQUE = 32
# How many praticiens the disponibilités runs cycle through.
PRATICIENS_DISPO = 1000
# Offered loads of the chart, as fractions of the measured maximum throughput of the disponibilités.
PALIERS = (0.10, 0.25, 0.50, 0.70, 0.85, 1.00, 1.20)
# Days of one availability window (the API's maximum) and the booking windows after the measured one.
FENETRE_JOURS = 31
FENETRES_RESA = 2
# The patients' password (12+ characters, not common, no sequence: server/src/auth/politique.rs).
MOT_DE_PASSE = "Charge-banc-Toubeelib-2026"
# Seconds of validity an access token must still have when a booking round starts (the round's two
# runs, its etalons and some margin): older ones are refreshed first (ACCESS_TTL is 15 minutes).
MARGE_JETON_S = 180

MIB = 1024 * 1024


# --------------------------------------------------------------------------------------------- basics


def journal(message: str) -> None:
    """Progress, on stderr."""
    print(f"[charge.py {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Echec(Exception):
    """The benchmark cannot go on (the message says why)."""


@dataclasses.dataclass(frozen=True)
class Parametres:
    """The run's parameters, from the environment."""

    praticiens: int
    rdvs: int
    graine: int
    duree: int
    rounds: int
    echauffement: int
    patients: int
    resa_debit: float
    fsync_lent_us: int
    garder: bool
    benchmarks: Path
    graphique: Path
    cible: Path
    construire: bool
    quick: bool

    @staticmethod
    def lire() -> "Parametres":
        quick = os.environ.get("QUICK", "") not in ("", "0")
        defauts = (
            {"PRATICIENS": 2000, "RDVS": 20000, "DUREE": 3, "ROUNDS": 1, "ECHAUFFEMENT": 1}
            if quick
            else {"PRATICIENS": 100000, "RDVS": 1000000, "DUREE": 15, "ROUNDS": 3, "ECHAUFFEMENT": 5}
        )

        def entier(nom: str, defaut: int, minimum: int) -> int:
            texte = os.environ.get(nom, "")
            try:
                valeur = int(texte) if texte else defaut
            except ValueError:
                raise Echec(f"{nom}={texte!r}: an integer is expected") from None
            if valeur < minimum:
                raise Echec(f"{nom}={valeur}: at least {minimum}")
            return valeur

        cible = Path(os.environ.get("CARGO_TARGET_DIR") or RACINE / "target")
        return Parametres(
            praticiens=entier("PRATICIENS", defauts["PRATICIENS"], 100),
            rdvs=entier("RDVS", defauts["RDVS"], 0),
            graine=entier("GRAINE", 2026, 0),
            duree=entier("DUREE", defauts["DUREE"], 3),
            rounds=entier("ROUNDS", defauts["ROUNDS"], 1),
            echauffement=entier("ECHAUFFEMENT", defauts["ECHAUFFEMENT"], 1),
            patients=entier("PATIENTS", 256, 1),
            resa_debit=float(entier("RESA_DEBIT", 8000, 1)),
            fsync_lent_us=entier("FSYNC_LENT_US", 2000, 0),
            garder=os.environ.get("GARDER", "") not in ("", "0"),
            benchmarks=Path(os.environ.get("BENCHMARKS") or "BENCHMARKS.md"),
            graphique=Path(os.environ.get("GRAPHIQUE") or "bench/latence.svg"),
            cible=cible if cible.is_absolute() else RACINE / cible,
            construire=os.environ.get("CONSTRUIRE", "1") not in ("", "0"),
            quick=quick,
        )

    def commande(self) -> str:
        """The command line that reproduces this run."""
        env = [
            f"PRATICIENS={self.praticiens}",
            f"RDVS={self.rdvs}",
            f"GRAINE={self.graine}",
            f"DUREE={self.duree}",
            f"ROUNDS={self.rounds}",
            f"ECHAUFFEMENT={self.echauffement}",
        ]
        if self.patients != 256:
            env.append(f"PATIENTS={self.patients}")
        return " ".join(env) + " python3 bench/charge.py"


def mediane(valeurs: list[float]) -> float:
    """The median (NaN for none)."""
    propres = [v for v in valeurs if v is not None and not math.isnan(v)]
    return statistics.median(propres) if propres else math.nan


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def executer(commande: list[str], delai_s: float, **kwargs: Any) -> subprocess.CompletedProcess:
    """Runs a command to its end within `delai_s` seconds, its output captured; fails on a non-zero exit."""
    try:
        fait = subprocess.run(commande, capture_output=True, text=True, timeout=delai_s, **kwargs)
    except subprocess.TimeoutExpired:
        raise Echec(f"{' '.join(commande)}: still running after {delai_s:.0f} s") from None
    if fait.returncode != 0:
        raise Echec(f"{' '.join(commande)} exited {fait.returncode}:\n{fait.stderr[-3000:]}")
    return fait


# ------------------------------------------------------------------------------------ machine, tools


@dataclasses.dataclass
class Machine:
    """What the figures were measured on."""

    coeurs: int
    cpu: str
    memoire_gib: float
    systeme_fichiers: str
    df: str
    epinglage: str
    wrk: str
    jour: str

    def texte(self) -> str:
        return f"{self.coeurs} cores (nproc), {self.cpu}, {self.memoire_gib:.0f} GiB"


def decrire_machine(dossier: Path, epinglage: str) -> Machine:
    cpu = "unknown CPU"
    memoire = 0.0
    try:
        for ligne in Path("/proc/cpuinfo").read_text().splitlines():
            if ligne.startswith("model name"):
                cpu = ligne.split(":", 1)[1].strip()
                break
        for ligne in Path("/proc/meminfo").read_text().splitlines():
            if ligne.startswith("MemTotal:"):
                memoire = int(ligne.split()[1]) / 1024 / 1024
    except OSError as e:
        journal(f"machine description incomplete: {e}")
    fs = "unknown"
    if shutil.which("findmnt"):
        fait = subprocess.run(
            ["findmnt", "-n", "-o", "SOURCE,FSTYPE,OPTIONS", "-T", str(dossier)],
            capture_output=True, text=True, timeout=10,
        )
        if fait.returncode == 0 and fait.stdout.strip():
            source, fstype, options = (fait.stdout.split(None, 2) + ["", "", ""])[:3]
            fs = f"`{source}` ({fstype}, {options.strip()})"
    df = subprocess.run(["df", "-h", str(dossier)], capture_output=True, text=True, timeout=10)
    lignes_df = df.stdout.strip().splitlines()
    df_texte = " ".join(lignes_df[-1].split()) if df.returncode == 0 and lignes_df else "unknown"
    version_wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    wrk = (version_wrk.stdout + version_wrk.stderr).splitlines()[0:1]
    return Machine(
        coeurs=len(os.sched_getaffinity(0)),
        cpu=cpu,
        memoire_gib=memoire,
        systeme_fichiers=fs,
        df=df_texte,
        epinglage=epinglage,
        wrk=" ".join(wrk[0].split()[:2]) if wrk else "wrk",
        jour=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
    )


def installer_wrk() -> None:
    """wrk from Debian if missing (as bench/recherche.sh does)."""
    if shutil.which("wrk"):
        return
    journal("installing wrk (apt-get)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    executer(sudo + ["apt-get", "update", "-qq"], 600)
    executer(sudo + ["apt-get", "install", "-y", "-qq", "wrk"], 600)
    if not shutil.which("wrk"):
        raise Echec("wrk is still missing after apt-get install")


def construire(p: Parametres) -> tuple[Path, Path]:
    """The release binary and the `etalons` example (built unless CONSTRUIRE=0)."""
    binaire = p.cible / "release" / "toubeelib"
    etalons = p.cible / "release" / "examples" / "etalons"
    if p.construire:
        journal(f"cargo build --release -p server --bin toubeelib --example etalons (target {p.cible})")
        env = dict(os.environ, CARGO_TARGET_DIR=str(p.cible))
        commande = ["cargo", "build", "--release", "-p", "server", "--bin", "toubeelib", "--example", "etalons"]
        try:
            fait = subprocess.run(commande, cwd=RACINE, env=env, timeout=3600, stderr=subprocess.PIPE, text=True)
        except subprocess.TimeoutExpired:
            raise Echec("cargo build: still running after an hour") from None
        if fait.returncode != 0:
            raise Echec(f"cargo build failed:\n{fait.stderr[-4000:]}")
    for chemin in (binaire, etalons):
        if not os.access(chemin, os.X_OK):
            raise Echec(f"{chemin} is missing (build it, or unset CONSTRUIRE=0)")
    return binaire, etalons


def epinglages() -> tuple[list[str], list[str], str]:
    """taskset prefixes for the server and for the load generators."""
    if shutil.which("taskset") and len(os.sched_getaffinity(0)) >= 2:
        return ["taskset", "-c", "0"], ["taskset", "-c", "1"], "server on core 0, wrk on core 1"
    return [], [], "none (taskset missing or a single core)"


# ------------------------------------------------------------------------------------------ the server


class Serveur:
    """`toubeelib serve` on 127.0.0.1:0 over the data directory; stopped by SIGTERM in `arreter`."""

    def __init__(self, binaire: Path, dossier: Path, epingle: list[str], jeton_metriques: str,
                 env: dict[str, str] | None = None):
        self.binaire = binaire
        self.dossier = dossier
        self.epingle = epingle
        self.env = env or {}
        self.jeton_metriques = jeton_metriques
        self.processus: subprocess.Popen | None = None
        self.hote = ""
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://{self.hote}:{self.port}"

    def demarrer(self) -> float:
        """Starts it; the seconds from the start to its `listening on http://ADDR` line."""
        sortie = self.dossier / "serve.out"
        env = dict(os.environ, TOUBEELIB_LOG="warn", TOUBEELIB_METRICS_TOKEN=self.jeton_metriques, **self.env)
        commande = self.epingle + [
            str(self.binaire), "serve", "--addr", "127.0.0.1:0", "--data", str(self.dossier), "--seed", "none",
        ]
        with open(sortie, "wb") as out, open(self.dossier / "serve.err", "wb") as err:
            debut = time.monotonic()
            self.processus = subprocess.Popen(commande, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        while time.monotonic() - debut < ATTENTE_ECOUTE_S:
            texte = sortie.read_text(errors="replace")
            m = re.search(r"^listening on http://([0-9.]+):(\d+)\s*$", texte, re.M)
            if m:
                ecoule = time.monotonic() - debut
                self.hote, self.port = m.group(1), int(m.group(2))
                return ecoule
            if self.processus.poll() is not None:
                erreur = (self.dossier / "serve.err").read_text(errors="replace")[-3000:]
                raise Echec(f"the server exited ({self.processus.returncode}):\n{erreur}")
            time.sleep(0.005)
        raise Echec(f"no 'listening' line within {ATTENTE_ECOUTE_S} s")

    def memoire_kib(self) -> tuple[int, int]:
        """VmRSS and VmHWM (peak), KiB, from /proc."""
        if not self.processus:
            raise Echec("the server is not running")
        valeurs = {}
        for ligne in Path(f"/proc/{self.processus.pid}/status").read_text().splitlines():
            if ligne.startswith(("VmRSS:", "VmHWM:")):
                valeurs[ligne.split(":")[0]] = int(ligne.split()[1])
        return valeurs["VmRSS"], valeurs["VmHWM"]

    def cpu_s(self) -> float:
        """CPU seconds the server has used so far (user + system, from /proc)."""
        if not self.processus:
            raise Echec("the server is not running")
        champs = Path(f"/proc/{self.processus.pid}/stat").read_text().rsplit(")", 1)[1].split()
        # After the command's closing parenthesis, utime and stime are fields 12 and 13 (0-based).
        return (int(champs[11]) + int(champs[12])) / os.sysconf("SC_CLK_TCK")

    def arreter(self) -> None:
        """SIGTERM, then wait (SIGKILL after 30 s)."""
        processus, self.processus = self.processus, None
        if processus is None or processus.poll() is not None:
            return
        processus.terminate()
        try:
            processus.wait(timeout=30)
        except subprocess.TimeoutExpired:
            journal("the server did not stop within 30 s of SIGTERM: SIGKILL")
            processus.kill()
            processus.wait(timeout=30)


# ------------------------------------------------------------------------------------------------ HTTP


@dataclasses.dataclass
class Reponse:
    status: int
    entetes: dict[str, str]
    texte: str

    def json(self) -> Any:
        try:
            return json.loads(self.texte)
        except ValueError:
            raise Echec(f"answer {self.status} is not JSON: {self.texte[:300]}") from None


class Client:
    """A keep-alive HTTP/1.1 client to the server (one connection per thread)."""

    def __init__(self, hote: str, port: int):
        self.hote, self.port = hote, port
        self.local = threading.local()

    def _connexion(self) -> http.client.HTTPConnection:
        if getattr(self.local, "connexion", None) is None:
            self.local.connexion = http.client.HTTPConnection(self.hote, self.port, timeout=DELAI_HTTP_S)
        return self.local.connexion

    def requete(self, methode: str, chemin: str, corps: Any = None, jeton: str | None = None) -> Reponse:
        """One request; a dropped keep-alive connection is retried once on a new one."""
        entetes = {"Accept": "application/json"}
        donnees = None
        if corps is not None:
            donnees = json.dumps(corps).encode()
            entetes["Content-Type"] = "application/json"
        if jeton:
            entetes["Authorization"] = f"Bearer {jeton}"
        for essai in (1, 2):
            connexion = self._connexion()
            try:
                connexion.request(methode, chemin, body=donnees, headers=entetes)
                r = connexion.getresponse()
                texte = r.read().decode("utf-8", errors="replace")
                return Reponse(r.status, {k.lower(): v for k, v in r.getheaders()}, texte)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                connexion.close()
                self.local.connexion = None
                if essai == 2:
                    raise Echec(f"{methode} {chemin}: {e}") from None
            except (OSError, http.client.HTTPException) as e:
                connexion.close()
                self.local.connexion = None
                raise Echec(f"{methode} {chemin}: {e}") from None
        raise AssertionError("unreachable")

    def exiger(self, statuts: tuple[int, ...], methode: str, chemin: str, corps: Any = None,
               jeton: str | None = None) -> Reponse:
        r = self.requete(methode, chemin, corps, jeton)
        if r.status not in statuts:
            raise Echec(f"{methode} {chemin}: {r.status} (expected {statuts}): {r.texte[:500]}")
        return r


def instant(texte: str) -> float:
    """An RFC 3339 instant, in Unix seconds."""
    return dt.datetime.fromisoformat(texte.replace("Z", "+00:00")).timestamp()


def rfc3339(jour: dt.datetime) -> str:
    return jour.strftime("%Y-%m-%dT%H:%M:%SZ")


def chemin_disponibilites(praticien: str, debut: dt.datetime, fin: dt.datetime) -> str:
    requete = urllib.parse.urlencode({"debut": rfc3339(debut), "fin": rfc3339(fin)}, safe=":")
    return f"/praticiens/{praticien}/disponibilites?{requete}"


# --------------------------------------------------------------------------------- preparation (HTTP)


class SourcePraticiens:
    """Praticien ids taking new patients, page after page of `GET /praticiens` (by name), never twice."""

    def __init__(self, client: Client):
        self.client = client
        self.curseur: str | None = None
        self.fini = False
        self.tampon: list[str] = []
        self.pages = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while not self.tampon:
            if self.fini:
                raise StopIteration
            chemin = "/praticiens?limit=100" + (
                f"&cursor={urllib.parse.quote(self.curseur)}" if self.curseur else ""
            )
            page = self.client.exiger((200,), "GET", chemin).json()
            self.pages += 1
            self.tampon = [p["id"] for p in page.get("items", []) if p.get("nouveaux_patients", True)]
            self.curseur = page.get("next_cursor")
            self.fini = not self.curseur
        return self.tampon.pop(0)

    def prendre(self, n: int) -> list[str]:
        return [pid for _, pid in zip(range(n), self)]


@dataclasses.dataclass
class Patient:
    email: str
    acces: str
    rafraichissement: str
    obtenu_le: float
    expire_s: float


class Patients:
    """The registered patients and their current tokens (line i of the tokens file: patient i, 1-based)."""

    def __init__(self, client: Client, execution: str):
        self.client = client
        self.execution = execution
        self.liste: list[Patient] = []
        self.verrou = threading.Lock()
        self.refus_503 = 0

    def _inscrire_un(self, rang: int) -> Patient:
        email = f"bench.{self.execution}.{rang}@bench.example"
        corps = {
            "email": email,
            "password": MOT_DE_PASSE,
            "nom": "Banc",
            "prenom": f"Patient{rang}",
            "date_naissance": "1990-04-12",
            "telephone": "06 12 34 56 78",
        }
        fin = time.monotonic() + 300
        while True:
            r = self.client.requete("POST", "/auth/register", corps)
            if r.status == 201:
                jetons = r.json()
                return Patient(email, jetons["access_token"], jetons["refresh_token"], time.time(),
                               float(jetons.get("expires_in", 900)))
            if r.status == 503 and time.monotonic() < fin:
                # The argon2 queue is full: the server says when to come back.
                with self.verrou:
                    self.refus_503 += 1
                time.sleep(min(float(r.entetes.get("retry-after", "1") or 1), 2.0))
                continue
            raise Echec(f"POST /auth/register: {r.status}: {r.texte[:500]}")

    def inscrire(self, n: int) -> list[int]:
        """Registers `n` more patients (4 at a time); their 1-based ranks."""
        debut = len(self.liste)
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            nouveaux = list(pool.map(self._inscrire_un, range(debut, debut + n)))
        self.liste.extend(nouveaux)
        journal(f"registered {n} patients in {time.monotonic() - t0:.1f} s ({self.refus_503} answers 503 retried)")
        return list(range(debut + 1, debut + n + 1))

    def _rafraichir_un(self, patient: Patient) -> None:
        r = self.client.exiger((200,), "POST", "/auth/refresh", {"refresh_token": patient.rafraichissement})
        jetons = r.json()
        patient.acces, patient.rafraichissement = jetons["access_token"], jetons["refresh_token"]
        patient.obtenu_le, patient.expire_s = time.time(), float(jetons.get("expires_in", 900))

    def rafraichir(self, valides_encore_s: float) -> int:
        """Refreshes the tokens that would expire within `valides_encore_s` seconds; how many."""
        now = time.time()
        vieux = [p for p in self.liste if p.obtenu_le + p.expire_s - now < valides_encore_s]
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(self._rafraichir_un, vieux))
        return len(vieux)

    def ecrire_jetons(self, chemin: Path) -> None:
        chemin.write_text("".join(p.acces + "\n" for p in self.liste))


class ListeReservations:
    """The bookings of bench/charge-rdvs.lua: one per line, `PATIENT<TAB>JSON body`, read in order.

    Built in lots: a lot takes praticiens never used before, reads their free créneaux over the booking
    windows (after the window the disponibilités runs measure, so those agendas stay as they are), and
    gives each créneau to a patient by interval partitioning (créneaux sorted by start; each goes to the
    patient free the earliest, if free by its start, else to a new patient), so that no patient holds
    two overlapping créneaux. A lot's patients are registered for it (at least PATIENTS for the first).
    A run starts at the first line no earlier run consumed: no créneau is ever asked for twice.
    """

    def __init__(self, chemin: Path, client: Client, source: SourcePraticiens, patients: Patients,
                 fenetres: list[tuple[dt.datetime, dt.datetime]], minimum_patients: int, graine: int):
        self.chemin = chemin
        self.client = client
        self.source = source
        self.patients = patients
        self.fenetres = fenetres
        self.minimum_patients = minimum_patients
        self.graine = graine
        self.decalages = [0]  # byte offset of each line's start, and of the end
        self.position = 0  # the first line not consumed
        self.lots = 0
        self.praticiens = 0
        self.refus_disponibilites = 0
        chemin.write_bytes(b"")

    def restantes(self) -> int:
        return len(self.decalages) - 1 - self.position

    def decalage(self) -> int:
        return self.decalages[self.position]

    def consommer(self, n: int) -> None:
        self.position = min(self.position + n, len(self.decalages) - 1)

    def etendre(self, n: int) -> None:
        """Adds at least `n` bookings (fewer only if the store runs out of praticiens)."""
        t0 = time.monotonic()
        creneaux: list[tuple[float, float, str, dict]] = []
        praticiens = 0
        while len(creneaux) < n:
            try:
                pid = next(self.source)
            except StopIteration:
                journal(f"no praticien left to book with: {len(creneaux)} bookings instead of {n}")
                break
            praticiens += 1
            for debut, fin in self.fenetres:
                r = self.client.requete("GET", chemin_disponibilites(pid, debut, fin))
                if r.status != 200:
                    self.refus_disponibilites += 1
                    journal(f"GET disponibilites of {pid}: {r.status} {r.texte[:200]}")
                    continue
                for c in r.json().get("items", []):
                    corps = {"praticien_id": pid, "specialite": c["specialite"], "type": c["type"],
                             "debut": c["debut"]}
                    creneaux.append((instant(c["debut"]), instant(c["fin"]), pid, corps))
        if not creneaux:
            return
        # Interval partitioning: a heap of (end of the patient's last créneau, patient).
        creneaux.sort(key=lambda c: (c[0], c[1]))
        minimum = self.minimum_patients if self.lots == 0 else 1
        libres = [(-math.inf, i) for i in range(minimum)]
        heapq.heapify(libres)
        nombre = minimum
        attributions: list[tuple[int, dict]] = []
        for debut, fin, _, corps in creneaux:
            if libres and libres[0][0] <= debut:
                _, patient = heapq.heappop(libres)
            else:
                patient, nombre = nombre, nombre + 1
            heapq.heappush(libres, (fin, patient))
            attributions.append((patient, corps))
        rangs = self.patients.inscrire(nombre)
        random.Random(self.graine * 1000 + self.lots).shuffle(attributions)
        with open(self.chemin, "ab") as f:
            fin = self.decalages[-1]
            for patient, corps in attributions:
                ligne = f"{rangs[patient]}\t{json.dumps(corps, separators=(',', ':'))}\n".encode()
                f.write(ligne)
                fin += len(ligne)
                self.decalages.append(fin)
        self.lots += 1
        self.praticiens += praticiens
        journal(f"bookings: +{len(attributions)} créneaux of {praticiens} praticiens for {nombre} patients "
                f"in {time.monotonic() - t0:.1f} s ({self.restantes()} left)")


def praticiens_disponibilites(client: Client, ids: list[str], debut: dt.datetime,
                              fin: dt.datetime) -> tuple[list[str], int, int]:
    """The paths of the disponibilités runs: the praticiens whose 31 days answer 200 with créneaux.

    Also: how many answered another status, how many had no créneau."""
    chemins, autres, vides = [], 0, 0
    for pid in ids:
        chemin = chemin_disponibilites(pid, debut, fin)
        r = client.requete("GET", chemin)
        if r.status != 200:
            autres += 1
            journal(f"GET {chemin}: {r.status} {r.texte[:200]}")
        elif not r.json().get("items"):
            vides += 1
        else:
            chemins.append(chemin)
    return chemins, autres, vides


def metriques(client: Client, jeton: str) -> dict[str, float]:
    """The unlabelled samples of `GET /metrics` ({} if the endpoint answers otherwise than 200)."""
    r = client.requete("GET", "/metrics", jeton=jeton)
    if r.status != 200:
        journal(f"GET /metrics: {r.status} (no batch figures)")
        return {}
    valeurs = {}
    for ligne in r.texte.splitlines():
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)$", ligne)
        if m:
            try:
                valeurs[m.group(1)] = float(m.group(2))
            except ValueError:
                pass
    return valeurs


# ------------------------------------------------------------------------------------------------- wrk


@dataclasses.dataclass
class Mesure:
    """One wrk run, from the CHARGE line of its script (latencies in ms)."""

    requetes: int
    duree_s: float
    p50: float
    p90: float
    p99: float
    max: float
    moyenne: float
    erreurs: dict[str, int]
    statuts: dict[str, int]
    exemples: list[str]
    consommees: int | None
    epuisee: bool

    @property
    def debit(self) -> float:
        return self.requetes / self.duree_s if self.duree_s else math.nan

    def statut(self, code: int) -> int:
        return self.statuts.get(str(code), 0)

    def par_s(self, code: int) -> float:
        return self.statut(code) / self.duree_s if self.duree_s else math.nan

    def erreurs_socket(self) -> int:
        return sum(self.erreurs.get(k, 0) for k in ("connexion", "lecture", "ecriture", "delai"))

    def inattendues(self, attendus: tuple[int, ...] | None) -> int:
        """Answers other than `attendus` (when counted per status, else wrk's ≥ 400) and socket errors."""
        if self.statuts and attendus:
            autres = sum(n for s, n in self.statuts.items() if int(s) not in attendus)
        else:
            autres = self.erreurs.get("statut", 0)
        return autres + self.erreurs_socket()

    def resume(self) -> str:
        texte = (f"{self.requetes} req in {self.duree_s:.1f} s = {self.debit:.0f} req/s, p50 {self.p50:.3f} ms, "
                 f"p90 {self.p90:.3f} ms, p99 {self.p99:.3f} ms")
        if self.statuts:
            texte += f", statuses {dict(sorted(self.statuts.items()))}"
        elif self.erreurs.get("statut"):
            texte += f", {self.erreurs['statut']} answers ≥ 400"
        if self.erreurs_socket():
            texte += f", socket errors {self.erreurs}"
        return texte


class Wrk:
    """Runs wrk (1 thread, pinned) with a charge-*.lua script and parses its CHARGE line."""

    def __init__(self, base: str, epingle: list[str]):
        self.base = base
        self.epingle = epingle
        self.fond: list[subprocess.Popen] = []

    def commande(self, connexions: int, duree: int, script: str, args: list[str], gentil: bool) -> list[str]:
        return (self.epingle + (["nice", "-n", "10"] if gentil else []) + [
            "wrk", "-t1", f"-c{connexions}", f"-d{duree}s", "--timeout", "10s",
            "-s", str(BENCH / script), self.base, "--", *args,
        ])

    @staticmethod
    def lire(sortie: str, erreur: str, quoi: str) -> Mesure:
        for ligne in sortie.splitlines():
            if ligne.startswith("CHARGE "):
                d = json.loads(ligne[len("CHARGE "):])
                lat = d["latence_us"]
                return Mesure(
                    requetes=int(d["requetes"]),
                    duree_s=d["duree_us"] / 1e6,
                    p50=lat["p50"] / 1000, p90=lat["p90"] / 1000, p99=lat["p99"] / 1000, max=lat["max"] / 1000,
                    moyenne=lat.get("moyenne", math.nan) / 1000,
                    erreurs={k: int(v) for k, v in d["erreurs"].items()},
                    statuts={k: int(v) for k, v in d.get("statuts", {}).items()},
                    exemples=d.get("exemples", []),
                    consommees=d.get("consommees"),
                    epuisee=bool(d.get("epuisee", False)),
                )
        raise Echec(f"wrk ({quoi}): no CHARGE line in its output:\n{sortie[-2000:]}\n{erreur[-2000:]}")

    def mesurer(self, quoi: str, connexions: int, duree: int, script: str, args: list[str] | None = None) -> Mesure:
        fait = executer(self.commande(connexions, duree, script, args or [], False), duree + MARGE_WRK_S, cwd=RACINE)
        mesure = self.lire(fait.stdout, fait.stderr, quoi)
        journal(f"  {quoi}, {connexions} conn.: {mesure.resume()}")
        for exemple in mesure.exemples:
            journal(f"    unexpected answer: {exemple}")
        return mesure

    def lancer(self, connexions: int, duree: int, script: str, args: list[str]) -> subprocess.Popen:
        """Starts a run in the background, niced (so that the measuring wrk on the same core comes first)."""
        processus = subprocess.Popen(
            self.commande(connexions, duree, script, args, True),
            cwd=RACINE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        )
        self.fond.append(processus)
        return processus

    def attendre(self, processus: subprocess.Popen, duree: int, quoi: str) -> Mesure:
        try:
            sortie, erreur = processus.communicate(timeout=duree + MARGE_WRK_S)
        except subprocess.TimeoutExpired:
            processus.kill()
            processus.communicate(timeout=30)
            raise Echec(f"wrk ({quoi}) still running after {duree + MARGE_WRK_S} s") from None
        finally:
            self.fond.remove(processus)
        if processus.returncode != 0:
            raise Echec(f"wrk ({quoi}) exited {processus.returncode}: {erreur[-2000:]}")
        mesure = self.lire(sortie, erreur, quoi)
        journal(f"  {quoi}: {mesure.resume()}")
        return mesure

    def arreter_tout(self) -> None:
        for processus in list(self.fond):
            if processus.poll() is None:
                processus.terminate()
                try:
                    processus.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    processus.kill()
                    processus.wait(timeout=10)
        self.fond.clear()


# ------------------------------------------------------------------------------------- measured rounds


@dataclasses.dataclass
class Round:
    """One round's figures."""

    health_n: Mesure
    health_1: Mesure
    dispo_n: Mesure
    dispo_1: Mesure
    recherche_1: Mesure
    resa: Reservations
    health_repos: Mesure
    health_flood: Mesure
    flood: Mesure
    health_flood_rythme: Mesure
    flood_rythme: Mesure
    connexion_apres: int



@dataclasses.dataclass
class Reservations:
    """One round's bookings: the baseline, the runs with 32 clients and 1, their mean batches."""

    etalons: dict[str, float]
    resa_n: Mesure
    resa_1: Mesure
    lot_moyen_n: float
    lot_moyen_1: float
    lot_max: float
    cpu_n_us: float  # server CPU per booking answered 201, 32 clients
    cpu_1_us: float  # the same, 1 client
    me_1: Mesure  # GET /me, 1 connection: an authenticated request's latency
    me_n: Mesure  # GET /me, 16 connections: an authenticated request's throughput

    @property
    def commits(self) -> float:
        return float(self.etalons.get("redb_commits_par_s", math.nan))

    @property
    def borne_1(self) -> float:
        """The highest bookings/s ÷ commits/s one client can reach: each booking waits for at least an
        authenticated round trip (`GET /me`, mean) and then one durable commit (the loop's)."""
        commit_s = 1 / self.commits if self.commits else math.nan
        return commit_s / (self.me_1.moyenne / 1000 + commit_s)


def compiler_disque_lent(dossier: Path) -> Path | None:
    """bench/fsync-lent.c as a shared object in `dossier` (None without gcc)."""
    if not shutil.which("gcc"):
        journal("gcc missing: no slow-disk bookings")
        return None
    sortie = dossier / "fsync-lent.so"
    executer(["gcc", "-shared", "-fPIC", "-O2", "-o", str(sortie), str(BENCH / "fsync-lent.c"), "-ldl"], 120)
    return sortie


def lot_moyen(avant: dict[str, float], apres: dict[str, float]) -> float:
    """Mean batch size between two scrapes: writes ÷ batches (NaN when the metrics are absent)."""
    cles = ("toubeelib_ecritures_total", "toubeelib_ecritures_lots_total")
    if not all(c in avant and c in apres for c in cles):
        return math.nan
    lots = apres[cles[1]] - avant[cles[1]]
    return (apres[cles[0]] - avant[cles[0]]) / lots if lots > 0 else math.nan


def mesurer_etalons(etalons: Path, dossier: Path, epingle: list[str],
                    env: dict[str, str] | None = None) -> dict[str, float]:
    """`etalons DIR/etalons 3`: the redb single-commit loop, the disk's syncs, argon2 hashes (per s)."""
    fait = executer(epingle + [str(etalons), str(dossier / "etalons"), "3"], ATTENTE_ETALONS_S,
                    env=dict(os.environ, **(env or {})))
    for ligne in reversed(fait.stdout.strip().splitlines()):
        if ligne.startswith("{"):
            valeurs = json.loads(ligne)
            journal(f"  etalons: {valeurs}")
            return valeurs
    raise Echec(f"etalons printed no JSON line: {fait.stdout[-1000:]}")


class Banc:
    """The measured part: warm-up, rounds, chart; holds what the runs need."""

    def __init__(self, p: Parametres, wrk: Wrk, client: Client, serveur: Serveur, etalons: Path,
                 epingle_serveur: list[str], dossier: Path, chemins_dispo: Path, chemin_health: Path,
                 reservations: ListeReservations, patients: Patients):
        self.p = p
        self.wrk = wrk
        self.client = client
        self.serveur = serveur
        self.etalons = etalons
        self.epingle_serveur = epingle_serveur
        self.dossier = dossier
        self.chemins_dispo = chemins_dispo
        self.chemin_health = chemin_health
        self.reservations = reservations
        self.patients = patients
        self.jetons = dossier / "charge-jetons.txt"
        self.chemin_me = dossier / "charge-me.txt"
        self.chemin_me.write_text("/me\n")
        self.jeton_me = dossier / "charge-jeton-me.txt"
        self.debits_resa: list[tuple[float, float]] = []  # (32 clients, 1 client) bookings tried per s
        self.debit_echauffement = 0.0  # bookings tried per s during the warm-up (32 clients)
        self.epuisements = 0

    def reserver(self, quoi: str, connexions: int, duree: int) -> tuple[Mesure, float]:
        """One booking run from the first unconsumed line of the list; with the server's CPU µs per
        booking answered 201."""
        r = self.reservations
        if r.restantes() == 0:
            raise Echec("the booking list is empty")
        args = [str(r.chemin), str(r.decalage()), str(self.jetons)]
        cpu_avant = self.serveur.cpu_s()
        mesure = self.wrk.mesurer(quoi, connexions, duree, "charge-rdvs.lua", args)
        cpu = self.serveur.cpu_s() - cpu_avant
        r.consommer(mesure.consommees or 0)
        if mesure.epuisee:
            self.epuisements += 1
            journal(f"  WARNING: the booking list ran out during '{quoi}': its rate is a lower bound")
        cpu_us = cpu * 1e6 / mesure.statut(201) if mesure.statut(201) else math.nan
        journal(f"  server CPU per booking answered 201: {cpu_us:.0f} µs")
        return mesure, cpu_us

    @staticmethod
    def debit_consomme(m: Mesure) -> float:
        """Bookings taken from the list per second; doubled when the list ran out (a lower bound)."""
        debit = (m.consommees or 0) / m.duree_s if m.duree_s else 0.0
        return 2 * debit if m.epuisee else debit

    def assurer_reservations(self, prochaines_s: list[tuple[float, int]]) -> None:
        """Extends the list so that it holds 1.5 × what the next runs (rate, seconds) would consume."""
        besoin = int(1.5 * sum(debit * duree for debit, duree in prochaines_s)) + 1000
        manque = besoin - self.reservations.restantes()
        if manque > 0:
            self.reservations.etendre(manque)
            if self.patients.liste:
                self.patients.ecrire_jetons(self.jetons)

    def debits_attendus(self) -> tuple[float, float]:
        """Bookings tried per second with 32 clients and with 1, as measured so far (or assumed)."""
        if self.debits_resa:
            return max(d[0] for d in self.debits_resa), max(d[1] for d in self.debits_resa)
        n = max(self.p.resa_debit, 1.2 * self.debit_echauffement)
        return n, n / 2

    def echauffer(self) -> None:
        e = self.p.echauffement
        journal(f"warm-up: {e} s per route")
        self.wrk.mesurer("warm-up /health", CONNEXIONS_DEBIT, e, "charge-get.lua", [str(self.chemin_health)])
        self.wrk.mesurer("warm-up disponibilites", CONNEXIONS_DEBIT, e, "charge-get.lua", [str(self.chemins_dispo)])
        self.wrk.mesurer("warm-up search", CONNEXIONS_DEBIT, e, "charge-recherche.lua")
        self.patients.ecrire_jetons(self.jetons)
        m, _ = self.reserver("warm-up bookings", CONNEXIONS_RESA, e)
        self.debit_echauffement = self.debit_consomme(m)

    def round(self, numero: int) -> Round:
        p, d = self.p, self.p.duree
        titre = f"round {numero}/{p.rounds}"
        journal(f"{titre}: /health and disponibilites")
        health = [str(self.chemin_health)]
        dispo = [str(self.chemins_dispo)]
        health_n = self.wrk.mesurer("/health", CONNEXIONS_DEBIT, d, "charge-get.lua", health)
        dispo_n = self.wrk.mesurer("disponibilites", CONNEXIONS_DEBIT, d, "charge-get.lua", dispo)
        health_1 = self.wrk.mesurer("/health", 1, d, "charge-get.lua", health)
        dispo_1 = self.wrk.mesurer("disponibilites", 1, d, "charge-get.lua", dispo)
        journal(f"{titre}: search with typos")
        recherche_1 = self.wrk.mesurer("search (bench/recherche.lua)", 1, d, "charge-recherche.lua")

        journal(f"{titre}: bookings")
        resa = self.reservations_du_round("bookings")

        journal(f"{titre}: /health idle, then during a sign-in flood")
        flood_d = max(1, d - 2)
        health_repos = self.wrk.mesurer("/health idle", 1, flood_d, "charge-get.lua", health)
        email = self.patients.liste[0].email
        # First paced (FLOOD_DEBIT sign-ins/s offered), then as fast as the server answers.
        floods = []
        for quoi, rythme in ((f"{FLOOD_DEBIT}/s", [str(FLOOD_DEBIT), str(CONNEXIONS_FLOOD)]), ("saturating", [])):
            flood = self.wrk.lancer(CONNEXIONS_FLOOD, d, "charge-connexion.lua", [email, MOT_DE_PASSE, *rythme])
            try:
                time.sleep(1)
                sante = self.wrk.mesurer(f"/health during the {quoi} flood", 1, flood_d, "charge-get.lua", health)
            except BaseException:
                self.wrk.arreter_tout()
                raise
            floods.append((sante, self.wrk.attendre(flood, d, f"sign-in flood {quoi}, {CONNEXIONS_FLOOD} conn.")))
        (health_flood_rythme, flood_rythme), (health_flood, flood_m) = floods
        connexion_apres = self.connexion_apres_flood(email)
        return Round(
            health_n=health_n, health_1=health_1, dispo_n=dispo_n, dispo_1=dispo_1, recherche_1=recherche_1,
            resa=resa, health_repos=health_repos, health_flood=health_flood, flood=flood_m,
            health_flood_rythme=health_flood_rythme, flood_rythme=flood_rythme, connexion_apres=connexion_apres,
        )

    def reservations_du_round(self, quoi: str, env: dict[str, str] | None = None) -> Reservations:
        """The round's baseline (`etalons`, under `env`), then bookings with 32 clients and with 1, each
        between two scrapes of /metrics for its mean batch."""
        d = self.p.duree
        n_s, un_s = self.debits_attendus()
        self.assurer_reservations([(n_s, d), (un_s, d)])
        etalons = mesurer_etalons(self.etalons, self.dossier, self.epingle_serveur, env)
        rafraichis = self.patients.rafraichir(MARGE_JETON_S + 4 * d)
        if rafraichis:
            journal(f"  refreshed {rafraichis} access tokens")
        self.patients.ecrire_jetons(self.jetons)
        m0 = metriques(self.client, self.serveur.jeton_metriques)
        resa_n, cpu_n = self.reserver(quoi, CONNEXIONS_RESA, d)
        m1 = metriques(self.client, self.serveur.jeton_metriques)
        resa_1, cpu_1 = self.reserver(quoi, 1, d)
        m2 = metriques(self.client, self.serveur.jeton_metriques)
        self.debits_resa.append((self.debit_consomme(resa_n), self.debit_consomme(resa_1)))
        # The floor under a booking: an authenticated request (token checked, session read) that writes
        # nothing, as a booking's client sends it.
        self.jeton_me.write_text(self.patients.liste[0].acces + "\n")
        me_args = [str(self.chemin_me), f"jeton={self.jeton_me}"]
        me_1 = self.wrk.mesurer("GET /me", 1, d, "charge-get.lua", me_args)
        me_n = self.wrk.mesurer("GET /me", CONNEXIONS_DEBIT, d, "charge-get.lua", me_args)
        return Reservations(etalons, resa_n, resa_1, lot_moyen(m0, m1), lot_moyen(m1, m2),
                            m2.get("toubeelib_ecritures_lot_max", math.nan), cpu_n, cpu_1, me_1, me_n)

    def disque_lent(self, env: dict[str, str]) -> list[Reservations]:
        """The bookings again, a pair per round, with every sync slowed by the `fsync-lent.so` shim
        (the server must have been restarted with it): the baseline and the server on the same slow
        disk."""
        mesures = []
        for numero in range(1, self.p.rounds + 1):
            journal(f"slow disk, round {numero}/{self.p.rounds}: bookings")
            mesures.append(self.reservations_du_round("bookings, slow disk", env))
        return mesures

    def connexion_apres_flood(self, email: str) -> int:
        """One sign-in with the right password once the flood is over: 200 unless locked out (429)."""
        for _ in range(20):
            r = self.client.requete("POST", "/auth/signin", {"email": email, "password": MOT_DE_PASSE})
            if r.status != 503:
                if r.status != 200:
                    journal(f"  sign-in after the flood: {r.status} {r.texte[:300]}")
                return r.status
            time.sleep(0.5)
        return 503

    def graphique(self, maximum: float) -> list[tuple[float, Mesure]]:
        """The disponibilités at fractions of `maximum` req/s offered (charge-rythme.lua)."""
        journal(f"chart: disponibilites at {len(PALIERS)} offered loads up to {PALIERS[-1]:.0%} of {maximum:.0f} req/s")
        points = []
        for fraction in PALIERS:
            offert = max(1.0, fraction * maximum)
            m = self.wrk.mesurer(f"disponibilites offered {offert:.0f} req/s", CONNEXIONS_GRAPHIQUE, self.p.duree,
                                 "charge-rythme.lua", [str(self.chemins_dispo), f"{offert:.3f}"])
            points.append((offert, m))
        return points


# ----------------------------------------------------------------------------------------------- chart


def dessiner_svg(points: list[tuple[float, Mesure]], maximum: float, chemin: Path, sous_titre: str) -> None:
    """Latency percentiles vs offered load: linear x, log y, one polyline per percentile."""
    largeur, hauteur = 760, 460
    g, d, h, b = 80, 30, 56, 64  # margins
    larg, haut = largeur - g - d, hauteur - h - b
    series = [("p50", "#1b7837", lambda m: m.p50), ("p90", "#e08214", lambda m: m.p90),
              ("p99", "#b2182b", lambda m: m.p99)]
    valeurs = [f(m) for _, m in points for _, _, f in series if f(m) > 0]
    if not valeurs:
        journal("chart: no latency to draw")
        return
    y_bas = 10 ** math.floor(math.log10(min(valeurs)))
    y_haut = 10 ** math.ceil(math.log10(max(valeurs)))
    if y_haut <= y_bas:
        y_haut = y_bas * 10
    x_haut = max(o for o, _ in points) * 1.05

    def x(v: float) -> float:
        return g + larg * v / x_haut

    def y(v: float) -> float:
        v = max(v, y_bas)
        return h + haut * (1 - (math.log10(v) - math.log10(y_bas)) / (math.log10(y_haut) - math.log10(y_bas)))

    def nombre_ms(v: float) -> str:
        return f"{v:g} ms" if v >= 1 else f"{v:.3g} ms"

    e = []
    e.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{largeur}" height="{hauteur}" '
             f'viewBox="0 0 {largeur} {hauteur}" font-family="sans-serif" font-size="12">')
    e.append(f'<rect width="{largeur}" height="{hauteur}" fill="white"/>')
    e.append(f'<text x="{largeur / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">'
             f'GET /praticiens/{{id}}/disponibilites (31 days): latency vs offered load</text>')
    e.append(f'<text x="{largeur / 2}" y="40" text-anchor="middle" fill="#555">{html.escape(sous_titre)}</text>')
    # y grid: 1, 2, 5 × 10^k
    decade = y_bas
    while decade <= y_haut * 1.0001:
        for k in (1, 2, 5):
            v = decade * k
            if v > y_haut * 1.0001:
                break
            principal = k == 1
            e.append(f'<line x1="{g}" x2="{g + larg}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="{"#bbb" if principal else "#e5e5e5"}"/>')
            e.append(f'<text x="{g - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                     f'fill="{"#000" if principal else "#777"}">{nombre_ms(v)}</text>')
        decade *= 10
    # x grid: about 6 round steps
    pas = 10 ** math.floor(math.log10(x_haut / 6))
    for m in (1, 2, 5, 10):
        if x_haut / (pas * m) <= 7:
            pas *= m
            break
    v = 0.0
    while v <= x_haut:
        e.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{h}" y2="{h + haut}" stroke="#e5e5e5"/>')
        e.append(f'<text x="{x(v):.1f}" y="{h + haut + 18}" text-anchor="middle">{v:g}</text>')
        v += pas
    e.append(f'<line x1="{x(maximum):.1f}" x2="{x(maximum):.1f}" y1="{h}" y2="{h + haut}" '
             f'stroke="#555" stroke-dasharray="5,4"/>')
    e.append(f'<text x="{x(maximum) - 4:.1f}" y="{h + 14}" text-anchor="end" fill="#555">'
             f'maximum measured, {CONNEXIONS_DEBIT} conn.: {maximum:.0f} req/s</text>')
    e.append(f'<rect x="{g}" y="{h}" width="{larg}" height="{haut}" fill="none" stroke="#000"/>')
    e.append(f'<text x="{g + larg / 2}" y="{hauteur - 22}" text-anchor="middle">'
             f'offered load (requests/s; {CONNEXIONS_GRAPHIQUE} connections, Poisson arrivals)</text>')
    e.append(f'<text transform="translate(18 {h + haut / 2}) rotate(-90)" text-anchor="middle">'
             f'latency (log scale)</text>')
    for rang, (nom, couleur, f) in enumerate(series):
        coords = " ".join(f"{x(o):.1f},{y(f(m)):.1f}" for o, m in points)
        e.append(f'<polyline points="{coords}" fill="none" stroke="{couleur}" stroke-width="2"/>')
        for o, m in points:
            e.append(f'<circle cx="{x(o):.1f}" cy="{y(f(m)):.1f}" r="3" fill="{couleur}">'
                     f'<title>{nom} at {o:.0f} req/s offered ({m.debit:.0f} achieved): {f(m):.3f} ms</title></circle>')
        lx, ly = g + 14, h + 16 + 18 * rang
        e.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly}" y2="{ly}" stroke="{couleur}" stroke-width="2"/>')
        e.append(f'<text x="{lx + 28}" y="{ly + 4}">{nom}</text>')
    # Where the server could not keep up, say what it achieved.
    for o, m in points:
        if m.debit < 0.9 * o:
            e.append(f'<text x="{x(o):.1f}" y="{y(m.p99) - 9:.1f}" text-anchor="middle" font-size="10" fill="#555">'
                     f'achieved {m.debit:.0f}/s</text>')
    e.append("</svg>")
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text("\n".join(e) + "\n")
    journal(f"wrote {chemin}")


# ---------------------------------------------------------------------------------------------- report


@dataclasses.dataclass
class Prelude:
    """What came before the rounds."""

    seed_ligne: str
    seed_s: float
    store_mib: float
    reindex_ligne: str
    reindex_s: float
    demarrage_s: float
    praticiens_dispo: int
    dispo_vides: int
    dispo_refus: int


def ms(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.3f}"


def fois(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.2f}"


def atteint(valeur: float, op: str, borne: float) -> str:
    if math.isnan(valeur):
        return "n/a"
    ok = valeur <= borne if op == "le" else valeur >= borne
    return "yes" if ok else "**no**"


def lignes_plancher(commits: float, me_1: float, borne_1: float, cpu_n: float, cpu_1: float,
                    me_n: float) -> list[str]:
    """The rows that say how far the booking targets are from this machine's limits: the floor under
    a booking with 1 client (an authenticated round trip, then one commit of the loop), and the CPU a
    booking may cost for 32 clients to reach 3 × the loop on the server's one core."""
    commit_ms = 1000 / commits if commits else math.nan
    plafond_1 = 1000 / (me_1 + commit_ms) if me_1 + commit_ms else math.nan
    budget_us = 1e6 / (3 * commits) if commits else math.nan
    me_us = 1e6 / me_n if me_n else math.nan
    return [
        f"| floor of a booking with 1 client: an authenticated `GET /me` (mean {ms(me_1)} ms, 1 connection), then "
        f"one durable commit of the loop ({ms(commit_ms)} ms) | at most {plafond_1:.0f} /s "
        f"| redb single-commit loop {commits:.0f} commits/s | ≤ {fois(borne_1)} | ≥ 0.8 "
        f"| {'n/a' if math.isnan(borne_1) else 'reachable' if borne_1 >= 0.8 else '**out of reach here**'} |",
        f"| server CPU per durable booking, {CONNEXIONS_RESA} clients; 1 client | {cpu_n:.0f} µs; {cpu_1:.0f} µs "
        f"| for 3 × the loop on one core: ≤ {budget_us:.0f} µs | {fois(cpu_n / budget_us) if budget_us else 'n/a'} "
        f"of the budget | | |",
        f"| authenticated `GET /me` (writes nothing), {CONNEXIONS_DEBIT} connections | {me_n:.0f} req/s "
        f"({me_us:.0f} µs of the server's core each) | 3 × the loop: {3 * commits:.0f} /s | {fois(me_n / commits) if commits else 'n/a'} "
        "× the loop | | |",
    ]


def rediger(p: Parametres, machine: Machine, prelude: Prelude, rounds: list[Round],
            points: list[tuple[float, Mesure]], maximum: float, rss_kib: int, hwm_kib: int,
            resa: ListeReservations, patients: Patients, inattendues: int, epuisements: int,
            lien_svg: str, lents: list[Reservations]) -> tuple[str, str]:
    """The BENCHMARKS.md section, and the tables alone (for stdout)."""

    def med(f: Callable[[Round], float]) -> float:
        return mediane([f(r) for r in rounds])

    h_n = med(lambda r: r.health_n.debit)
    dp_n = med(lambda r: r.dispo_n.debit)
    r_dispo = med(lambda r: ratio(r.dispo_n.debit, r.health_n.debit))
    h1_50, h1_99 = med(lambda r: r.health_1.p50), med(lambda r: r.health_1.p99)
    d1_50, d1_99 = med(lambda r: r.dispo_1.p50), med(lambda r: r.dispo_1.p99)
    dn_50, dn_99 = med(lambda r: r.dispo_n.p50), med(lambda r: r.dispo_n.p99)
    s1_50, s1_99 = med(lambda r: r.recherche_1.p50), med(lambda r: r.recherche_1.p99)
    commits = med(lambda r: r.resa.commits)
    syncs = med(lambda r: float(r.resa.etalons.get("syncs_par_s", math.nan)))
    argon2 = med(lambda r: float(r.resa.etalons.get("argon2_hachages_par_s", math.nan)))
    rn = med(lambda r: r.resa.resa_n.par_s(201))
    r1 = med(lambda r: r.resa.resa_1.par_s(201))
    r_rn = med(lambda r: ratio(r.resa.resa_n.par_s(201), r.resa.commits))
    r_r1 = med(lambda r: ratio(r.resa.resa_1.par_s(201), r.resa.commits))
    rn_50, rn_99 = med(lambda r: r.resa.resa_n.p50), med(lambda r: r.resa.resa_n.p99)
    r1_50, r1_99 = med(lambda r: r.resa.resa_1.p50), med(lambda r: r.resa.resa_1.p99)
    lot_n, lot_1 = med(lambda r: r.resa.lot_moyen_n), med(lambda r: r.resa.lot_moyen_1)
    cpu_n, cpu_1 = med(lambda r: r.resa.cpu_n_us), med(lambda r: r.resa.cpu_1_us)
    me_1, me_n = med(lambda r: r.resa.me_1.moyenne), med(lambda r: r.resa.me_n.debit)
    borne_1 = med(lambda r: r.resa.borne_1)
    lot_max = max((r.resa.lot_max for r in rounds if not math.isnan(r.resa.lot_max)), default=math.nan)
    repos_99, flood_99 = med(lambda r: r.health_repos.p99), med(lambda r: r.health_flood.p99)
    repos_50, flood_50 = med(lambda r: r.health_repos.p50), med(lambda r: r.health_flood.p50)
    r_flood = med(lambda r: ratio(r.health_flood.p99, r.health_repos.p99))
    rythme_99 = med(lambda r: r.health_flood_rythme.p99)
    r_rythme = med(lambda r: ratio(r.health_flood_rythme.p99, r.health_repos.p99))
    rythme_ok = med(lambda r: r.flood_rythme.par_s(200))
    rythme_debit = med(lambda r: r.flood_rythme.debit)
    rythme_503 = sum(r.flood_rythme.statut(503) for r in rounds)
    signin_ok = med(lambda r: r.flood.par_s(200))
    signin_debit = med(lambda r: r.flood.debit)
    n503 = sum(r.flood.statut(503) for r in rounds)
    n429 = sum(r.flood.statut(429) for r in rounds)
    n401 = sum(r.flood.statut(401) for r in rounds)
    apres = sorted({r.connexion_apres for r in rounds})
    non201 = {}
    for r in rounds:
        for m in (r.resa.resa_n, r.resa.resa_1):
            for s, n in m.statuts.items():
                if s != "201":
                    non201[s] = non201.get(s, 0) + n
    rss_mib, hwm_mib = rss_kib / 1024, hwm_kib / 1024
    hwm_mb = hwm_kib * 1024 / 1e6
    lot_texte = "n/a (no `toubeelib_ecritures_*` metrics)" if math.isnan(lot_n) else f"{lot_n:.1f}"
    lot1_texte = "n/a" if math.isnan(lot_1) else f"{lot_1:.2f}"

    principal = [
        "| measure | figure | baseline | ratio | target | met |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| `GET /praticiens/{{id}}/disponibilites` (31 days) throughput, {CONNEXIONS_DEBIT} connections "
        f"| {dp_n:.0f} req/s | `/health` {h_n:.0f} req/s | **{fois(r_dispo)}** | ≥ 0.5 | {atteint(r_dispo, 'ge', 0.5)} |",
        f"| disponibilités p50 / p99, 1 connection | {ms(d1_50)} / {ms(d1_99)} ms "
        f"| `/health` {ms(h1_50)} / {ms(h1_99)} ms | {fois(ratio(d1_99, h1_99))} (p99) | | |",
        f"| disponibilités p50 / p99, {CONNEXIONS_DEBIT} connections (saturated) | {ms(dn_50)} / {ms(dn_99)} ms | | | | |",
        f"| search with typos (`bench/recherche.lua`), p50, 1 connection | {ms(s1_50)} ms "
        f"| `/health` {ms(h1_50)} ms | {fois(ratio(s1_50, h1_50))} | | |",
        f"| search with typos, p99, 1 connection, {p.praticiens} praticiens | {ms(s1_99)} ms "
        f"| `/health` {ms(h1_99)} ms | {fois(ratio(s1_99, h1_99))} | ≤ 10 ms | {atteint(s1_99, 'le', 10)} |",
        f"| durable bookings/s, {CONNEXIONS_RESA} clients | {rn:.0f} /s | redb single-commit loop {commits:.0f} commits/s "
        f"| **{fois(r_rn)}** | ≥ 3 | {atteint(r_rn, 'ge', 3)} |",
        f"| durable bookings/s, 1 client | {r1:.0f} /s | redb single-commit loop {commits:.0f} commits/s "
        f"| **{fois(r_r1)}** | ≥ 0.8 | {atteint(r_r1, 'ge', 0.8)} |",
        f"| booking p50 / p99, {CONNEXIONS_RESA} clients; 1 client | {ms(rn_50)} / {ms(rn_99)} ms; "
        f"{ms(r1_50)} / {ms(r1_99)} ms | | | | |",
        f"| mean write batch during the bookings ({CONNEXIONS_RESA} clients; 1 client) | {lot_texte}; {lot1_texte} "
        f"| largest batch since start: {'n/a' if math.isnan(lot_max) else f'{lot_max:.0f}'} | | | |",
        *lignes_plancher(commits, me_1, borne_1, cpu_n, cpu_1, me_n),
        f"| `/health` p99 during a sign-in flood of {FLOOD_DEBIT}/s offered ({CONNEXIONS_FLOOD} connections) "
        f"| {ms(rythme_99)} ms | idle {ms(repos_99)} ms | **{fois(r_rythme)}** | ≤ 3 | {atteint(r_rythme, 'le', 3)} |",
        f"| sign-ins answered 200 during it | {rythme_ok:.1f} /s (of {rythme_debit:.0f} answers/s; {rythme_503} × 503) "
        f"| argon2id on one thread {argon2:.1f} hashes/s | {fois(ratio(rythme_ok, argon2))} | | |",
        f"| `/health` p99 during a saturating sign-in flood ({CONNEXIONS_FLOOD} connections, each resent at once) "
        f"| {ms(flood_99)} ms | idle {ms(repos_99)} ms | **{fois(r_flood)}** | ≤ 3 | {atteint(r_flood, 'le', 3)} |",
        f"| sign-ins answered 200 during it | {signin_ok:.1f} /s (of {signin_debit:.0f} answers/s) "
        f"| argon2id on one thread {argon2:.1f} hashes/s | {fois(ratio(signin_ok, argon2))} | | |",
        f"| server RSS after the runs (peak) | {rss_mib:.0f} MiB ({hwm_mib:.0f} MiB = {hwm_mb:.0f} MB) | | "
        f"| ≤ 500 MB | {atteint(hwm_mb, 'le', 500)} |",
        f"| start to `listening`, index present | {prelude.demarrage_s:.2f} s | | | ≤ 2 s "
        f"| {atteint(prelude.demarrage_s, 'le', 2)} |",
        f"| seed-scale, {p.praticiens} praticiens and {p.rdvs} rdvs (wall clock) | {prelude.seed_s:.1f} s "
        f"(store {prelude.store_mib:.0f} MiB) | | | | |",
        f"| index build (`toubeelib reindex`) | {prelude.reindex_s:.2f} s | | | | |",
    ]
    par_round = [
        f"| round | `/health` {CONNEXIONS_DEBIT} conn. | disponibilités {CONNEXIONS_DEBIT} conn. | `/health` 1 conn. p50 / p99 "
        f"| disponibilités 1 conn. p50 / p99 | search 1 conn. p50 / p99 | redb loop | bookings {CONNEXIONS_RESA} clients "
        f"| bookings 1 client | mean batch | `/health` p99 idle / paced / saturating flood | sign-ins 200 (paced; saturating) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i, r in enumerate(rounds, 1):
        par_round.append(
            f"| {i} | {r.health_n.debit:.0f} req/s | {r.dispo_n.debit:.0f} req/s "
            f"| {ms(r.health_1.p50)} / {ms(r.health_1.p99)} ms | {ms(r.dispo_1.p50)} / {ms(r.dispo_1.p99)} ms "
            f"| {ms(r.recherche_1.p50)} / {ms(r.recherche_1.p99)} ms | {r.resa.commits:.0f} commits/s "
            f"| {r.resa.resa_n.par_s(201):.0f} /s ({fois(ratio(r.resa.resa_n.par_s(201), r.resa.commits))}) "
            f"| {r.resa.resa_1.par_s(201):.0f} /s ({fois(ratio(r.resa.resa_1.par_s(201), r.resa.commits))}) "
            f"| {'n/a' if math.isnan(r.resa.lot_moyen_n) else f'{r.resa.lot_moyen_n:.1f}'} "
            f"| {ms(r.health_repos.p99)} / {ms(r.health_flood_rythme.p99)} / {ms(r.health_flood.p99)} ms "
            f"| {r.flood_rythme.par_s(200):.1f} /s; {r.flood.par_s(200):.1f} /s ({r.flood.statut(503)} × 503) |"
        )
    graphique = [
        "| offered | achieved | p50 | p90 | p99 | non-2xx + socket errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for offert, m in points:
        graphique.append(f"| {offert:.0f} req/s ({offert / maximum:.0%}) | {m.debit:.0f} req/s | {ms(m.p50)} ms "
                         f"| {ms(m.p90)} ms | {ms(m.p99)} ms | {m.inattendues(None)} |")

    lent = []
    if lents:
        def medl(f: Callable[[Reservations], float]) -> float:
            return mediane([f(x) for x in lents])

        c_l = medl(lambda x: x.commits)
        syncs_l = medl(lambda x: float(x.etalons.get("syncs_par_s", math.nan)))
        rn_l, r1_l = medl(lambda x: x.resa_n.par_s(201)), medl(lambda x: x.resa_1.par_s(201))
        q_n = medl(lambda x: ratio(x.resa_n.par_s(201), x.commits))
        q_1 = medl(lambda x: ratio(x.resa_1.par_s(201), x.commits))
        lot_nl, lot_1l = medl(lambda x: x.lot_moyen_n), medl(lambda x: x.lot_moyen_1)
        plancher_l = lignes_plancher(c_l, medl(lambda x: x.me_1.moyenne), medl(lambda x: x.borne_1),
                                     medl(lambda x: x.cpu_n_us), medl(lambda x: x.cpu_1_us),
                                     medl(lambda x: x.me_n.debit))
        autres = sum(x.resa_n.inattendues((201,)) + x.resa_1.inattendues((201,)) for x in lents)
        lent = [
            f"The bookings again on a slower disk: the server restarted with `bench/fsync-lent.c` preloaded "
            f"(`LD_PRELOAD`), which makes every `fsync`/`fdatasync` {p.fsync_lent_us} µs longer, as on a network "
            f"disk; `etalons` under the same shim ({syncs_l:.0f} syncs/s); {len(lents)} round(s), medians; answers "
            f"other than 201: {autres}.",
            "",
            "| measure, slower disk | figure | baseline | ratio | target | met |",
            "| --- | --- | --- | --- | --- | --- |",
            f"| durable bookings/s, {CONNEXIONS_RESA} clients | {rn_l:.0f} /s | redb single-commit loop {c_l:.0f} commits/s "
            f"| **{fois(q_n)}** | ≥ 3 | {atteint(q_n, 'ge', 3)} |",
            f"| durable bookings/s, 1 client | {r1_l:.0f} /s | redb single-commit loop {c_l:.0f} commits/s "
            f"| **{fois(q_1)}** | ≥ 0.8 | {atteint(q_1, 'ge', 0.8)} |",
            f"| mean write batch ({CONNEXIONS_RESA} clients; 1 client) | "
            f"{'n/a' if math.isnan(lot_nl) else f'{lot_nl:.1f}'}; {'n/a' if math.isnan(lot_1l) else f'{lot_1l:.2f}'} "
            "| | | | |",
            *plancher_l,
        ]
    statuts_resa = ", ".join(f"{n} × {s}" for s, n in sorted(non201.items())) or "none"
    quick = (" **QUICK mode: a small store and short runs while developing, not the figures of issue 9.**"
             if p.quick else "")
    sortie = [
        DEBUT_SECTION,
        "## Load on the scale store (issue 9)",
        "",
        f"`bench/charge.py` (by hand, not in CI), measured {machine.jour}.{quick}",
        "",
        f"- Machine: {machine.texte()}; data directory on {machine.systeme_fichiers}, `df -h`: `{machine.df}`; "
        f"{machine.epinglage}; {machine.wrk}, 1 thread.",
        f"- Store: `toubeelib seed-scale --praticiens {p.praticiens} --rdvs {p.rdvs} --graine {p.graine}` printed",
        f"  `{prelude.seed_ligne}` ({prelude.seed_s:.1f} s); `toubeelib reindex` printed `{prelude.reindex_ligne}` "
        f"({prelude.reindex_s:.2f} s). The server: `toubeelib serve --seed none`, `TOUBEELIB_LOG=warn`.",
        f"- Method: {p.echauffement} s of warm-up per route, then {p.rounds} round{'s' if p.rounds > 1 else ''} of {p.duree} s per run; within a round "
        "each measure runs right after its baseline. Figures are the medians of the rounds; a ratio is the median of "
        "the rounds' ratios. Latency is read with 1 connection (no request waits behind another), throughput with "
        f"{CONNEXIONS_DEBIT} (the server's core saturated).",
        f"- Disponibilités: `GET /praticiens/{{id}}/disponibilites?debut=…&fin=…` over the {FENETRE_JOURS} days from "
        f"tomorrow 00:00 UTC, cycling through {prelude.praticiens_dispo} praticiens taking new patients (each answered "
        f"200 with créneaux before the runs; {prelude.dispo_vides} without créneaux and {prelude.dispo_refus} other "
        "answers were left out), `bench/charge-get.lua`; no booking touches their agendas.",
        "- Search: the 16 queries with typos of `bench/recherche.lua` (`bench/charge-recherche.lua` adds the report).",
        f"- Bookings: before each booking round, `etalons DIR/etalons 3` (`server/examples/etalons.rs`, on the data "
        "directory's disk) measures the round's baseline: a loop of redb write transactions inserting one record and "
        "committing durably each, i.e. the bookings/s of a server without group commit. Then `POST /rdvs` "
        f"(`bench/charge-rdvs.lua`) with {CONNEXIONS_RESA} connections for {p.duree} s, then 1 for {p.duree} s; durable "
        "bookings/s = answers 201 ÷ duration. Each request is the next line of a list prepared over HTTP: the free "
        f"créneaux of {resa.praticiens} other praticiens over the {FENETRES_RESA * FENETRE_JOURS} days after the "
        f"disponibilités' window, each used once, given to {len(patients.liste)} patients registered for the run "
        "(`POST /auth/register`) so that none holds two overlapping créneaux (interval partitioning); a run starts "
        f"where the previous one stopped. Answers other than 201: {statuts_resa}. The mean batch is the delta of "
        "`toubeelib_ecritures_total` ÷ the delta of `toubeelib_ecritures_lots_total` (`GET /metrics`) over the run; "
        "the server's CPU per booking is its user + system time (`/proc/PID/stat`) over the run ÷ answers 201. After "
        f"the bookings, `GET /me` with a patient's token at 1 and {CONNEXIONS_DEBIT} connections (`bench/charge-get.lua`): "
        "what an authenticated request that writes nothing costs, the floor under a booking"
        f"{'' if epuisements == 0 else f'; **the list ran out {epuisements} time(s): those rates are lower bounds**'}.",
        f"- Sign-in floods: `POST /auth/signin` with a registered patient's correct email and password on "
        f"{CONNEXIONS_FLOOD} connections for {p.duree} s (`bench/charge-connexion.lua`, its wrk niced so that the "
        f"measuring wrk on the same core comes first), first paced at {FLOOD_DEBIT} sign-ins/s offered (Poisson "
        "gaps per connection), then saturating (each connection resends as soon as answered); from 1 s into "
        f"each, `GET /health` at 1 connection for {max(1, p.duree - 2)} s; the baseline is the same `/health` run "
        "idle, right before. Answers of the saturating floods: "
        f"{sum(r.flood.statut(200) for r in rounds)} × 200, {n503} × 503 (the argon2 queue full: refused at once), "
        f"{n429} × 429, {n401} × 401; a correct sign-in after each flood answered {', '.join(map(str, apres))} "
        "(a correct password never counts towards the lockout of `server/src/auth/limiteur.rs`). /health p50 idle / "
        f"flood: {ms(repos_50)} / {ms(flood_50)} ms.",
        f"- Baselines of the disk and CPU (`etalons`, medians): {syncs:.0f} `fdatasync`/s of 4 KiB, {argon2:.1f} argon2id "
        "hashes/s on one thread at the server's parameters.",
        f"- Unexpected answers and socket errors over all measured runs: {inattendues}.",
        "",
        *principal,
        "",
        *par_round,
        "",
        *([*lent, ""] if lent else []),
        f"Latency of the disponibilités vs offered load ([{lien_svg}]({lien_svg})): "
        f"{CONNEXIONS_GRAPHIQUE} connections, {p.duree} s per step, offered "
        f"{', '.join(f'{f:.0%}' for f in PALIERS)} of the maximum above ({maximum:.0f} req/s). Open-loop approximation "
        "(`bench/charge-rythme.lua`): one Poisson arrival stream at the offered rate, each arrival sent by a "
        "connection free then; wrk times from the actual send, so above saturation (achieved < offered) the "
        "percentiles leave out the time arrivals waited for a connection.",
        "",
        f"![latency percentiles vs offered load]({lien_svg})",
        "",
        *graphique,
        "",
        f"Reproduce: `{p.commande()}` (also `PATIENTS`, `RESA_DEBIT`, `GARDER`, `BENCHMARKS`, `GRAPHIQUE`, "
        "`CARGO_TARGET_DIR`; `QUICK=1` for a small trial; it installs `wrk` with apt-get if missing).",
        FIN_SECTION,
    ]
    tables = "\n".join(principal + [""] + par_round + [""] + lent + [""] + graphique)
    return "\n".join(sortie) + "\n", tables


def ecrire_section(chemin: Path, section: str) -> None:
    """Replaces the text between the markers (included), or appends the section."""
    texte = chemin.read_text() if chemin.exists() else ""
    debut, fin = texte.find(DEBUT_SECTION), texte.find(FIN_SECTION)
    if debut >= 0 and fin > debut:
        fin += len(FIN_SECTION)
        if texte[fin:fin + 1] == "\n":
            fin += 1
        nouveau = texte[:debut] + section + texte[fin:]
    else:
        nouveau = texte + ("\n" if texte and not texte.endswith("\n") else "") + ("\n" if texte else "") + section
    temporaire = chemin.with_name(chemin.name + ".tmp")
    temporaire.write_text(nouveau)
    temporaire.replace(chemin)
    journal(f"wrote the section of {chemin}")


# ------------------------------------------------------------------------------------------------ main


def chronometrer(commande: list[str], delai_s: float) -> tuple[float, str]:
    """Runs a command; its wall-clock seconds and the first line of its stdout."""
    t0 = time.monotonic()
    fait = executer(commande, delai_s)
    lignes = fait.stdout.strip().splitlines()
    return time.monotonic() - t0, lignes[0] if lignes else ""


def principal() -> int:
    p = Parametres.lire()
    os.chdir(RACINE)
    if p.quick:
        journal("QUICK mode")
    installer_wrk()
    binaire, etalons = construire(p)
    epingle_serveur, epingle_wrk, epinglage = epinglages()

    dossier = Path(tempfile.mkdtemp(prefix="toubeelib-charge.", dir="/tmp"))
    serveur = Serveur(binaire, dossier, epingle_serveur, secrets.token_urlsafe(24))
    wrk: Wrk | None = None
    try:
        machine = decrire_machine(dossier, epinglage)
        journal(f"machine: {machine.texte()}; {machine.systeme_fichiers}; {epinglage}")

        journal(f"seed-scale: {p.praticiens} praticiens, {p.rdvs} rdvs into {dossier}")
        seed_s, seed_ligne = chronometrer(
            [str(binaire), "seed-scale", "--data", str(dossier), "--praticiens", str(p.praticiens),
             "--rdvs", str(p.rdvs), "--graine", str(p.graine)], 1800)
        store_mib = (dossier / "toubeelib.redb").stat().st_size / MIB if (dossier / "toubeelib.redb").exists() else math.nan
        journal(f"{seed_ligne} ({seed_s:.1f} s)")
        reindex_s, reindex_ligne = chronometrer([str(binaire), "reindex", "--data", str(dossier)], 600)
        journal(f"{reindex_ligne} ({reindex_s:.2f} s)")

        journal("serve (index present)")
        demarrage_s = serveur.demarrer()
        journal(f"listening on {serveur.base} after {demarrage_s:.3f} s")
        client = Client(serveur.hote, serveur.port)
        client.exiger((200,), "GET", "/health")
        trouves = client.exiger((200,), "GET", "/praticiens?q=cardiolgue").json().get("items", [])
        if not trouves:
            journal("WARNING: the search for 'cardiolgue' found nothing")

        # --- preparation over HTTP
        demain = dt.datetime.now(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
        fenetre = (demain, demain + dt.timedelta(days=FENETRE_JOURS))
        fenetres_resa = [(demain + dt.timedelta(days=FENETRE_JOURS * k),
                          demain + dt.timedelta(days=FENETRE_JOURS * (k + 1))) for k in range(1, FENETRES_RESA + 1)]
        source = SourcePraticiens(client)
        ids_dispo = source.prendre(PRATICIENS_DISPO if p.praticiens >= 4 * PRATICIENS_DISPO else p.praticiens // 4)
        chemins, refus, vides = praticiens_disponibilites(client, ids_dispo, *fenetre)
        if len(chemins) < min(100, len(ids_dispo) // 2):
            raise Echec(f"only {len(chemins)} of {len(ids_dispo)} praticiens have créneaux over {FENETRE_JOURS} days")
        journal(f"disponibilites: {len(chemins)} praticiens with créneaux ({vides} without, {refus} other answers)")
        chemins_dispo = dossier / "charge-disponibilites.txt"
        chemins_dispo.write_text("".join(c + "\n" for c in chemins))
        chemin_health = dossier / "charge-health.txt"
        chemin_health.write_text("/health\n")

        patients = Patients(client, secrets.token_hex(4))
        reservations = ListeReservations(dossier / "charge-rdvs.txt", client, source, patients, fenetres_resa,
                                         p.patients, p.graine)
        wrk = Wrk(serveur.base, epingle_wrk)
        banc = Banc(p, wrk, client, serveur, etalons, epingle_serveur, dossier, chemins_dispo, chemin_health,
                    reservations, patients)
        n_s, un_s = banc.debits_attendus()
        banc.assurer_reservations([(n_s, p.echauffement), (n_s, p.duree), (un_s, p.duree)])

        # --- measured runs
        banc.echauffer()
        rounds = [banc.round(i) for i in range(1, p.rounds + 1)]
        maximum = mediane([r.dispo_n.debit for r in rounds])
        points = banc.graphique(maximum)
        rss_kib, hwm_kib = serveur.memoire_kib()
        journal(f"server RSS {rss_kib / 1024:.0f} MiB, peak {hwm_kib / 1024:.0f} MiB")
        serveur.arreter()

        # --- the bookings again on a slower disk (every sync FSYNC_LENT_US longer), server restarted
        lents: list[Reservations] = []
        shim = compiler_disque_lent(dossier)
        if shim is not None and p.fsync_lent_us > 0:
            env_lent = {"LD_PRELOAD": str(shim), "FSYNC_LENT_US": str(p.fsync_lent_us)}
            serveur = Serveur(binaire, dossier, epingle_serveur, serveur.jeton_metriques, env_lent)
            journal(f"serve again, every sync {p.fsync_lent_us} µs slower (LD_PRELOAD {shim.name})")
            serveur.demarrer()
            client = Client(serveur.hote, serveur.port)
            wrk = Wrk(serveur.base, epingle_wrk)
            patients.client = client
            reservations.client = client
            source.client = client
            banc.serveur, banc.client, banc.wrk = serveur, client, wrk
            lents = banc.disque_lent(env_lent)
            serveur.arreter()

        # --- report
        inattendues = sum(
            r.health_n.inattendues(None) + r.health_1.inattendues(None) + r.dispo_n.inattendues(None)
            + r.dispo_1.inattendues(None) + r.recherche_1.inattendues(None) + r.resa.resa_n.inattendues((201,))
            + r.resa.resa_1.inattendues((201,)) + r.health_repos.inattendues(None) + r.health_flood.inattendues(None)
            + r.flood.inattendues((200, 503)) + r.flood_rythme.inattendues((200, 503))
            + r.health_flood_rythme.inattendues(None)
            for r in rounds
        ) + sum(m.inattendues(None) for _, m in points) + sum(
            x.resa_n.inattendues((201,)) + x.resa_1.inattendues((201,)) for x in lents)
        chemin_bm = p.benchmarks if p.benchmarks.is_absolute() else RACINE / p.benchmarks
        chemin_svg = p.graphique if p.graphique.is_absolute() else RACINE / p.graphique
        lien_svg = os.path.relpath(chemin_svg, chemin_bm.parent)
        sous_titre = (f"{machine.jour}, {p.praticiens} praticiens, {machine.coeurs} cores ({machine.cpu}), "
                      f"{epinglage}" + (", QUICK mode" if p.quick else ""))
        dessiner_svg(points, maximum, chemin_svg, sous_titre)
        prelude = Prelude(seed_ligne, seed_s, store_mib, reindex_ligne, reindex_s, demarrage_s, len(chemins), vides, refus)
        section, tables = rediger(p, machine, prelude, rounds, points, maximum, rss_kib, hwm_kib, reservations,
                                  patients, inattendues, banc.epuisements, lien_svg, lents)
        ecrire_section(chemin_bm, section)
        print(tables)
        return 0
    finally:
        if wrk is not None:
            wrk.arreter_tout()
        serveur.arreter()
        if p.garder:
            journal(f"data kept in {dossier}")
        else:
            shutil.rmtree(dossier, ignore_errors=True)


def main() -> int:
    # SIGTERM (and SIGHUP) end the run like Ctrl-C: the finally blocks stop the server and clean up.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda numero, _: sys.exit(128 + numero))
    try:
        return principal()
    except Echec as e:
        journal(f"FAILED: {e}")
        return 1
    except KeyboardInterrupt:
        journal("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
