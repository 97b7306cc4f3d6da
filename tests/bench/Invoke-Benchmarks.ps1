# The benchmark harness (`pwsh ./build.ps1 bench`): measures ExoNative against a hand-written
# Invoke-RestMethod loop and the HttpClient + System.Text.Json limit on the same sandbox
# pages, plus import, connect and memory figures, and writes the table into
# docs/benchmarks.md between its markers. Every figure: median of -Runs runs, with min-max.
param(
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string] $Root,
    [int[]] $Sizes = @(10000, 100000),
    [int] $Runs = 3,
    # The Invoke-RestMethod loop runs at a few dozen records a second: above -SlowLoopSize it
    # runs -SlowLoopRuns times over the first -SlowLoopSize records only (the table says so).
    [int] $SlowLoopRuns = 1,
    [int] $SlowLoopSize = 10000
)
$ErrorActionPreference = 'Stop'
. (Join-Path $Root 'tools/sandbox.ps1')
. (Join-Path $Root 'tools/build-common.ps1')
$pwsh = Get-ExoPwsh
$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
$measure = Join-Path $PSScriptRoot 'Measure-Method.ps1'

function Invoke-Measurement([string] $Method, [string] $SandboxJson, [hashtable] $Extra = @{}) {
    if ($Method -eq 'InvokeRestMethod' -and $script:loopCap -gt 0) { $Extra = $Extra + @{ MaxRecords = $script:loopCap } }
    $arguments = @('-NoProfile', '-NonInteractive', '-File', $measure, '-Method', $Method, '-SandboxJson', $SandboxJson)
    foreach ($k in $Extra.Keys) { $arguments += @("-$k", $Extra[$k]) }
    $output = & $pwsh @arguments
    if ($LASTEXITCODE -ne 0) { throw "$Method failed: $output" }
    ($output | Select-Object -Last 1) | ConvertFrom-Json
}

function Measure-Runs([string] $Method, [string] $SandboxJson, [int] $Count) {
    1..$Count | ForEach-Object { Write-Host "  $Method run $_"; Invoke-Measurement $Method $SandboxJson }
}

function Get-Stats([double[]] $Values) {
    $sorted = $Values | Sort-Object
    [pscustomobject]@{ Median = $sorted[[math]::Floor(($sorted.Count - 1) / 2)]; Min = $sorted[0]; Max = $sorted[-1] }
}

function Format-Stat($Stats, [string] $Format) {
    "$($Stats.Median.ToString($Format)) ($($Stats.Min.ToString($Format))-$($Stats.Max.ToString($Format)))"
}

function Invoke-TimedProcess([string[]] $Arguments) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $pwsh @Arguments | Out-Null
    $watch.Elapsed.TotalMilliseconds
}

$rows = [Collections.Generic.List[string]]::new()
$notes = [Collections.Generic.List[string]]::new()
$labels = [ordered]@{
    ExoNative           = '1. ExoNative `Get-Mailbox -ResultSize Unlimited | Measure-Object`'
    InvokeRestMethod    = '2. hand-written `Invoke-RestMethod` nextLink loop'
    HttpClient          = '3. limit: HttpClient + System.Text.Json, no PowerShell objects'
    ExoNativeProperties = '4. ExoNative `-Properties Name,PrimarySmtpAddress,RecipientTypeDetails`'
}

foreach ($size in $Sizes) {
    Write-Host "==> $size mailboxes"
    $sandbox = Start-ExoSandbox -Mailboxes $size -Executable (Join-Path $ModuleRoot 'bin/exo-sandbox')
    try {
        Use-ExoSandbox $sandbox
        $json = Join-Path $sandbox.StateDir 'sandbox.json'
        $rates = @{}
        foreach ($method in $labels.Keys) {
            $capped = $method -eq 'InvokeRestMethod' -and $size -gt $SlowLoopSize
            $script:loopCap = if ($capped) { $SlowLoopSize } else { 0 }
            $count = if ($capped) { $SlowLoopRuns } else { $Runs }
            $expected = if ($capped) { $SlowLoopSize } else { $size }
            $results = @(Measure-Runs $method $json $count)
            $wrong = $results | Where-Object records -ne $expected
            if ($wrong) { throw "$method returned $($wrong[0].records) records, expected $expected" }
            $rate = Get-Stats ($results | ForEach-Object { $_.records / $_.seconds })
            $growth = Get-Stats ($results | ForEach-Object { ($_.peakKb - $_.baselineKb) / 1024 })
            $peak = Get-Stats ($results | ForEach-Object { $_.peakKb / 1024 })
            $rates[$method] = $rate.Median
            $label = if ($capped) { "$($labels[$method]) (first $SlowLoopSize records only)" } else { $labels[$method] }
            $rows.Add("| $size | $label | $count | $(Format-Stat $rate 'N0') | $(Format-Stat $growth 'N0') | $(Format-Stat $peak 'N0') |")
        }
        $vsLoop = $rates.ExoNative / $rates.InvokeRestMethod
        $vsLimit = $rates.ExoNative / $rates.HttpClient
        $notes.Add("- $size mailboxes: ExoNative / Invoke-RestMethod loop = **$($vsLoop.ToString('N2'))x** (target >= 3x: $(if ($vsLoop -ge 3) { 'met' } else { 'MISSED' })); ExoNative / HttpClient limit = **$($vsLimit.ToString('N2'))** (target >= 0.5: $(if ($vsLimit -ge 0.5) { 'met' } else { 'MISSED' })).")
    }
    finally {
        Stop-ExoSandbox $sandbox
        Clear-ExoSandboxEnvironment
    }
}

Write-Host '==> import, connect and memory figures'
$sandbox = Start-ExoSandbox -Mailboxes 250 -Executable (Join-Path $ModuleRoot 'bin/exo-sandbox')
$other = [Collections.Generic.List[string]]::new()
try {
    Use-ExoSandbox $sandbox
    $json = Join-Path $sandbox.StateDir 'sandbox.json'
    $bare = Get-Stats (1..5 | ForEach-Object { Invoke-TimedProcess @('-NoProfile', '-NonInteractive', '-c', 'exit') })
    $import = Get-Stats (1..5 | ForEach-Object { Invoke-TimedProcess @('-NoProfile', '-NonInteractive', '-c', 'Import-Module ExoNative; exit') })
    $added = $import.Median - $bare.Median
    $other.Add("| Import-Module time over a bare ``pwsh -NoProfile -c exit`` | $($added.ToString('N0')) ms (bare $(Format-Stat $bare 'N0') ms, with import $(Format-Stat $import 'N0') ms) | < 100 ms: $(if ($added -lt 100) { 'met' } else { 'MISSED' }) |")

    $connect = Get-Stats (1..5 | ForEach-Object { (Invoke-Measurement ConnectTime $json).seconds * 1000 })
    $token = Get-Stats (1..5 | ForEach-Object { (Invoke-Measurement RawTokenTime $json).seconds * 1000 })
    $ratio = $connect.Median / $token.Median
    $other.Add("| Certificate connect vs one raw token request (first in a new process) | $(Format-Stat $connect 'N0') ms vs $(Format-Stat $token 'N0') ms = $($ratio.ToString('N2'))x | within 1.3x: $(if ($ratio -le 1.3) { 'met' } else { 'MISSED' }) |")

    $bareMem = Get-Stats (1..3 | ForEach-Object { (Invoke-Measurement BareMemory $json).baselineKb / 1024 })
    $connMem = Get-Stats (1..3 | ForEach-Object { (Invoke-Measurement ImportConnectMemory $json).baselineKb / 1024 })
    $overBare = $connMem.Median - $bareMem.Median
    $other.Add("| Memory after Import-Module + connect over a bare pwsh (RSS) | $($overBare.ToString('N1')) MB (bare $(Format-Stat $bareMem 'N1') MB, connected $(Format-Stat $connMem 'N1') MB) | < 25 MB: $(if ($overBare -lt 25) { 'met' } else { 'MISSED' }) |")

    $loops = @(1..3 | ForEach-Object { Invoke-Measurement ConnectDisconnectLoop $json @{ Iterations = 200 } })
    $loopGrowth = Get-Stats ($loops | ForEach-Object { ($_.endKb - $_.baselineKb) / 1024 })
    $other.Add("| RSS growth over 200 Connect/Disconnect cycles (after 10 warm-up cycles) | $(Format-Stat $loopGrowth 'N1') MB | < 5 MB: $(if ($loopGrowth.Median -lt 5) { 'met' } else { 'MISSED' }) |")
}
finally {
    Stop-ExoSandbox $sandbox
    Clear-ExoSandboxEnvironment
}
$moduleDir = Get-ChildItem (Join-Path $ModuleRoot 'ExoNative') -Directory | Select-Object -Last 1
$moduleBytes = (Get-ChildItem $moduleDir.FullName -Recurse -File | Measure-Object Length -Sum).Sum
$other.Add("| Installed module size ($($moduleDir.Name), one RID) | $(($moduleBytes / 1MB).ToString('N1')) MB | |")

$cpu = (Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$memGb = [math]::Round(([long]((Get-Content /proc/meminfo)[0] -split '\s+')[1]) / 1MB, 1)
$section = @"
<!-- bench:start -->
## Get-Mailbox and module figures

Measured $(Get-Date -Format 'yyyy-MM-dd') by ``pwsh ./build.ps1 bench`` on $([Environment]::ProcessorCount) cores ($cpu), $memGb GiB,
$([Runtime.InteropServices.RuntimeInformation]::OSDescription), pwsh $($PSVersionTable.PSVersion). Each figure is the median
of $Runs runs in fresh pwsh processes (min-max in parentheses), full mailbox records (~230 properties), page size 1000,
sandbox and client on the same machine.

| mailboxes | method | runs | records/s | peak memory growth (MB) | peak RSS (MB) |
|---|---|---|---|---|---|
$($rows -join "`n")

$($notes -join "`n")

| figure | value | target |
|---|---|---|
$($other -join "`n")
<!-- bench:end -->
"@

$doc = Join-Path $Root 'docs/benchmarks.md'
$text = if (Test-Path $doc) { Get-Content -Raw $doc } else { "# Benchmarks`n" }
if ($text -match '(?s)<!-- bench:start -->.*<!-- bench:end -->') {
    $text = $text -replace '(?s)<!-- bench:start -->.*<!-- bench:end -->', $section.Replace('$', '$$')
}
else {
    $text = $text.TrimEnd() + "`n`n" + $section + "`n"
}
Set-Content -Path $doc -Value $text -NoNewline
Write-Host "==> wrote $doc"
Write-Host $section
