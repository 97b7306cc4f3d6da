# Runs the Pester suites against the module built into -ModuleRoot and prints one closing
# line "N passed, N failed" from Pester's result object. Exit code 1 on any failure.
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModuleRoot,
    [Parameter(Mandatory)] [string[]] $Path
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
$env:EXONATIVE_TEST_MODULE_ROOT = (Resolve-Path $ModuleRoot).Path

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config

$notRun = $result.NotRunCount + $result.SkippedCount
"$($result.PassedCount) passed, $($result.FailedCount) failed, $notRun skipped"
if ($result.FailedCount -gt 0 -or $result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0 -or $result.PassedCount -eq 0) {
    exit 1
}
exit 0
