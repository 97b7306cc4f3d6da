# Shared by the Pester suites that need a sandbox tenant: dot-source in BeforeAll, then
# `$script:sandbox = Start-TestSandbox` and `Stop-TestSandbox $script:sandbox` in AfterAll.
. (Join-Path $PSScriptRoot '../tools/sandbox.ps1')

function Start-TestSandbox {
    param([int] $Mailboxes = 250, [int] $TokenLifetime = 0, [string[]] $ExtraArguments = @())
    $exe = Join-Path $env:EXONATIVE_TEST_MODULE_ROOT 'bin/exo-sandbox'
    $sandbox = Start-ExoSandbox -Mailboxes $Mailboxes -TokenLifetime $TokenLifetime -ExtraArguments $ExtraArguments -Executable $exe
    Use-ExoSandbox $sandbox
    $sandbox
}

function Stop-TestSandbox {
    param($Sandbox)
    Get-Module ExoNative | ForEach-Object { Disconnect-ExchangeOnline -Confirm:$false 6>$null }
    Clear-ExoSandboxEnvironment
    if ($Sandbox) { Stop-ExoSandbox $Sandbox }
}

function Connect-TestSandbox {
    # App-only sign-in with the sandbox's exchangeAdmin certificate, as scripts do it.
    param([Parameter(Mandatory)] $Sandbox, [hashtable] $Extra = @{})
    $app = $Sandbox.Info.apps.exchangeAdmin
    Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath `
        -CertificatePassword (Get-ExoSandboxCertificatePassword $Sandbox) `
        -Organization $Sandbox.Info.organization -ShowBanner:$false @Extra
}

function Get-TestRequestLog {
    # The sandbox's request log, optionally only admin API calls.
    param([Parameter(Mandatory)] $Sandbox, [switch] $InvokeOnly)
    # Invoke-RestMethod writes a JSON array as one object: enumerate it into entries.
    $log = @(Invoke-ExoSandboxControl -Sandbox $Sandbox -Path 'requests' | ForEach-Object { $_ })
    if ($log.Count -eq 1 -and $log[0].PSObject.Properties['requests']) { $log = @($log[0].requests) }
    if ($InvokeOnly) { $log = @($log | Where-Object { $_.path -like '*/InvokeCommand' }) }
    $log
}
