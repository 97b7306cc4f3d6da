# Helpers shared by build.ps1 and the test runner: versions, platform names, tool locations.

function Get-ExoVersion {
    # The product's one version lives in Cargo.toml's [workspace.package].
    param([string] $Root)
    $text = Get-Content (Join-Path $Root 'Cargo.toml') -Raw
    if ($text -notmatch '(?ms)^\[workspace\.package\].*?^version\s*=\s*"([^"]+)"') {
        throw 'Cargo.toml has no [workspace.package] version'
    }
    $Matches[1]
}

function Get-ExoRuntimeId {
    # The runtimes/<rid>/native folder name of this machine, as .NET names it.
    $arch = switch ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        'X64' { 'x64' }
        'Arm64' { 'arm64' }
        default { throw "Unsupported processor architecture: $_" }
    }
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$arch"
}

function Get-ExoNativeLibraryName {
    if ($IsWindows) { 'exo_core.dll' } elseif ($IsMacOS) { 'libexo_core.dylib' } else { 'libexo_core.so' }
}

function Get-ExoPwsh {
    # The pwsh on PATH for child processes. Not this process' own path: as a .NET global
    # tool, pwsh runs inside the `dotnet` host, whose path that would be.
    $found = Get-Command pwsh -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($found) { return $found.Source }
    Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
}

function Get-ExoToolPackage {
    # NuGet packages the build uses as tools (Pester, MSAL for the independent client test)
    # come through `dotnet restore` of tools/ToolPackages.csproj, so they use the machine's
    # NuGet configuration. Returns the package's folder.
    param([string] $Root, [string] $Name, [string] $Version)
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $folder = Join-Path $packages "$($Name.ToLowerInvariant())/$Version"
    if (-not (Test-Path $folder)) {
        Write-Host "==> restoring tool packages (for $Name $Version)"
        & dotnet restore (Join-Path $Root 'tools/ToolPackages.csproj') -nologo -v quiet
        if ($LASTEXITCODE -ne 0) { throw 'dotnet restore of tools/ToolPackages.csproj failed' }
    }
    if (-not (Test-Path $folder)) { throw "$Name $Version is not in $packages after the restore" }
    $folder
}

function Get-ExoPester {
    param([string] $Root)
    Join-Path (Get-ExoToolPackage -Root $Root -Name 'Pester' -Version '5.7.1') 'tools/Pester.psd1'
}
