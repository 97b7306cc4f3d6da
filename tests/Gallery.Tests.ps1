# A private gallery, for real: the package as `build.ps1 package` writes it, a folder feed
# registered with PSResourceGet and with PowerShellGet, installs into fresh module paths,
# import by name in new pwsh processes, a sandbox session, then an update to a higher version.
# Every pwsh step runs in a child process whose HOME and XDG folders (repository
# registrations, the CurrentUser module path) and PSModulePath are in a temp folder: nothing
# of the user's is read or written (PSResourceGet follows HOME, not XDG_DATA_HOME).
BeforeAll {
    $root = Split-Path $PSScriptRoot -Parent
    . (Join-Path $root 'tools/build-common.ps1')
    . (Join-Path $root 'tools/sandbox.ps1')
    $version = Get-ExoVersion -Root $root
    $parts = $version.Split('.')
    $nextVersion = "$($parts[0]).$($parts[1]).$([int]$parts[2] + 1)"
    $rid = Get-ExoRuntimeId
    $built = Join-Path $env:EXONATIVE_TEST_MODULE_ROOT "ExoNative/$version"
    $pwsh = Get-ExoPwsh
    $work = Join-Path ([IO.Path]::GetTempPath()) "exo-gallery-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $feed = New-Item -ItemType Directory -Path (Join-Path $work 'feed')
    $repoV3 = "ExoTestGalleryV3$PID"
    $repoV2 = "ExoTestGalleryV2$PID"
    $homes = @{ V3 = Join-Path $work 'home-psresourceget'; V2 = Join-Path $work 'home-powershellget' }
    $modules = '.local/share/powershell/Modules' # the CurrentUser scope under a home

    function Invoke-Child([string] $HomeDir, [string] $Script, [hashtable] $Data = @{}) {
        # Runs $Script in a new pwsh whose home, data, config and module paths are under $HomeDir.
        $file = Join-Path $work "step-$([guid]::NewGuid().ToString('N').Substring(0, 8)).ps1"
        Set-Content -Path $file -Value "`$ErrorActionPreference = 'Stop'; `$ProgressPreference = 'SilentlyContinue'`n`$t = `$env:EXO_GALLERY_TEST | ConvertFrom-Json`n$Script"
        $names = 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'PSModulePath', 'EXO_GALLERY_TEST'
        $saved = foreach ($n in $names) { [Environment]::GetEnvironmentVariable($n) }
        try {
            $env:HOME = $HomeDir
            $env:XDG_DATA_HOME = Join-Path $HomeDir '.local/share'
            $env:XDG_CONFIG_HOME = Join-Path $HomeDir '.config'
            $env:XDG_CACHE_HOME = Join-Path $HomeDir '.cache'
            $env:PSModulePath = Join-Path $HomeDir $modules
            # .NET reports no LocalApplicationData (and PSResourceGet then keeps no registrations) until it exists.
            New-Item -ItemType Directory -Force -Path $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:XDG_CACHE_HOME | Out-Null
            $env:EXO_GALLERY_TEST = $Data | ConvertTo-Json -Compress
            Push-Location $work # anything written relative to the working folder lands in the temp folder too
            $output = & $pwsh -NoProfile -NonInteractive -File $file 2>&1 | Out-String
        }
        finally {
            Pop-Location
            for ($i = 0; $i -lt $names.Count; $i++) { [Environment]::SetEnvironmentVariable($names[$i], $saved[$i]) }
        }
        if ($LASTEXITCODE -ne 0) { throw "child pwsh failed (exit $LASTEXITCODE):`n$output" }
        $output
    }

    # The session script a user would run after installing: import by name, sign in, list, leave.
    $session = @'
Import-Module ExoNative
$m = Get-Module ExoNative
$env:EXONATIVE_CONNECTION_URI = $t.ConnectionUri; $env:EXONATIVE_AUTHORITY_URI = $t.AuthorityUri; $env:EXONATIVE_TRUSTED_CA = $t.Ca
Connect-ExchangeOnline -AppId $t.AppId -CertificateFilePath $t.Pfx -CertificatePassword (ConvertTo-SecureString $t.PfxPassword -AsPlainText -Force) -Organization $t.Organization -ShowBanner:$false
$count = @(Get-Mailbox -ResultSize 5).Count
Disconnect-ExchangeOnline -Confirm:$false 6>$null
"RESULT version=$($m.Version) base=$($m.ModuleBase) mailboxes=$count"
'@
    $sandbox = Start-ExoSandbox -Mailboxes 20 -Executable (Join-Path $env:EXONATIVE_TEST_MODULE_ROOT 'bin/exo-sandbox')
    $app = $sandbox.Info.apps.exchangeAdmin
    $sessionData = @{
        ConnectionUri = $sandbox.Info.connectionUri; AuthorityUri = $sandbox.Info.authorityUri; Ca = $sandbox.Info.caCertificatePath
        AppId = $app.appId; Pfx = $app.pfxPath; PfxPassword = $app.pfxPassword; Organization = $sandbox.Info.organization
    }
}

AfterAll {
    # Unregister what was registered (the registrations live in the temp homes anyway).
    foreach ($step in @(@{ Home = $homes.V3; Script = "Unregister-PSResourceRepository -Name $repoV3 -ErrorAction SilentlyContinue" },
            @{ Home = $homes.V2; Script = "Unregister-PSRepository -Name $repoV2 -ErrorAction SilentlyContinue" })) {
        try { Invoke-Child $step.Home $step.Script | Out-Null } catch { Write-Warning $_ }
    }
    if ($sandbox) { Stop-ExoSandbox $sandbox }
    Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $work
}

Describe 'The package' {
    It 'is written by tools/package.ps1 and holds manifest, assembly, format, help, LICENSE and the native library' {
        # package.ps1 on a copy of the built module, so the shared out/packages stays untouched.
        $moduleRoot = New-Item -ItemType Directory -Path (Join-Path $work 'pkgroot/ExoNative')
        Copy-Item $built $moduleRoot -Recurse
        Invoke-Child (Join-Path $work 'home-package') '& $t.Script -ModuleRoot $t.Root' @{ Script = Join-Path $root 'tools/package.ps1'; Root = Split-Path $moduleRoot } | Out-Null
        $nupkg = Join-Path $work "pkgroot/packages/ExoNative.$version.nupkg"
        $nupkg | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $entries = @($zip.Entries.FullName | ForEach-Object { [uri]::UnescapeDataString($_) }) } finally { $zip.Dispose() }
        foreach ($file in 'ExoNative.psd1', 'ExoNative.dll', 'ExoNative.format.ps1xml', 'LICENSE', 'en-US/ExoNative.dll-Help.xml',
            'en-US/about_ExoNative.help.txt', "runtimes/$rid/native/$(Get-ExoNativeLibraryName)") {
            $entries | Should -Contain $file
        }
    }
}

Describe 'A private gallery' {
    It 'publishes with Publish-PSResource and installs with Install-PSResource into a fresh module path' {
        $out = Invoke-Child $homes.V3 @"
Register-PSResourceRepository -Name $repoV3 -Uri `$t.Feed -Trusted
Publish-PSResource -Path `$t.Module -Repository $repoV3
Install-PSResource -Name ExoNative -Repository $repoV3 -Scope CurrentUser -TrustRepository
(Get-InstalledPSResource ExoNative -Scope CurrentUser).InstalledLocation
"@ @{ Feed = $feed.FullName; Module = $built }
        Join-Path $feed "ExoNative.$version.nupkg" | Should -Exist
        Join-Path $homes.V3 "$modules/ExoNative/$version/ExoNative.psd1" | Should -Exist
        $out | Should -Match ([regex]::Escape((Join-Path $homes.V3 $modules)))
    }

    It 'installs with Install-Module (PowerShellGet) from the same feed into another fresh module path' {
        Invoke-Child $homes.V2 @"
Register-PSRepository -Name $repoV2 -SourceLocation `$t.Feed -PublishLocation `$t.Feed -InstallationPolicy Trusted
Install-Module -Name ExoNative -Repository $repoV2 -Scope CurrentUser
"@ @{ Feed = $feed.FullName } | Out-Null
        Join-Path $homes.V2 "$modules/ExoNative/$version/runtimes/$rid/native" | Should -Exist
    }

    It 'imports by name in a new pwsh and runs Connect/Get-Mailbox/Disconnect against the sandbox (<Tool>)' -ForEach @(@{ Tool = 'V3' }, @{ Tool = 'V2' }) {
        $out = Invoke-Child $homes[$Tool] $session $sessionData
        $out | Should -Match "RESULT version=$([regex]::Escape($version)) base=$([regex]::Escape($homes[$Tool]))\S* mailboxes=5"
    }

    It 'takes a higher version with Update-Module and Update-PSResource, and lists both versions' {
        # The same module re-stamped as the next version. Published with Publish-PSResource:
        # PowerShellGet 2.2.5's Publish-Module packs with `dotnet pack` of a netcoreapp2.0
        # project, which fails with current SDKs (NETSDK1061); Install/Update-Module read the
        # package Publish-PSResource writes.
        $next = New-Item -ItemType Directory -Path (Join-Path $work 'next/ExoNative')
        Copy-Item "$built/*" $next -Recurse
        $manifest = Join-Path $next 'ExoNative.psd1'
        (Get-Content -Raw $manifest) -replace "ModuleVersion\s*=\s*'[^']+'", "ModuleVersion = '$nextVersion'" | Set-Content $manifest -NoNewline
        Invoke-Child $homes.V3 "Publish-PSResource -Path `$t.Module -Repository $repoV3" @{ Module = $next.FullName } | Out-Null
        Join-Path $feed "ExoNative.$nextVersion.nupkg" | Should -Exist

        $list = 'Get-Module -ListAvailable ExoNative | ForEach-Object { "LISTED $($_.Version)" }; Import-Module ExoNative; "IMPORTED $((Get-Module ExoNative).Version)"'
        $v2 = Invoke-Child $homes.V2 "Update-Module -Name ExoNative`n$list"
        $v3 = Invoke-Child $homes.V3 "Update-PSResource -Name ExoNative -Repository $repoV3 -TrustRepository`n$list"
        foreach ($out in $v2, $v3) {
            $out | Should -Match "LISTED $([regex]::Escape($version))\b"
            $out | Should -Match "LISTED $([regex]::Escape($nextVersion))\b"
            $out | Should -Match "IMPORTED $([regex]::Escape($nextVersion))\b"
        }
    }
}

Describe 'A module without the native library for this platform' {
    It 'fails Import-Module with a message naming the platform, and stays unloaded' {
        $copy = New-Item -ItemType Directory -Path (Join-Path $work 'norid/ExoNative')
        Copy-Item $built $copy -Recurse
        Remove-Item -Recurse -Force (Join-Path $copy "$version/runtimes/$rid")
        New-Item -ItemType Directory -Path (Join-Path $copy "$version/runtimes/other-arch/native") | Out-Null
        $out = Invoke-Child (Join-Path $work 'home-norid') @'
$env:PSModulePath = $t.ModulePath + [IO.Path]::PathSeparator + $env:PSModulePath
Remove-Item Env:EXONATIVE_NATIVE_LIBRARY -ErrorAction SilentlyContinue
try { Import-Module ExoNative -ErrorAction Stop; 'IMPORTED' } catch { "FAILED $($_.Exception.Message)" }
"LOADED $(@(Get-Module ExoNative).Count)"
'@ @{ ModulePath = Split-Path $copy }
        $out | Should -Match "FAILED ExoNative does not include its native library for this platform \($([regex]::Escape($rid))\)"
        $out | Should -Match 'platforms in this build: other-arch'
        $out | Should -Match 'LOADED 0'
    }
}
