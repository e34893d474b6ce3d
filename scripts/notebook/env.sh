# Sourced by scripts/test, scripts/setup-notebooks and scripts/notebooks: where the
# notebook toolchain lives, and the one build configuration that the tests, the CUDA
# build and the notebooks share.
#
# evcxr compiles a notebook's crate in EVCXR_TMPDIR with its own profile (opt-level 2,
# no debug info, 16 codegen units, `-Cprefer-dynamic`, an explicit --target). Building
# the tests with exactly those settings in the same target folder lets the notebooks
# reuse every compiled dependency instead of rebuilding the whole graph (about 21
# minutes on 2 cores).

DIVCOLLAPSE_CACHE=${DIVCOLLAPSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/diversity-collapse}
export EVCXR_TMPDIR="$DIVCOLLAPSE_CACHE/evcxr"
NOTEBOOK_VENV="$DIVCOLLAPSE_CACHE/jupyter"
# The cargo workspace around evcxr's crate (see scripts/setup-notebooks).
NOTEBOOK_WORKSPACE="$DIVCOLLAPSE_CACHE"
EVCXR_JUPYTER_VERSION=0.22.0
HOST_TRIPLE=$(rustc -vV | sed -n 's/^host: //p')

# evcxr's `[profile.dev]`, plus the same settings for every dependency. cargo reads this
# file for evcxr's builds because it lies in a parent folder of EVCXR_TMPDIR; the tests
# pass it with --config. Build scripts and proc macros then get opt-level 2 on both sides
# (the crate's own `[profile.dev.package."*"]` would otherwise give them 3 in the tests
# and evcxr's build-override 0), and every unit hashes the same.
SHARED_PROFILE="$DIVCOLLAPSE_CACHE/.cargo/config.toml"
mkdir -p "$DIVCOLLAPSE_CACHE/.cargo"
# Writes stdin to $1 unless the file already holds exactly that (keeps timestamps, so
# cargo sees no change). The temporary file is this shell's own, so two scripts that
# source this file at once do not remove each other's.
write_if_changed() {
    local target=$1 new="$1.new.$$"
    cat > "$new"
    if cmp -s "$new" "$target"; then rm -f "$new"; else mv -f "$new" "$target"; fi
}

write_if_changed "$SHARED_PROFILE" <<'TOML'
# Written by scripts/notebook/env.sh (diversity-collapse): the build profile that the
# tests and the evcxr notebooks share.
[profile.dev]
opt-level = 2
debug = false
strip = "debuginfo"
rpath = true
lto = false
debug-assertions = true
codegen-units = 16
panic = "unwind"
incremental = true
overflow-checks = true

[profile.dev.package."*"]
opt-level = 2
debug = false
TOML

# cargo with evcxr's profile, target folder and flags (see above).
shared_cargo() {
    local command=$1
    shift
    CARGO_TARGET_DIR="$EVCXR_TMPDIR/target" RUSTFLAGS=-Cprefer-dynamic cargo "$command" \
        --target "$HOST_TRIPLE" --config "$SHARED_PROFILE" "$@"
}
