<#
.SYNOPSIS
    ExoNative's one entry point: build, test, demo, package, bench, clean.

.DESCRIPTION
    build    cargo build (release) of rust-core and the sandbox, regenerating the C header;
             dotnet build of the C# layer; assembles the module at out/ExoNative/<version>/
             and the sandbox at out/bin/exo-sandbox.
    test     build, then cargo test, the header check, and the Pester suites under tests/
             against the built module and a sandbox started per suite.
    demo     build when needed, start a sandbox, connect with its app certificate, list five
             mailboxes, disconnect, stop the sandbox.
    package  build, then write out/packages/ExoNative.<version>.nupkg.
    bench    the benchmark harness; writes its table into docs/benchmarks.md.
    clean    remove out/ and cargo's target/.

.PARAMETER Task
    One of: build, test, demo, package, bench, clean. Default: build.

.PARAMETER TestPath
    With 'test': run only these Pester files (cargo tests still run unless -SkipCargo).

.PARAMETER SkipCargo
    With 'test': skip cargo test (for a quick Pester-only run during development).

.EXAMPLE
    pwsh ./build.ps1 demo

.EXAMPLE
    pwsh ./build.ps1 test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'package', 'bench', 'clean')]
    [string] $Task = 'build',

    [string[]] $TestPath,

    [switch] $SkipCargo
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
. (Join-Path $Root 'tools/build-common.ps1')

function Invoke-Native {
    # Runs a native command and stops the build when it fails.
    param([string] $Command, [string[]] $Arguments)
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Command $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build {
    $version = Get-ExoVersion -Root $Root
    Write-Host "==> cargo build --release (exo-core $version, exo-sandbox)"
    Invoke-Native cargo @('build', '--release', '--locked', '--workspace', '--manifest-path', (Join-Path $Root 'Cargo.toml'))

    Write-Host '==> dotnet build ps-module'
    $csharpOut = Join-Path $Out 'obj/ExoNative'
    Invoke-Native dotnet @('build', (Join-Path $Root 'ps-module/src/ExoNative.csproj'), '-c', 'Release', '-o', $csharpOut, '-nologo', '-v', 'quiet', "-p:Version=$version")

    $moduleDir = Join-Path $Out "ExoNative/$version"
    Write-Host "==> assembling $moduleDir"
    if (Test-Path $moduleDir) { Remove-Item $moduleDir -Recurse -Force }
    $rid = Get-ExoRuntimeId
    $nativeDir = Join-Path $moduleDir "runtimes/$rid/native"
    New-Item -ItemType Directory -Force -Path $nativeDir | Out-Null

    $manifest = Get-Content (Join-Path $Root 'ps-module/ExoNative.psd1') -Raw
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'0\.0\.0'", "ModuleVersion = '$version'"
    Set-Content -Path (Join-Path $moduleDir 'ExoNative.psd1') -Value $manifest -NoNewline
    Copy-Item (Join-Path $Root 'ps-module/ExoNative.format.ps1xml') $moduleDir
    Copy-Item (Join-Path $csharpOut 'ExoNative.dll') $moduleDir
    Copy-Item (Join-Path $Root 'LICENSE') $moduleDir
    Copy-Item (Join-Path $Root "target/release/$(Get-ExoNativeLibraryName)") $nativeDir
    # MAML and about_ help from docs/ (in a child pwsh: it imports the module just assembled).
    Invoke-Native (Get-ExoPwsh) @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Root 'tools/build-help.ps1'),
        '-DocsPath', (Join-Path $Root 'docs'), '-ModulePath', (Join-Path $moduleDir 'ExoNative.psd1'), '-OutputPath', (Join-Path $moduleDir 'en-US'))

    $binDir = Join-Path $Out 'bin'
    New-Item -ItemType Directory -Force -Path $binDir | Out-Null
    $exe = if ($IsWindows) { 'exo-sandbox.exe' } else { 'exo-sandbox' }
    # Unlink first: a sandbox still running from out/bin keeps its file busy for overwrites.
    Remove-Item (Join-Path $binDir $exe) -Force -ErrorAction SilentlyContinue
    Copy-Item (Join-Path $Root "target/release/$exe") $binDir
    Write-Host "==> built ExoNative $version ($rid) and out/bin/$exe"
}

function Test-BuildIsCurrent {
    # The demo builds only when nothing is built yet or a source is newer than the module.
    $version = Get-ExoVersion -Root $Root
    $dll = Join-Path $Out "ExoNative/$version/ExoNative.dll"
    if (-not (Test-Path $dll) -or -not (Test-Path (Join-Path $Out 'bin/exo-sandbox*'))) { return $false }
    $builtAt = (Get-Item $dll).LastWriteTimeUtc
    $sources = Get-ChildItem -Recurse -File -Path (Join-Path $Root 'rust-core/src'), (Join-Path $Root 'sandbox/src'), (Join-Path $Root 'ps-module')
    -not ($sources | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.LastWriteTimeUtc -gt $builtAt })
}

function Test-HeaderIsCommitted {
    # cargo build regenerated the header; a difference from the committed one means the ABI
    # changed without the header being committed.
    if (-not (Get-Command git -ErrorAction SilentlyContinue) -or -not (Test-Path (Join-Path $Root '.git'))) {
        Write-Warning 'not a git checkout: skipping the header check'
        return
    }
    & git -C $Root diff --exit-code --stat -- rust-core/include/exo_core.h
    if ($LASTEXITCODE -ne 0) { throw 'rust-core/include/exo_core.h is stale: commit the regenerated header.' }
    Write-Host '==> rust-core/include/exo_core.h matches the ABI'
}

function Invoke-Test {
    Invoke-Build
    Test-HeaderIsCommitted
    $failed = @()
    if (-not $SkipCargo) {
        Write-Host '==> cargo test --release'
        # --no-fail-fast: one failing test binary must not hide the results of the others.
        & cargo test --release --locked --workspace --no-fail-fast --manifest-path (Join-Path $Root 'Cargo.toml')
        if ($LASTEXITCODE -ne 0) { $failed += 'cargo test' }
    }
    Write-Host '==> Pester'
    $pester = Get-ExoPester -Root $Root
    $runner = Join-Path $Root 'tests/run-pester.ps1'
    $paths = if ($TestPath) { $TestPath } else { @(Join-Path $Root 'tests') }
    # A script block (not -File) so that several -TestPath values reach the runner as an array.
    & (Get-ExoPwsh) -NoProfile -NonInteractive -Command {
        param($Runner, $Pester, $ModuleRoot, $Paths)
        & $Runner -PesterPath $Pester -ModuleRoot $ModuleRoot -Path $Paths
        exit $LASTEXITCODE
    } -args $runner, $pester, $Out, $paths
    if ($LASTEXITCODE -ne 0) { $failed += 'Pester' }
    if ($failed) { throw "Failed: $($failed -join ', ')" }
}

function Invoke-Demo {
    if (-not (Test-BuildIsCurrent)) { Invoke-Build }
    & (Get-ExoPwsh) -NoProfile -File (Join-Path $Root 'tools/demo.ps1') -ModuleRoot $Out
    if ($LASTEXITCODE -ne 0) { throw "the demo failed (exit code $LASTEXITCODE)" }
}

function Invoke-Package {
    Invoke-Build
    & (Get-ExoPwsh) -NoProfile -File (Join-Path $Root 'tools/package.ps1') -ModuleRoot $Out
    if ($LASTEXITCODE -ne 0) { throw "packaging failed (exit code $LASTEXITCODE)" }
}

function Invoke-Bench {
    $harness = Join-Path $Root 'tests/bench/Invoke-Benchmarks.ps1'
    if (-not (Test-Path $harness)) {
        Write-Host 'bench: not yet: the benchmark harness arrives with the Get-Mailbox work (issue 5).'
        return
    }
    if (-not (Test-BuildIsCurrent)) { Invoke-Build }
    & (Get-ExoPwsh) -NoProfile -File $harness -ModuleRoot $Out -Root $Root
    if ($LASTEXITCODE -ne 0) { throw "the benchmarks failed (exit code $LASTEXITCODE)" }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'package' { Invoke-Package }
    'bench' { Invoke-Bench }
    'clean' {
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Out
        Invoke-Native cargo @('clean', '--manifest-path', (Join-Path $Root 'Cargo.toml'))
    }
}
