#!/usr/bin/env bash
# Compiles and lints infra/main.bicep with the real Bicep CLI; fails on any error or
# warning (a warning today is a failed deployment or a policy finding tomorrow).
#
# Where bicep comes from, in order: `bicep` on PATH, `az bicep`, else the NuGet package
# Azure.Bicep.CommandLine.linux-x64 (pinned below) restored into .bicep-tools/ by a
# throwaway project with a PackageDownload item. The Bicep compiler is not on npm, and
# NuGet plus the dotnet SDK is what these machines and CI have. Later runs reuse the
# restored binary.
#
# Usage: bash infra/check.sh [--arm-out FILE] [--template FILE]
#   --arm-out FILE (or ARM_OUT=FILE): also keep the compiled ARM JSON at FILE.
#   --template FILE: check another .bicep file (the tests use it to prove the gate bites).
#   BICEP_VERSION: the NuGet package version to restore (default below).
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
PACKAGE_ID="Azure.Bicep.CommandLine.linux-x64"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
template="$root/infra/main.bicep"
tools="$root/.bicep-tools"
arm_out="${ARM_OUT:-}"

while [ $# -gt 0 ]; do
  case "$1" in
    --arm-out) arm_out="${2:?--arm-out needs a file}"; shift 2 ;;
    --arm-out=*) arm_out="${1#--arm-out=}"; shift ;;
    --template) template="$(cd "$(dirname "${2:?--template needs a file}")" && pwd)/$(basename "$2")"; shift 2 ;;
    *) echo "check.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
bicep_cmd=()

find_restored() {
  # NuGet lower-cases package folders; the binary sits in the package's tools/ folder.
  local dir="$tools/packages/$(echo "$PACKAGE_ID" | tr '[:upper:]' '[:lower:]')/$BICEP_VERSION"
  local bin
  bin="$(find "$dir" -type f -name bicep 2>/dev/null | head -n 1 || true)"
  [ -n "$bin" ] && echo "$bin"
}

restore_from_nuget() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "check.sh: no bicep on PATH, no 'az bicep', and no dotnet SDK to restore $PACKAGE_ID from NuGet." >&2
    echo "check.sh: install the .NET SDK (https://dotnet.microsoft.com/download) or the Bicep CLI." >&2
    exit 3
  fi
  # The throwaway project targets whatever SDK is installed (net10.0 on 10.x, etc.).
  local sdk major
  sdk="$(dotnet --version)"
  major="${sdk%%.*}"
  local proj="$tools/restore"
  mkdir -p "$proj"
  cat > "$proj/bicep-restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <!-- Throwaway project written by infra/check.sh: it only downloads the Bicep CLI. -->
  <PropertyGroup>
    <TargetFramework>net${major}.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$PACKAGE_ID" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
  echo "check.sh: restoring $PACKAGE_ID $BICEP_VERSION from NuGet (dotnet $sdk) into .bicep-tools/packages"
  # Keep the SDK's first-run banner and telemetry out of CI logs.
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
    dotnet restore "$proj/bicep-restore.csproj" --packages "$tools/packages" --nologo --verbosity quiet
}

if command -v bicep >/dev/null 2>&1; then
  bicep_cmd=(bicep)
  echo "check.sh: using bicep from PATH: $(command -v bicep)"
elif command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then
  bicep_cmd=(az bicep)
  echo "check.sh: using az bicep"
else
  bin="$(find_restored || true)"
  if [ -n "$bin" ]; then
    echo "check.sh: using cached $PACKAGE_ID $BICEP_VERSION"
  else
    restore_from_nuget
    bin="$(find_restored || true)"
    if [ -z "$bin" ]; then
      echo "check.sh: restore finished but no bicep binary was found under .bicep-tools/packages" >&2
      exit 3
    fi
  fi
  # NuGet extracts files without their execute bit.
  [ -x "$bin" ] || chmod +x "$bin"
  bicep_cmd=("$bin")
  echo "check.sh: bicep binary: ${bin#"$root"/}"
fi
# The CLI's own version line, so a log says exactly which compiler judged the template.
"${bicep_cmd[@]}" --version 2>/dev/null | head -n 1 || true

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Diagnostics go to stderr as "path(line,col) : Warning|Error rule: text"; both steps are
# captured so warnings, which do not change bicep's exit code, still fail the check.
status=0
echo "check.sh: bicep build ${template#"$root"/}"
if ! "${bicep_cmd[@]}" build "$template" --outfile "$work/main.json" > "$work/build.log" 2>&1; then status=1; fi
cat "$work/build.log"
echo "check.sh: bicep lint ${template#"$root"/}"
if ! "${bicep_cmd[@]}" lint "$template" > "$work/lint.log" 2>&1; then status=1; fi
cat "$work/lint.log"

# build and lint report the same finding twice; count each once.
errors=$(cat "$work/build.log" "$work/lint.log" | { grep -iE ' : error ' || true; } | sort -u | wc -l)
warnings=$(cat "$work/build.log" "$work/lint.log" | { grep -iE ' : warning ' || true; } | sort -u | wc -l)
elapsed=$(( $(date +%s) - started ))

if [ "$status" -ne 0 ] || [ "$errors" -ne 0 ] || [ "$warnings" -ne 0 ]; then
  echo "check.sh: FAILED: $errors error(s), $warnings warning(s) (${elapsed}s)" >&2
  exit 1
fi
if [ -n "$arm_out" ]; then
  mkdir -p "$(dirname "$arm_out")"
  cp "$work/main.json" "$arm_out"
  echo "check.sh: compiled ARM template written to $arm_out"
fi
echo "check.sh: OK: build and lint clean, 0 errors, 0 warnings (${elapsed}s)"
