# An independent client of the sandbox tenant: MSAL.NET (Microsoft.Identity.Client, the
# library that talks to the real Entra ID) acquires tokens from exo-sandbox through
# tests/msal (MsalCheck). If MSAL rejects the sandbox, the sandbox is wrong. MsalCheck
# verifies TLS against the sandbox's own CA only, talks only to loopback, and prints
# selected claims (never a token) as one JSON object.
BeforeAll {
    . (Join-Path $PSScriptRoot '../tools/sandbox.ps1')
    $script:sandbox = Start-ExoSandbox -Mailboxes 20 -Executable (Join-Path $env:EXONATIVE_TEST_MODULE_ROOT 'bin/exo-sandbox') `
        -ExtraArguments @('--device-code-interval', '1')
    $script:info = $sandbox.Info
    $script:sandboxJson = Join-Path $sandbox.StateDir 'sandbox.json'

    # Built once, into a temporary folder (its obj/ stays under tests/msal, git-ignored). The
    # first restore downloads Microsoft.Identity.Client from NuGet.
    $script:msalOut = Join-Path ([IO.Path]::GetTempPath()) "exo-msalcheck-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $build = & dotnet build (Join-Path $PSScriptRoot 'msal/MsalCheck.csproj') -c Release -o $msalOut -nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "dotnet build of tests/msal failed:`n$($build -join "`n")" }
    $script:msalDll = Join-Path $msalOut 'MsalCheck.dll'

    function Invoke-MsalCheck {
        # Runs MsalCheck against this suite's sandbox; returns its exit code and parsed output.
        param([Parameter(Mandatory)] [string] $Mode, [string[]] $Arguments = @())
        $stderr = Join-Path $msalOut "stderr-$([guid]::NewGuid().ToString('N')).txt"
        $stdout = & dotnet $msalDll $sandboxJson $Mode @Arguments 2>$stderr
        $exitCode = $LASTEXITCODE
        $json = @($stdout | Where-Object { $_ -like '{*' }) | Select-Object -Last 1
        [pscustomobject]@{
            ExitCode = $exitCode
            Result   = if ($json) { $json | ConvertFrom-Json } else { $null }
            Output   = "stdout: $($stdout -join "`n")`nstderr: $(Get-Content -Raw $stderr -ErrorAction SilentlyContinue)"
        }
    }
}

AfterAll {
    if ($sandbox) { Stop-ExoSandbox $sandbox }
    if ($msalOut) { Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $msalOut }
}

Describe 'MSAL.NET client credentials with the app certificate' {
    It 'acquires an app-only token for Exchange Online that the admin API accepts' {
        $run = Invoke-MsalCheck clientcredentials
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $r = $run.Result
        $r.ok | Should -BeTrue
        $r.claims.aud | Should -Be 'https://outlook.office365.com'
        $r.claims.tid | Should -Be $info.tenantId
        $r.claims.iss | Should -Be "https://sts.windows.net/$($info.tenantId)/"
        $r.claims.appid | Should -Be $info.apps.exchangeAdmin.appId
        $r.claims.roles | Should -Contain 'Exchange.ManageAsApp'
        @($r.claims.wids).Count | Should -BeGreaterThan 0
        $r.tokenType | Should -Be 'Bearer'
        $r.scopes | Should -Be @('https://outlook.office365.com/.default')
        $r.expiresInSeconds | Should -BeGreaterThan 3000
        # MSAL cached the response: the second call is served without the sandbox.
        $r.tokenSource | Should -Be 'IdentityProvider'
        $r.secondCallTokenSource | Should -Be 'Cache'
        $r.sameTokenFromCache | Should -BeTrue
        $r.adminApi.status | Should -Be 200
        $r.adminApi.count | Should -Be 1
        # One token request to the tenant's token endpoint; no discovery elsewhere.
        $r.requests | Should -Contain "POST /$($info.tenantId)/oauth2/v2.0/token 200"
        $r.requests | Should -Not -Match 'refused'
    }

    It 'works with the tenant named by its domain in the authority' {
        $run = Invoke-MsalCheck clientcredentials -Arguments @('--tenant', $info.organization)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Result.claims.tid | Should -Be $info.tenantId
        $run.Result.requests | Should -Contain "POST /$($info.organization)/oauth2/v2.0/token 200"
    }

    It 'gets a token for the app without a directory role, which the admin API then refuses' {
        $run = Invoke-MsalCheck clientcredentials -Arguments @('--app', 'noRole')
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Result.claims.appid | Should -Be $info.apps.noRole.appId
        $run.Result.claims.roles | Should -Contain 'Exchange.ManageAsApp'
        $run.Result.claims.PSObject.Properties['wids'] | Should -BeNullOrEmpty
        $run.Result.adminApi.status | Should -Be 401
    }

    It 'fails with invalid_client when another app''s certificate signs the assertion' {
        # noRole's PFX presented under exchangeAdmin's app id: the sandbox really verifies.
        $run = Invoke-MsalCheck clientcredentials -Arguments @('--app', 'exchangeAdmin', '--cert-of', 'noRole')
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Result.ok | Should -BeFalse
        $run.Result.errorCode | Should -Be 'invalid_client'
        $run.Result.exception | Should -Be 'MsalServiceException'
        $run.Result.statusCode | Should -Be 401
        $run.Result.message | Should -Match 'AADSTS700027'
        $run.Result.PSObject.Properties['claims'] | Should -BeNullOrEmpty
    }

    It 'fails with MSAL''s error for an unknown tenant' {
        $run = Invoke-MsalCheck clientcredentials -Arguments @('--tenant', 'nosuchtenant.example')
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Result.errorCode | Should -Be 'invalid_request'
        $run.Result.errorCodes | Should -Contain 90002
    }

    It 'refuses the sandbox''s TLS certificate when trusting a different CA (no blind acceptance)' {
        $run = Invoke-MsalCheck clientcredentials -Arguments @('--ca', $info.apps.exchangeAdmin.certificatePath)
        $run.ExitCode | Should -Be 3 -Because $run.Output
        $run.Result.errorCode | Should -Be 'http_request_failed'
        $run.Result.message | Should -Match 'SSL|certificate'
        @($run.Result.requests).Count | Should -Be 0
    }
}

Describe 'MSAL.NET device code approved through the control API' {
    It 'signs in users.admin: token, id token, account, refresh' {
        $run = Invoke-MsalCheck devicecode
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $r = $run.Result
        $admin = $info.users.admin
        $r.claims.aud | Should -Be 'https://outlook.office365.com'
        $r.claims.tid | Should -Be $info.tenantId
        $r.claims.upn | Should -Be $admin.userPrincipalName
        $r.claims.scp -split ' ' | Should -Contain 'Exchange.Manage'
        $r.claims.appid | Should -Be $info.publicClientId
        # The device code response as MSAL read it.
        $r.device.userCodeLength | Should -BeGreaterThan 0
        $r.device.verificationUrl | Should -Be "$($info.authorityUri)/devicelogin"
        $r.device.intervalSeconds | Should -Be 1
        $r.device.hasMessage | Should -BeTrue
        # MSAL built the account from client_info and the id token.
        $r.tenantId | Should -Be $info.tenantId
        $r.uniqueId | Should -Be $admin.objectId
        $r.idTokenClaims.aud | Should -Be $info.publicClientId
        $r.idTokenClaims.preferred_username | Should -Be $admin.userPrincipalName
        $r.account.username | Should -Be $admin.userPrincipalName
        $r.account.homeAccountId | Should -Be "$($admin.objectId).$($info.tenantId)"
        $r.account.listedInCache | Should -BeTrue
        # A silent call with a forced refresh redeemed the refresh token MSAL cached.
        $r.refresh.tokenSource | Should -Be 'IdentityProvider'
        $r.refresh.newToken | Should -BeTrue
        $r.refresh.claims.upn | Should -Be $admin.userPrincipalName
        $r.adminApi.status | Should -Be 200
        $r.requests | Should -Contain "POST /$($info.tenantId)/oauth2/v2.0/devicecode 200"
        $r.requests | Should -Contain 'POST /_sandbox/device/approve 200'
        $r.requests | Should -Not -Match 'refused'
    }

    It 'reports the Conditional Access block of users.blocked as MSAL''s invalid_grant' {
        $run = Invoke-MsalCheck devicecode -Arguments @('--user', 'blocked')
        $run.ExitCode | Should -Be 1 -Because $run.Output
        $run.Result.errorCode | Should -Be 'invalid_grant'
        $run.Result.errorCodes | Should -Contain 53003
    }

    It 'reached the sandbox as MSAL.NET, with the grant types MSAL sends (request log)' {
        $log = @(Invoke-ExoSandboxControl -Sandbox $sandbox -Path 'requests' | ForEach-Object { $_ })
        if ($log.Count -eq 1 -and $log[0].PSObject.Properties['requests']) { $log = @($log[0].requests) }
        $tokenRequests = @($log | Where-Object { $_.endpoint -eq 'token' })
        $tokenRequests.Count | Should -BeGreaterThan 0
        $tokenRequests | ForEach-Object { $_.headers.'x-client-sku' } | Sort-Object -Unique | Should -Be 'MSAL.NetCore'
        $tokenRequests | ForEach-Object { $_.headers.'x-client-ver' } | Sort-Object -Unique | Should -Be '4.83.1.0'
        # MSAL.NET polls with the short name `device_code` (Entra accepts it with the URN).
        $granted = @($tokenRequests | Where-Object { $_.status -eq 200 } | ForEach-Object { $_.grantType } | Sort-Object -Unique)
        $granted | Should -Be @('client_credentials', 'device_code', 'refresh_token')
    }
}
