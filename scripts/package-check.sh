#!/usr/bin/env bash
# Packs every library package from a clean clone of HEAD (as a release build would: ContinuousIntegrationBuild, SourceLink
# to the public repository), checks each package's metadata (readme, licence, repository and commit, XML docs, symbols
# with SourceLink), then builds and runs samples/PackageConsumer, which restores PgWire's packages only from that feed.
# Exits non-zero on the first problem. Used by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$root/Directory.Build.props")
repository=https://github.com/pgwire/pgwire
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git clone -q "$root" "$work/src"
git -C "$work/src" remote set-url origin "$repository.git"
feed="$root/artifacts/packages"
rm -rf "$feed" && mkdir -p "$feed"
packages=(PgWire PgWire.DependencyInjection PgWire.OpenTelemetry PgWire.Dapper)
for id in "${packages[@]}"; do
  dotnet pack "$work/src/src/$id/$id.csproj" -c Release -o "$feed" -p:ContinuousIntegrationBuild=true -warnaserror --nologo -v quiet
done

fail() { echo "package-check: $*" >&2; exit 1; }
for id in "${packages[@]}"; do
  nupkg="$feed/$id.$version.nupkg"; snupkg="$feed/$id.$version.snupkg"
  [ -f "$nupkg" ] || fail "$nupkg was not packed"
  [ -f "$snupkg" ] || fail "$snupkg (symbols) was not packed"
  files=$(unzip -Z1 "$nupkg")
  for f in README.md "lib/net10.0/$id.dll" "lib/net10.0/$id.xml"; do
    grep -qx "$f" <<<"$files" || fail "$id: $f is missing from the package"
  done
  nuspec=$(unzip -p "$nupkg" "$id.nuspec")
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$id: no licence expression"
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || fail "$id: no readme"
  grep -q "<repository type=\"git\" url=\"$repository\" .*commit=\"[0-9a-f]\{40\}\"" <<<"$nuspec" || fail "$id: no repository commit"
  pdb=$(unzip -p "$snupkg" "lib/net10.0/$id.pdb" | strings | grep -c "raw.githubusercontent.com/pgwire/pgwire/" || true)
  [ "$pdb" -gt 0 ] || fail "$id: the symbols carry no SourceLink to the repository"
  echo "package-check: $id $version: readme, licence, repository, docs, symbols with SourceLink"
done

# A fresh package cache, so a package of the same version packed earlier is never used instead.
dotnet build "$root/samples/PackageConsumer" -c Release --packages "$work/packages" -p:PgWireVersion="$version" --nologo -v quiet
dotnet "$root/samples/PackageConsumer/bin/Release/net10.0/PackageConsumer.dll"
