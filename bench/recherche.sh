#!/usr/bin/env bash
# Search on the scale store: run by hand, never in CI (about 10 minutes with the defaults on 2 cores).
#
# Builds the release binary, writes a scale store into a temporary directory (`toubeelib seed-scale`,
# timed), builds its search index (`toubeelib reindex`, timed), starts the server on 127.0.0.1 with the
# index present (start-to-`listening` timed), warms up, then runs ROUNDS rounds, each interleaving
# GET /health, the GET /praticiens searches with typos of bench/recherche.lua and the ever-different
# searches of bench/recherche-variee.lua, with 1 connection
# (latency) and with CONNEXIONS connections (throughput); wrk and the server are pinned to different
# cores. Records the server's RSS and writes the section "Search on the scale store" of BENCHMARKS.md
# between its markers (a re-run replaces it). Loopback only; every load is bounded by DUREE seconds,
# every wait by a timeout.
#
# Parameters (environment): PRATICIENS (100000), RDVS (1000000), GRAINE (2026), DUREE seconds per
# measured run (20), ROUNDS (3), CONNEXIONS (16), ECHAUFFEMENT seconds (5), GARDER=1 keeps the data
# directory, BENCHMARKS (the file to write, BENCHMARKS.md).
set -euo pipefail

cd "$(dirname "$0")/.."

PRATICIENS=${PRATICIENS:-100000}
RDVS=${RDVS:-1000000}
GRAINE=${GRAINE:-2026}
DUREE=${DUREE:-20}
ROUNDS=${ROUNDS:-3}
CONNEXIONS=${CONNEXIONS:-16}
ECHAUFFEMENT=${ECHAUFFEMENT:-5}
BENCHMARKS=${BENCHMARKS:-BENCHMARKS.md}
ATTENTE_ECOUTE_S=120
BIN=target/release/toubeelib
DEBUT_SECTION='<!-- bench/recherche.sh: start -->'
FIN_SECTION='<!-- bench/recherche.sh: end -->'

log() { printf '[recherche.sh] %s\n' "$*" >&2; }
maintenant() { date +%s.%N; }
ecoule() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# --- wrk, from Debian if missing
if ! command -v wrk >/dev/null; then
    log "installing wrk (apt-get)"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq wrk >/dev/null
fi

# --- the release binary
log "cargo build --release -p server"
cargo build --release -p server

DOSSIER=$(mktemp -d /tmp/toubeelib-bench.XXXXXX)
SERVEUR=""
nettoyer() {
    if [ -n "$SERVEUR" ] && kill -0 "$SERVEUR" 2>/dev/null; then
        kill -TERM "$SERVEUR" 2>/dev/null || true
        wait "$SERVEUR" 2>/dev/null || true
    fi
    if [ -z "${GARDER:-}" ]; then rm -rf "$DOSSIER"; else log "data kept in $DOSSIER"; fi
}
trap nettoyer EXIT

# --- the scale store
log "seed-scale: $PRATICIENS praticiens, $RDVS rdvs into $DOSSIER"
t0=$(maintenant)
"$BIN" seed-scale --data "$DOSSIER" --praticiens "$PRATICIENS" --rdvs "$RDVS" --graine "$GRAINE" \
    >"$DOSSIER/seed.out"
t1=$(maintenant)
SEED_S=$(ecoule "$t0" "$t1")
SEED_LIGNE=$(head -n1 "$DOSSIER/seed.out")
STORE_MIB=$(du -m "$DOSSIER/toubeelib.redb" | cut -f1)
log "$SEED_LIGNE"

# --- the search index
REINDEX_S=""
REINDEX_LIGNE=""
if "$BIN" reindex --help >/dev/null 2>&1; then
    log "reindex"
    t0=$(maintenant)
    "$BIN" reindex --data "$DOSSIER" >"$DOSSIER/reindex.out"
    t1=$(maintenant)
    REINDEX_S=$(ecoule "$t0" "$t1")
    REINDEX_LIGNE=$(head -n1 "$DOSSIER/reindex.out")
    INDEX_MIB=$(du -sm "$DOSSIER/index" 2>/dev/null | cut -f1 || echo "?")
    log "$REINDEX_LIGNE ($REINDEX_S s)"
else
    log "no 'reindex' subcommand in this binary: index build not measured"
fi

# --- the server, pinned away from the load generator
EPINGLE_SERVEUR=()
EPINGLE_WRK=()
EPINGLAGE="none (taskset missing or a single core)"
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    EPINGLE_SERVEUR=(taskset -c 0)
    EPINGLE_WRK=(taskset -c 1)
    EPINGLAGE="server on core 0, wrk on core 1"
fi

log "serve (index present)"
t0=$(maintenant)
TOUBEELIB_LOG=warn "${EPINGLE_SERVEUR[@]}" "$BIN" serve --addr 127.0.0.1:0 --data "$DOSSIER" --seed none \
    >"$DOSSIER/serve.out" 2>"$DOSSIER/serve.err" &
SERVEUR=$!
ADRESSE=""
for _ in $(seq $((ATTENTE_ECOUTE_S * 100))); do
    if ADRESSE=$(sed -n 's|^listening on http://||p' "$DOSSIER/serve.out" | head -n1) && [ -n "$ADRESSE" ]; then
        break
    fi
    if ! kill -0 "$SERVEUR" 2>/dev/null; then
        log "the server exited:"; cat "$DOSSIER/serve.err" >&2; exit 1
    fi
    sleep 0.01
done
t1=$(maintenant)
if [ -z "$ADRESSE" ]; then log "no 'listening' line within ${ATTENTE_ECOUTE_S} s"; exit 1; fi
DEMARRAGE_S=$(ecoule "$t0" "$t1")
BASE="http://$ADRESSE"
log "listening on $BASE after $DEMARRAGE_S s"

# Sanity: /health answers 200 and a search with a typo finds praticiens.
curl -fsS "$BASE/health" >/dev/null
TROUVES=$(curl -fsS "$BASE/praticiens?q=cardiolgue" | grep -o '"rpps"' | wc -l || true)
if [ "$TROUVES" -eq 0 ]; then log "the search for 'cardiolgue' found nothing"; exit 1; fi

# --- load: one wrk run, its p50 and p99 in ms, requests/s and errors (non-2xx, socket) on one line
mesurer() { # connexions duree url [script]
    local connexions=$1 duree=$2 url=$3 script=${4:-}
    local args=(-t1 -c"$connexions" -d"${duree}s" --latency --timeout 5s)
    if [ -n "$script" ]; then args+=(-s "$script"); fi
    "${EPINGLE_WRK[@]}" wrk "${args[@]}" "$url" | awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v + 0
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx or 3xx responses:/ { erreurs += $NF }
        /Socket errors:/ { gsub(",", ""); erreurs += $4 + $6 + $8 + $10 }
        END { printf "%.3f %.3f %.1f %d\n", p50, p99, rps, erreurs + 0 }'
}
mediane() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Latency is read with one connection (a request never waits behind another: the service time);
# throughput with CONNEXIONS (the pinned core saturated, where latency is mostly queueing).
log "warm-up: ${ECHAUFFEMENT} s each"
mesurer "$CONNEXIONS" "$ECHAUFFEMENT" "$BASE/health" >/dev/null
mesurer "$CONNEXIONS" "$ECHAUFFEMENT" "$BASE" bench/recherche.lua >/dev/null
mesurer "$CONNEXIONS" "$ECHAUFFEMENT" "$BASE" bench/recherche-variee.lua >/dev/null

for f in health-1 search-1 varie-1 health-n search-n varie-n; do : >"$DOSSIER/$f.txt"; done
for rond in $(seq "$ROUNDS"); do
    for c in 1 "$CONNEXIONS"; do
        suffixe=n
        if [ "$c" = 1 ]; then suffixe=1; fi
        log "round $rond/$ROUNDS, $c connection(s): /health ${DUREE} s"
        mesurer "$c" "$DUREE" "$BASE/health" | tee -a "$DOSSIER/health-$suffixe.txt" >&2
        log "round $rond/$ROUNDS, $c connection(s): search ${DUREE} s"
        mesurer "$c" "$DUREE" "$BASE" bench/recherche.lua | tee -a "$DOSSIER/search-$suffixe.txt" >&2
        log "round $rond/$ROUNDS, $c connection(s): varied search ${DUREE} s"
        mesurer "$c" "$DUREE" "$BASE" bench/recherche-variee.lua | tee -a "$DOSSIER/varie-$suffixe.txt" >&2
    done
done

RSS_KIB=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVEUR/status")
HWM_KIB=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVEUR/status")
kill -TERM "$SERVEUR"
wait "$SERVEUR" || true
SERVEUR=""

colonne() { awk -v c="$2" '{ print $c }' "$DOSSIER/$1.txt" | mediane; }
H1_P50=$(colonne health-1 1); H1_P99=$(colonne health-1 2)
S1_P50=$(colonne search-1 1); S1_P99=$(colonne search-1 2)
HN_P50=$(colonne health-n 1); HN_P99=$(colonne health-n 2); HN_RPS=$(colonne health-n 3)
SN_P50=$(colonne search-n 1); SN_P99=$(colonne search-n 2); SN_RPS=$(colonne search-n 3)
V1_P50=$(colonne varie-1 1); V1_P99=$(colonne varie-1 2)
VN_P50=$(colonne varie-n 1); VN_P99=$(colonne varie-n 2); VN_RPS=$(colonne varie-n 3)
ERREURS=$(cat "$DOSSIER"/health-*.txt "$DOSSIER"/search-*.txt "$DOSSIER"/varie-*.txt | awk '{ n += $4 } END { print n + 0 }')
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
entier() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# "yes" when `valeur op borne` holds (op: le or ge), "**no**" otherwise.
atteint() { awk -v v="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == "le") ? (v <= b) : (v >= b); print ok ? "yes" : "**no**" }'; }

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEMOIRE_GIB=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1024 / 1024 }' /proc/meminfo)
MACHINE="$(nproc) cores, ${CPU:-unknown CPU}, ${MEMOIRE_GIB} GiB"
JOUR=$(date -u +%Y-%m-%d)
RATIO_RPS=$(ratio "$SN_RPS" "$HN_RPS")
RATIO_VARIE=$(ratio "$VN_RPS" "$HN_RPS")
if [ -n "$REINDEX_S" ]; then
    LIGNE_INDEX="| index build (\`toubeelib reindex\`), $PRATICIENS praticiens | $REINDEX_S s (index ${INDEX_MIB} MiB) | | | ≤ 30 s | $(atteint "$REINDEX_S" le 30) |"
else
    LIGNE_INDEX="| index build (\`toubeelib reindex\`) | not measured: no \`reindex\` in this binary | | | ≤ 30 s | pending |"
fi

SECTION=$(mktemp)
{
    echo "$DEBUT_SECTION"
    echo "## Search on the scale store"
    echo
    echo "\`bench/recherche.sh\` (by hand, not in CI), measured $JOUR."
    echo
    echo "- Machine: $MACHINE; $EPINGLAGE."
    echo "- Load: wrk (1 thread) against \`GET /health\` and, alternating with it, the searches of"
    echo "  \`bench/recherche.lua\` (16 queries with typos, dropped accents and prefixes: \`q=cardiolgue&ville=Lyon\`,"
    echo "  \`q=Nanci\`, \`q=medecin%20generale\`…); ${ECHAUFFEMENT} s of warm-up, then $ROUNDS rounds of ${DUREE} s per"
    echo "  route with 1 connection (latency: no request waits behind another) and with $CONNEXIONS connections"
    echo "  (throughput: the server's core saturated, where latency is mostly queueing). Figures are the medians"
    echo "  of the rounds; each ratio is against \`GET /health\` in the same run (which writes and removes a probe"
    echo "  file and opens a redb read transaction). The same runs again with \`bench/recherche-variee.lua\`:"
    echo "  every request draws its words at random (names, prénoms, villes, trades of the dataset, with a typo"
    echo "  one time in two, a prefix one in four, a ville filter), so queries are rarely the same twice, as in"
    echo "  real traffic: what the server keeps per word (typo automata, dictionary expansions) is measured as"
    echo "  it serves, not as a loop of 16 queries would flatter it."
    echo "- Non-2xx answers and socket errors during the runs: $ERREURS."
    echo "- Store: \`toubeelib seed-scale --praticiens $PRATICIENS --rdvs $RDVS --graine $GRAINE\` printed"
    echo "  \`$SEED_LIGNE\`"
    if [ -n "$REINDEX_LIGNE" ]; then
        echo "- Index: \`toubeelib reindex\` printed \`$REINDEX_LIGNE\`"
    fi
    echo
    echo "| measure | figure | baseline | ratio | target | met |"
    echo "| --- | --- | --- | --- | --- | --- |"
    echo "| seed-scale, $PRATICIENS praticiens and $RDVS rdvs (wall clock) | $SEED_S s (store $STORE_MIB MiB) | | | ≤ 120 s | $(atteint "$SEED_S" le 120) |"
    echo "$LIGNE_INDEX"
    echo "| start to \`listening\`, index present | $DEMARRAGE_S s | | | ≤ 2 s | $(atteint "$DEMARRAGE_S" le 2) |"
    echo "| search with typos, p50, 1 connection | $S1_P50 ms | /health $H1_P50 ms | $(ratio "$S1_P50" "$H1_P50") | | |"
    echo "| search with typos, p99, 1 connection | $S1_P99 ms | /health $H1_P99 ms | $(ratio "$S1_P99" "$H1_P99") | ≤ 10 ms | $(atteint "$S1_P99" le 10) |"
    echo "| search throughput, $CONNEXIONS connections | $(entier "$SN_RPS") req/s | /health $(entier "$HN_RPS") req/s | **$RATIO_RPS** | ≥ 0.3 | $(atteint "$RATIO_RPS" ge 0.3) |"
    echo "| search p50 / p99, $CONNEXIONS connections (saturated) | $SN_P50 / $SN_P99 ms | /health $HN_P50 / $HN_P99 ms | | | |"
    echo "| varied searches, p50 / p99, 1 connection | $V1_P50 / $V1_P99 ms | /health $H1_P50 / $H1_P99 ms | | ≤ 10 ms (p99) | $(atteint "$V1_P99" le 10) |"
    echo "| varied searches, throughput, $CONNEXIONS connections | $(entier "$VN_RPS") req/s | /health $(entier "$HN_RPS") req/s | **$RATIO_VARIE** | ≥ 0.3 | $(atteint "$RATIO_VARIE" ge 0.3) |"
    echo "| server RSS after the runs (peak) | $(mib "$RSS_KIB") MiB ($(mib "$HWM_KIB") MiB) | | | recorded (≤ 500 MB, issue 9) | $(atteint "$(mib "$HWM_KIB")" le 476) |"
    echo
    echo "| round | /health, 1 conn. p50 / p99 | search, 1 conn. p50 / p99 | varied, 1 conn. p50 / p99 | /health, $CONNEXIONS conn. req/s | search, $CONNEXIONS conn. req/s | varied, $CONNEXIONS conn. req/s |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    paste -d' ' "$DOSSIER/health-1.txt" "$DOSSIER/search-1.txt" "$DOSSIER/varie-1.txt" "$DOSSIER/health-n.txt" "$DOSSIER/search-n.txt" "$DOSSIER/varie-n.txt" | awk '{
        printf "| %d | %s / %s ms | %s / %s ms | %s / %s ms | %.0f | %.0f | %.0f |\n", NR, $1, $2, $5, $6, $9, $10, $15, $19, $23 }'
    echo
    echo "How search keeps up (\`server/src/search/moteur.rs\`): a term's alternatives (as is in a weighted field, as a"
    echo "prefix, within its edits) are a few posting lists merged by a small union whose seek skips through each"
    echo "list, so a rare term intersected with a frequent one costs the rare one; documents are indexed in name"
    echo "order, so a segment in that order stops its walk once the page holds the best reachable score (a query"
    echo "matching a third of the country reads a few hundred documents); typo automata and each segment's"
    echo "dictionary expansions are kept per word; the page's profiles are read in one redb transaction, in the"
    echo "same blocking call as the search, and written by serde rather than through a \`serde_json::Value\` tree."
    echo
    echo "Reproduce: \`bench/recherche.sh\` (parameters \`PRATICIENS\`, \`RDVS\`, \`DUREE\`, \`ROUNDS\`, \`CONNEXIONS\` in"
    echo "the environment; it installs \`wrk\` with apt-get if missing)."
    echo "$FIN_SECTION"
} >"$SECTION"

if grep -qF "$DEBUT_SECTION" "$BENCHMARKS"; then
    awk -v debut="$DEBUT_SECTION" -v fin="$FIN_SECTION" -v section="$SECTION" '
        $0 == debut { while ((getline ligne < section) > 0) print ligne; saute = 1; next }
        $0 == fin { saute = 0; next }
        !saute { print }' "$BENCHMARKS" >"$BENCHMARKS.tmp"
    mv "$BENCHMARKS.tmp" "$BENCHMARKS"
else
    { echo; cat "$SECTION"; } >>"$BENCHMARKS"
fi
rm -f "$SECTION"
log "wrote the section of $BENCHMARKS"
