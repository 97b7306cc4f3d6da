# The README's demo: a sandbox tenant, an app-only sign-in with its certificate, five
# mailboxes, a disconnect. Run through `pwsh ./build.ps1 demo`.
param([Parameter(Mandatory)] [string] $ModuleRoot)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'sandbox.ps1')

$env:PSModulePath = $ModuleRoot + [IO.Path]::PathSeparator + $env:PSModulePath
$sandbox = Start-ExoSandbox -Executable (Join-Path $ModuleRoot 'bin/exo-sandbox')
try {
    Use-ExoSandbox $sandbox
    $app = $sandbox.Info.apps.exchangeAdmin
    Write-Host "Sandbox tenant $($sandbox.Info.organization) at $($sandbox.Info.connectionUri)"
    Import-Module ExoNative
    Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath `
        -CertificatePassword (Get-ExoSandboxCertificatePassword $sandbox) -Organization $sandbox.Info.organization
    Get-Mailbox -ResultSize 5 | Format-Table | Out-Host
    Disconnect-ExchangeOnline -Confirm:$false
}
finally {
    Stop-ExoSandbox $sandbox
}
