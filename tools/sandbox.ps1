# Starting, pointing at and stopping a sandbox tenant from PowerShell. Dot-sourced by the
# demo and by the Pester suites; users can dot-source it to try their own scripts.

function Start-ExoSandbox {
    <#
    .SYNOPSIS
        Starts out/bin/exo-sandbox in a new state folder and returns once sandbox.json exists.
    #>
    param(
        [int] $Mailboxes = 250,
        [int] $TokenLifetime = 0,
        [string[]] $ExtraArguments = @(),
        [string] $Executable = $(Join-Path $PSScriptRoot '../out/bin/exo-sandbox'),
        [int] $TimeoutSeconds = 60
    )
    if ($IsWindows -and -not $Executable.EndsWith('.exe')) { $Executable += '.exe' }
    if (-not (Test-Path $Executable)) { throw "No sandbox at ${Executable}: run 'pwsh ./build.ps1 build' first." }
    $state = Join-Path ([IO.Path]::GetTempPath()) "exo-sandbox-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    New-Item -ItemType Directory -Path $state | Out-Null
    $arguments = @('--state-dir', $state, '--mailboxes', $Mailboxes)
    if ($TokenLifetime -gt 0) { $arguments += @('--token-lifetime', $TokenLifetime) }
    $arguments += $ExtraArguments
    $process = Start-Process -FilePath $Executable -ArgumentList $arguments -PassThru `
        -RedirectStandardOutput (Join-Path $state 'stdout.log') -RedirectStandardError (Join-Path $state 'stderr.log')
    $json = Join-Path $state 'sandbox.json'
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path $json)) {
        if ($process.HasExited) {
            throw "exo-sandbox exited with code $($process.ExitCode): $(Get-Content -Raw (Join-Path $state 'stderr.log'))"
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-ExoSandbox ([pscustomobject]@{ Process = $process; StateDir = $state })
            throw "exo-sandbox did not write $json within $TimeoutSeconds s"
        }
        Start-Sleep -Milliseconds 50
    }
    [pscustomobject]@{
        Process  = $process
        StateDir = $state
        Info     = Get-Content -Raw $json | ConvertFrom-Json
    }
}

function Stop-ExoSandbox {
    <#
    .SYNOPSIS
        Stops a sandbox started by Start-ExoSandbox (SIGTERM, then kill) and removes its state.
    #>
    param([Parameter(Mandatory)] $Sandbox, [switch] $KeepState)
    $p = $Sandbox.Process
    if ($p -and -not $p.HasExited) {
        if ($IsWindows) { $p.Kill() } else { & kill -TERM $p.Id 2>$null }
        if (-not $p.WaitForExit(10000)) { $p.Kill(); $p.WaitForExit() }
    }
    if (-not $KeepState) { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $Sandbox.StateDir }
}

function Use-ExoSandbox {
    <#
    .SYNOPSIS
        Points ExoNative at the sandbox through the environment (scripts stay unchanged).
    #>
    param([Parameter(Mandatory)] $Sandbox)
    $env:EXONATIVE_CONNECTION_URI = $Sandbox.Info.connectionUri
    $env:EXONATIVE_AUTHORITY_URI = $Sandbox.Info.authorityUri
    $env:EXONATIVE_TRUSTED_CA = $Sandbox.Info.caCertificatePath
}

function Clear-ExoSandboxEnvironment {
    Remove-Item Env:EXONATIVE_CONNECTION_URI, Env:EXONATIVE_AUTHORITY_URI, Env:EXONATIVE_TRUSTED_CA -ErrorAction SilentlyContinue
}

function Invoke-ExoSandboxControl {
    <#
    .SYNOPSIS
        Calls the sandbox's control API (_sandbox/...) with its control key.
    #>
    param(
        [Parameter(Mandatory)] $Sandbox,
        [ValidateSet('GET', 'POST', 'DELETE')] [string] $Method = 'GET',
        [Parameter(Mandatory)] [string] $Path,
        $Body,
        [switch] $Raw
    )
    $request = @{
        Method  = $Method
        Uri     = "$($Sandbox.Info.connectionUri)/_sandbox/$Path"
        Headers = @{ 'X-Sandbox-Key' = $Sandbox.Info.controlKey }
        # Loopback only, to our own sandbox; the module itself always verifies TLS.
        SkipCertificateCheck = $true
    }
    if ($null -ne $Body) {
        $request.Body = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 10 -Compress }
        $request.ContentType = 'application/json'
    }
    if (-not $Raw) { return Invoke-RestMethod @request }
    # NDJSON arrives as bytes; return one string (a byte[] would be enumerated into the pipeline).
    $content = (Invoke-WebRequest @request).Content
    if ($content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($content) } else { $content }
}

function Get-ExoSandboxTruth {
    <#
    .SYNOPSIS
        Every mailbox record of the sandbox tenant (its ground truth), as objects.
    #>
    param([Parameter(Mandatory)] $Sandbox)
    $text = Invoke-ExoSandboxControl -Sandbox $Sandbox -Path 'truth/mailboxes' -Raw
    $text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json }
}

function Get-ExoSandboxCertificatePassword {
    param([Parameter(Mandatory)] $Sandbox, [string] $App = 'exchangeAdmin')
    ConvertTo-SecureString -String $Sandbox.Info.apps.$App.pfxPassword -AsPlainText -Force
}

function Get-ExoSandboxAppToken {
    <#
    .SYNOPSIS
        An access token for one of the sandbox's apps, by a client-credentials request with a
        certificate assertion signed here with .NET (independent of ExoNative's core).
    #>
    param([Parameter(Mandatory)] $Sandbox, [string] $App = 'exchangeAdmin')
    $info = if ($Sandbox.Info) { $Sandbox.Info } else { $Sandbox }
    $appInfo = $info.apps.$App
    $b64url = { param([byte[]] $b) [Convert]::ToBase64String($b).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
    $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::new($appInfo.pfxPath, $appInfo.pfxPassword)
    try {
        $tokenUrl = "$($info.authorityUri)/$($info.organization)/oauth2/v2.0/token"
        $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        $header = @{ alg = 'RS256'; typ = 'JWT'; x5t = (& $b64url $cert.GetCertHash()) } | ConvertTo-Json -Compress
        $claims = @{ aud = $tokenUrl; iss = $appInfo.appId; sub = $appInfo.appId; jti = [guid]::NewGuid().Guid; nbf = $now; iat = $now; exp = $now + 600 } | ConvertTo-Json -Compress
        $signed = (& $b64url ([Text.Encoding]::UTF8.GetBytes($header))) + '.' + (& $b64url ([Text.Encoding]::UTF8.GetBytes($claims)))
        $rsa = [Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
        $signature = $rsa.SignData([Text.Encoding]::UTF8.GetBytes($signed), [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $form = @{
            grant_type            = 'client_credentials'
            client_id             = $appInfo.appId
            scope                 = 'https://outlook.office365.com/.default'
            client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
            client_assertion      = $signed + '.' + (& $b64url $signature)
        }
        # Loopback only, to our own sandbox.
        (Invoke-RestMethod -Method Post -Uri $tokenUrl -Body $form -SkipCertificateCheck).access_token
    }
    finally {
        $cert.Dispose()
    }
}
