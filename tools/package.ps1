# Writes out/packages/ExoNative.<version>.nupkg from the module built into -ModuleRoot, with
# PSResourceGet's own Publish-PSResource into a folder repository: the same package a
# private gallery receives.
param([Parameter(Mandatory)] [string] $ModuleRoot)
$ErrorActionPreference = 'Stop'

$module = Get-ChildItem (Join-Path $ModuleRoot 'ExoNative') -Directory | Sort-Object { [version]$_.Name } | Select-Object -Last 1
if (-not $module) { throw "No built module under $ModuleRoot/ExoNative: run 'pwsh ./build.ps1 build'." }
$packages = Join-Path $ModuleRoot 'packages'
New-Item -ItemType Directory -Force -Path $packages | Out-Null
Get-ChildItem $packages -Filter "ExoNative.$($module.Name).nupkg" | Remove-Item -Force

# A repository registered for this process only; its name never collides with the user's.
$repository = "ExoNativeBuild$PID"
Register-PSResourceRepository -Name $repository -Uri $packages -Trusted
try {
    Publish-PSResource -Path $module.FullName -Repository $repository
}
finally {
    Unregister-PSResourceRepository -Name $repository
}
$nupkg = Get-ChildItem $packages -Filter 'ExoNative.*.nupkg' | Where-Object Name -like "*$($module.Name)*"
if (-not $nupkg) { throw "Publish-PSResource wrote no package into $packages" }
Write-Host "==> $($nupkg.FullName)"
