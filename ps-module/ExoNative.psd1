# Module manifest template for ExoNative. build.ps1 copies it into out/ExoNative/<version>/
# and replaces ModuleVersion with the workspace version from Cargo.toml: keep '0.0.0' here.
@{
    RootModule             = 'ExoNative.dll'
    ModuleVersion          = '0.0.0'
    GUID                   = '66a9083a-48e9-4497-ab1c-6f89f7b180d8'
    Author                 = 'ExoNative contributors'
    CompanyName            = 'ExoNative'
    Copyright              = '(c) ExoNative contributors. MIT License.'
    Description            = 'Exchange Online administration for PowerShell 7: a drop-in for the Connect-ExchangeOnline, Get-Mailbox and Disconnect-ExchangeOnline cmdlets of ExchangeOnlineManagement, with sign-in, token renewal, paging and retries in a native library.'
    CompatiblePSEditions   = @('Core')
    PowerShellVersion      = '7.4'
    FormatsToProcess       = @('ExoNative.format.ps1xml')
    CmdletsToExport        = @(
        'Connect-ExchangeOnline'
        'Disconnect-ExchangeOnline'
        'Get-ConnectionInformation'
        'Get-Mailbox'
    )
    FunctionsToExport      = @()
    VariablesToExport      = @()
    AliasesToExport        = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Exchange', 'ExchangeOnline', 'EXO', 'Office365', 'Microsoft365', 'Mailbox', 'PSEdition_Core', 'Linux', 'MacOS', 'Windows')
            # No ProjectUri: the project has no public home page, and a made-up one would send
            # users to someone else's site. The license text (with its copyright line) ships as
            # LICENSE in the module folder; LicenseUri names the license itself, at its steward.
            LicenseUri   = 'https://opensource.org/license/mit'
            ReleaseNotes = 'Connect-ExchangeOnline (interactive, device code, certificate, managed identity, access token), Get-Mailbox with streaming pages, Get-ConnectionInformation and Disconnect-ExchangeOnline.'
        }
    }
}
