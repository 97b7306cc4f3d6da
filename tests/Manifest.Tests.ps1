# The built manifest is what a gallery shows and what Test-ModuleManifest checks.
BeforeAll {
    $root = Split-Path $PSScriptRoot -Parent
    . (Join-Path $root 'tools/build-common.ps1')
    $version = Get-ExoVersion -Root $root
    $manifestPath = Join-Path $env:EXONATIVE_TEST_MODULE_ROOT "ExoNative/$version/ExoNative.psd1"
    $data = Import-PowerShellDataFile $manifestPath
}

Describe 'The built module manifest' {
    It 'passes Test-ModuleManifest, with the version of Cargo.toml' {
        $m = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
        $m.Version | Should -Be ([version]$version)
        $m.ExportedCmdlets.Keys | Sort-Object | Should -Be @('Connect-ExchangeOnline', 'Disconnect-ExchangeOnline', 'Get-ConnectionInformation', 'Get-Mailbox')
    }

    It 'exports explicitly, without wildcards' {
        foreach ($key in 'CmdletsToExport', 'FunctionsToExport', 'AliasesToExport', 'VariablesToExport') {
            $data.ContainsKey($key) | Should -BeTrue -Because "$key must be explicit"
            @($data[$key]) -join ',' | Should -Not -Match '\*'
        }
    }

    It 'has the fields a gallery shows' {
        $data.GUID | Should -Be '66a9083a-48e9-4497-ab1c-6f89f7b180d8'
        $data.Author | Should -Not -BeNullOrEmpty
        $data.Description | Should -Not -BeNullOrEmpty
        $data.CompatiblePSEditions | Should -Be @('Core')
        $data.PowerShellVersion | Should -Be '7.4'
        $data.FormatsToProcess | Should -Be @('ExoNative.format.ps1xml')
        $psData = $data.PrivateData.PSData
        $psData.Tags | Should -Contain 'ExchangeOnline'
        $psData.ReleaseNotes | Should -Not -BeNullOrEmpty
        [uri]::IsWellFormedUriString($psData.LicenseUri, 'Absolute') | Should -BeTrue
    }

    It 'ships LICENSE, the format file and help next to the manifest' {
        $dir = Split-Path $manifestPath
        foreach ($file in 'LICENSE', 'ExoNative.dll', 'ExoNative.format.ps1xml', 'en-US/ExoNative.dll-Help.xml', 'en-US/about_ExoNative.help.txt') {
            Join-Path $dir $file | Should -Exist
        }
        Get-Content (Join-Path $dir 'LICENSE') -Raw | Should -Match 'MIT License'
    }
}
