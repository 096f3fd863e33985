#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with address sanitizer and runs one or all of them for
# N seconds (default 60) on a working copy of their checked-in corpus (fuzz/corpus/<target>).
#   scripts/fuzz.sh <target|all|build> [seconds]
# Targets: translator conditions push report watch kubeconfig (and webconfig once
# Sources/ServerSupport/WebConfig*.swift exists). New inputs libFuzzer finds stay in
# $FUZZ_DIR/corpus/<target>; `FUZZ_MERGE=1` merges them (minimized, -merge=1) back into
# fuzz/corpus/<target>. Crashes are written to $FUZZ_DIR/crashes/<target>/; FUZZ_TIMEOUT (default
# 10) is the seconds one input may take (raise it on a loaded machine).
#
# How it is built (no SwiftPM: `swift build --sanitize=fuzzer` would rebuild NIO and Hummingbird
# with sanitizers for nothing): each needed library is compiled by swiftc into a static library
# with `-sanitize=fuzzer,address -enable-testing` (the targets reach internal helpers with
# @testable import), only the pure files of a module that has I/O parts (Intake's parsers,
# KubeWatch's decoders and kubeconfig loader); Yams and its C part (libyaml) come from
# .build/checkouts/Yams (resolved by `swift package resolve`), the C part compiled with clang
# `-fsanitize=fuzzer-no-link,address`. Each target is then one entry file
# (`@_cdecl("LLVMFuzzerTestOneInput")`, `-parse-as-library`) linked against those libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-all}
seconds=${2:-60}
out=${FUZZ_DIR:-.build-fuzz}
all_targets="translator conditions push report watch kubeconfig"
if ls Sources/ServerSupport/WebConfig*.swift >/dev/null 2>&1; then all_targets="$all_targets webconfig"; fi
mkdir -p "$out/lib" "$out/bin"
lib="$out/lib"
swift_flags=(-O -g -sanitize=fuzzer,address -parse-as-library -enable-testing -I "$lib")

# Compiles one Swift module into $lib/lib<Name>.a and $lib/<Name>.swiftmodule when a source is newer.
module() {
    local name=$1; shift
    local stamp="$lib/lib$name.a" newer=0 f
    for f in "$@"; do [[ "$f" -nt "$stamp" ]] && newer=1; done
    [[ -f "$stamp" && $newer == 0 ]] && return 0
    echo "fuzz.sh: compiling $name" >&2
    swiftc "${swift_flags[@]}" "${extra[@]}" -module-name "$name" -emit-library -static -emit-module \
        -emit-module-path "$lib/$name.swiftmodule" "$@" -o "$stamp"
}

# Builds the libraries the given targets link (the translator alone needs no Yams: the CI smoke
# run in tests/repo/test_fuzz.py stays short).
build_libs() {
    local wanted=" $* "
    extra=()
    module SednaCatalog $(find Sources/SednaCatalog -name "*.swift" | sort)
    module Intake Sources/Intake/{TextParser,GroupingKey,IntakeError,PushCredentials,WorkerReport}.swift
    [[ $wanted == *" watch "* || $wanted == *" kubeconfig "* || $wanted == *" webconfig "* ]] || return 0
    local yams=.build/checkouts/Yams/Sources
    if [[ ! -d $yams ]]; then swift package resolve >/dev/null; fi
    if [[ ! -f "$lib/libCYaml.a" ]]; then
        echo "fuzz.sh: compiling CYaml" >&2
        local objs=() c
        for c in $yams/CYaml/src/*.c; do
            clang -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I $yams/CYaml/include -c "$c" \
                -o "$lib/$(basename "$c" .c).o"
            objs+=("$lib/$(basename "$c" .c).o")
        done
        ar rcs "$lib/libCYaml.a" "${objs[@]}"
    fi
    extra=(-DSWIFT_PACKAGE -I $yams/CYaml/include -Xcc -DYAML_DECLARE_STATIC)
    module Yams $yams/Yams/*.swift
    module KubeWatch Sources/KubeWatch/{WatchEvent,KubeError,KubeConfig,LineSplitter,ListSplitter}.swift
    if [[ $wanted == *" webconfig "* ]]; then
        # WebConfig checks basic_auth_users' hashes through Bcrypt (libxcrypt via the CCrypt module map).
        extra+=(-I Sources/CCrypt)
        module ServerSupport Sources/ServerSupport/{WebConfig,TLSNames,Bcrypt,ListenAddress,TokenFile,BaseURL,Backoff}.swift
    fi
    extra=()
}

# Links one target: fuzz/<Name>Fuzzer.swift against the libraries it imports.
link() {
    local t=$1 src libs
    case $t in
        translator) src=TranslatorFuzzer; libs="-lIntake -lSednaCatalog" ;;
        conditions) src=ConditionsFuzzer; libs="-lSednaCatalog" ;;
        push) src=PushFuzzer; libs="-lIntake -lSednaCatalog" ;;
        report) src=ReportFuzzer; libs="-lIntake -lSednaCatalog" ;;
        watch) src=WatchFuzzer; libs="-lKubeWatch -lSednaCatalog" ;;
        kubeconfig) src=KubeconfigFuzzer; libs="-lKubeWatch -lYams -lCYaml -lSednaCatalog" ;;
        webconfig) src=WebConfigFuzzer; libs="-lServerSupport -lYams -lCYaml -lSednaCatalog -lcrypt" ;;
        *) echo "fuzz.sh: unknown target $t (one of: $all_targets)" >&2; exit 2 ;;
    esac
    local bin="$out/bin/$t-fuzzer"
    if [[ -f $bin && ! fuzz/$src.swift -nt $bin && -z $(find "$lib" -name "*.a" -newer "$bin") ]]; then return 0; fi
    echo "fuzz.sh: linking $t" >&2
    swiftc "${swift_flags[@]}" -I Sources/CCrypt -I .build/checkouts/Yams/Sources/CYaml/include -Xcc -DYAML_DECLARE_STATIC \
        -module-name "${src}Main" fuzz/$src.swift -L "$lib" $libs -o "$bin" 2>&1 | { grep -v "Cannot export local symbol" || true; }
    [[ ${PIPESTATUS[0]} == 0 ]] || exit 1
}

run() {
    local t=$1 work="$out/corpus/$t" crashes="$out/crashes/$t"
    mkdir -p "$work" "$crashes"
    # The checked-in corpus is read-only input; new finds go to the working folder.
    "$out/bin/$t-fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "fuzz/corpus/$t" 2>&1 | tee "$out/$t.log" | \
        grep -E "^#[0-9]+ +(DONE|INITED)|ERROR|SUMMARY|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==" || true
    if [[ ${FUZZ_MERGE:-0} == 1 ]]; then
        "$out/bin/$t-fuzzer" -merge=1 -max_len=65536 -timeout=10 "fuzz/corpus/$t" "$work" >/dev/null 2>&1
    fi
    if ls "$crashes"/crash-* "$crashes"/oom-* "$crashes"/timeout-* >/dev/null 2>&1; then
        echo "fuzz.sh: $t found failing inputs in $crashes" >&2; return 1
    fi
}

targets=$all_targets
[[ $target != all && $target != build ]] && targets=$target
build_libs $targets
for t in $targets; do link "$t"; done
[[ $target == build ]] && exit 0
status=0
for t in $targets; do echo "== $t"; run "$t" || status=1; done
exit $status
