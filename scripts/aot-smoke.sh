#!/usr/bin/env bash
# Publishes samples/AotSmoke with NativeAOT (clang as the linker, zlib for the runtime) and runs it against a
# throwaway server: a trimming or AOT warning fails the publish (warnings are errors), a wrong value or a missing
# piece of native code fails the run. Prints the binary's size. Used by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
linker=()
if ! command -v clang >/dev/null 2>&1; then
  newest=$(ls /usr/bin/clang-[0-9]* 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$newest" ] && linker=(-p:CppCompilerAndLinker="$(basename "$newest")")
fi
dotnet publish "$root/samples/AotSmoke" -c Release -r linux-x64 -p:PublishAot=true "${linker[@]}" -o "$out" --nologo -v quiet
echo "aot-smoke: native binary $(du -h "$out/AotSmoke" | cut -f1) ($(stat -c %s "$out/AotSmoke") bytes)"
"$out/AotSmoke"
