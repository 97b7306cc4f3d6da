# Every Connect-ExchangeOnline flow signs in against a running sandbox tenant, in this
# process: certificates (PFX, PEM, object, thumbprint), -AccessToken, managed identity (App
# Service and IMDS, with a 410 window and a 400), device code approved through the control
# API, interactive in headless Chromium, and the password grant. Then: each failure principal
# of the sandbox gives its documented message; tokens of 30 s are renewed without a failure
# or an expired token sent; no secret reaches any stream or log file; and one connection
# serves 8 threads at once.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module ExoNative -Force
    Disconnect-ExchangeOnline -Confirm:$false 6>$null
    $script:sandbox = Start-TestSandbox -Mailboxes 60 -ExtraArguments @('--device-code-interval', '1')
    $script:info = $sandbox.Info
    $script:truth = @(Get-ExoSandboxTruth $sandbox)
    $script:browserScript = Join-Path $PSScriptRoot 'browser/complete-signin.mjs'
    $script:browserLog = Join-Path ([IO.Path]::GetTempPath()) "exo-browser-$([guid]::NewGuid().ToString('N')).log"
    $script:miVariables = 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'MSI_SECRET', 'AZURE_POD_IDENTITY_AUTHORITY_HOST'

    function Get-SandboxLog([object] $Of = $sandbox) {
        # The request log as entries (Invoke-RestMethod writes the JSON array as one object).
        @(Invoke-ExoSandboxControl -Sandbox $Of -Path 'requests' | ForEach-Object { $_ })
    }

    function Reset-Sandbox([object] $Of = $sandbox) {
        Invoke-ExoSandboxControl -Sandbox $Of -Method DELETE -Path 'faults' | Out-Null
        Invoke-ExoSandboxControl -Sandbox $Of -Method DELETE -Path 'requests' | Out-Null
    }

    function Get-ConnectError([scriptblock] $Action) {
        try { & $Action; $null } catch { $_ }
    }

    function New-TestCredential([string] $User, [string] $Password) {
        $u = $info.users.$User
        $p = if ($Password) { $Password } else { $u.password }
        [pscredential]::new($u.userPrincipalName, (ConvertTo-SecureString -String $p -AsPlainText -Force))
    }

    function Set-ManagedIdentityHost([ValidateSet('AppService', 'Imds')] [string] $Protocol, [object] $Of = $sandbox) {
        Clear-ManagedIdentityHost
        $mi = $Of.Info.managedIdentity
        if ($Protocol -eq 'AppService') {
            $env:IDENTITY_ENDPOINT = $mi.identityEndpoint
            $env:IDENTITY_HEADER = $mi.identityHeader
        }
        else {
            $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $mi.imdsUri
        }
    }

    function Clear-ManagedIdentityHost {
        foreach ($name in $miVariables) { if (Test-Path "Env:$name") { Remove-Item "Env:$name" } }
    }

    function Connect-Browser {
        # Interactive sign-in completed by headless Chromium, as the user the login hint names.
        param([string] $User, [hashtable] $Extra = @{}, [string] $Action)
        $saved = $env:BROWSER, $env:EXONATIVE_TEST_SANDBOX_JSON, $env:EXONATIVE_TEST_BROWSER_LOG, $env:EXONATIVE_TEST_BROWSER_ACTION
        try {
            $env:BROWSER = $browserScript
            $env:EXONATIVE_TEST_SANDBOX_JSON = Join-Path $sandbox.StateDir 'sandbox.json'
            $env:EXONATIVE_TEST_BROWSER_LOG = $browserLog
            $env:EXONATIVE_TEST_BROWSER_ACTION = $Action
            $params = @{ UserPrincipalName = $info.users.$User.userPrincipalName; ShowBanner = $false }
            foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
            Connect-ExchangeOnline @params
        }
        finally {
            $env:BROWSER, $env:EXONATIVE_TEST_SANDBOX_JSON, $env:EXONATIVE_TEST_BROWSER_LOG, $env:EXONATIVE_TEST_BROWSER_ACTION = $saved
            Wait-Browser
        }
    }

    function Wait-Browser {
        # Connect-ExchangeOnline returns as soon as the redirect arrives; the browser script
        # then notes what it saw and closes Chromium. Wait for that (at most 20 s).
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ([DateTime]::UtcNow -lt $deadline -and (Test-Path $browserLog)) {
            $steps = @(Get-Content $browserLog | ConvertFrom-Json)
            $running = @($steps | Where-Object step -eq 'start' | Where-Object { $p = $_.pid; -not ($steps | Where-Object { $_.pid -eq $p -and $_.step -in 'done', 'failed', 'timeout' }) })
            if (-not $running) { return }
            Start-Sleep -Milliseconds 100
        }
    }

    function Stop-LeftoverBrowser {
        # The browser script exits by itself; one still running is stopped by the pid it logged.
        if (-not (Test-Path $browserLog)) { return }
        Get-Content $browserLog | ForEach-Object { ($_ | ConvertFrom-Json).pid } | Sort-Object -Unique | ForEach-Object {
            $p = Get-Process -Id $_ -ErrorAction SilentlyContinue
            if ($p -and $p.ProcessName -eq 'node') { $p.Kill($true) }
        }
    }

    function Connect-Device {
        <#
            Connect-ExchangeOnline -Device in a second runspace of this process (connections are
            process-wide), reading the device-code message from its information stream as it
            arrives and approving the code through the control API as -Approver. Returns the
            message, the warnings, the records of every stream and the error, if any.
        #>
        param([string] $User = 'admin', [string] $Approver = $User, [switch] $AllStreams, [switch] $Decline)
        $runspace = [runspacefactory]::CreateRunspace()
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            [void] $ps.AddScript('param($Upn, $All) Import-Module ExoNative; if ($All) { $DebugPreference = $VerbosePreference = "Continue" }; Connect-ExchangeOnline -Device -UserPrincipalName $Upn -ShowBanner:$false').
                AddArgument($info.users.$User.userPrincipalName).AddArgument([bool] $AllStreams)
            $async = $ps.BeginInvoke()
            $message = $null
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not $message -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) {
                $message = $ps.Streams.Information | Where-Object { $_.MessageData.GetType().FullName -eq 'ExoNative.DeviceCodeMessage' } |
                    ForEach-Object MessageData | Select-Object -First 1
                if (-not $message) { Start-Sleep -Milliseconds 100 }
            }
            if ($message) {
                Invoke-ExoSandboxControl -Sandbox $sandbox -Method POST -Path 'device/approve' -Body @{ userCode = $message.UserCode; user = $Approver; decline = [bool] $Decline } | Out-Null
            }
            $failure = $null
            if (-not $async.AsyncWaitHandle.WaitOne(60000)) { $ps.Stop(); throw 'the device sign-in did not finish within 60 s of the approval' }
            try { [void] $ps.EndInvoke($async) } catch { $failure = $_.Exception.InnerException ?? $_.Exception }
            $errorRecord = if ($ps.Streams.Error.Count) { $ps.Streams.Error[0] } elseif ($failure -is [Management.Automation.IContainsErrorRecord]) { $failure.ErrorRecord } else { $null }
            [pscustomobject]@{
                Message  = $message
                Warnings = @($ps.Streams.Warning)
                Records  = @($ps.Streams.Information) + @($ps.Streams.Warning) + @($ps.Streams.Verbose) + @($ps.Streams.Debug) + @($ps.Streams.Error)
                Error    = $errorRecord
            }
        }
        finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }

    function Assert-SignedIn {
        # One connection, usable: Get-Mailbox returns the truth's record for an identity.
        param([string] $UserPrincipalName, [string] $AppId, [int] $Index = 7)
        $c = @(Get-ConnectionInformation)
        $c.Count | Should -Be 1
        $c[0].State | Should -Be 'Connected'
        $c[0].TokenStatus | Should -Be 'Active'
        $c[0].TenantID | Should -Be $info.tenantId
        if ($UserPrincipalName) { $c[0].UserPrincipalName | Should -Be $UserPrincipalName }
        if ($AppId) { $c[0].AppId | Should -Be $AppId }
        $m = Get-Mailbox -Identity $truth[$Index].PrimarySmtpAddress -ErrorAction Stop
        $m.ExchangeGuid | Should -Be $truth[$Index].ExchangeGuid
    }
}

AfterAll {
    Stop-LeftoverBrowser
    Remove-Item -Force -ErrorAction SilentlyContinue $browserLog
    Clear-ManagedIdentityHost
    Stop-TestSandbox $script:sandbox
}

Describe 'Each sign-in flow against the sandbox' {
    BeforeEach { Reset-Sandbox }
    AfterEach {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Clear-ManagedIdentityHost
        Stop-LeftoverBrowser
    }

    It 'signs in with a certificate from a PFX file' {
        $app = $info.apps.exchangeAdmin
        Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath -CertificatePassword (Get-ExoSandboxCertificatePassword $sandbox) -Organization $info.organization -ShowBanner:$false
        Assert-SignedIn -AppId $app.appId
        (Get-ConnectionInformation).CertificateAuthentication | Should -BeTrue
        (Get-SandboxLog | Where-Object endpoint -eq 'token').grantType | Should -Be 'client_credentials'
    }

    It 'signs in with a certificate from a PEM file holding the certificate and its key' {
        $app = $info.apps.exchangeAdmin
        $pem = Join-Path ([IO.Path]::GetTempPath()) "exo-app-$([guid]::NewGuid().ToString('N')).pem"
        try {
            Set-Content -Path $pem -Value ((Get-Content -Raw $app.certificatePath), (Get-Content -Raw $app.privateKeyPath)) -NoNewline
            Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $pem -Organization $info.organization -ShowBanner:$false
            Assert-SignedIn -AppId $app.appId
        }
        finally { Remove-Item -Force -ErrorAction SilentlyContinue $pem }
    }

    It 'signs in with an X509Certificate2 object (-Certificate)' {
        $app = $info.apps.exchangeAdmin
        $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::new($app.pfxPath, $app.pfxPassword, 'Exportable')
        try {
            Connect-ExchangeOnline -AppId $app.appId -Certificate $cert -Organization $info.organization -ShowBanner:$false
            Assert-SignedIn -AppId $app.appId
        }
        finally { $cert.Dispose() }
    }

    It 'signs in with -CertificateThumbprint from CurrentUser\My' {
        $app = $info.apps.exchangeAdmin
        $cert = [Security.Cryptography.X509Certificates.X509Certificate2]::new($app.pfxPath, $app.pfxPassword, 'Exportable, PersistKeySet')
        $store = [Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
        $store.Open('ReadWrite')
        try {
            $store.Add($cert)
            $cert.Thumbprint | Should -Be $app.thumbprint
            Connect-ExchangeOnline -AppId $app.appId -CertificateThumbprint $app.thumbprint -Organization $info.organization -ShowBanner:$false
            Assert-SignedIn -AppId $app.appId
        }
        finally {
            $store.Remove($cert)
            $store.Close()
            $cert.Dispose()
        }
        $check = [Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
        $check.Open('ReadOnly')
        try { $check.Certificates.Find('FindByThumbprint', $app.thumbprint, $false).Count | Should -Be 0 } finally { $check.Close() }
    }

    It 'signs in with -AccessToken from an independent client' {
        $token = Get-ExoSandboxAppToken $sandbox
        Reset-Sandbox
        Connect-ExchangeOnline -AccessToken $token -Organization $info.organization -ShowBanner:$false
        Assert-SignedIn -AppId $info.apps.exchangeAdmin.appId
        @(Get-SandboxLog | Where-Object endpoint -eq 'token').Count | Should -Be 0
    }

    It 'signs in with the <Assigned>-assigned managed identity through <Protocol>' -ForEach @(
        @{ Protocol = 'AppService'; Assigned = 'system'; Endpoint = 'managedIdentity' }
        @{ Protocol = 'AppService'; Assigned = 'user'; Endpoint = 'managedIdentity' }
        @{ Protocol = 'Imds'; Assigned = 'system'; Endpoint = 'imds' }
        @{ Protocol = 'Imds'; Assigned = 'user'; Endpoint = 'imds' }
    ) {
        Set-ManagedIdentityHost $Protocol
        $mi = $info.managedIdentity
        $extra = @{}
        if ($Assigned -eq 'user') { $extra.ManagedIdentityAccountId = $mi.userAssignedClientId }
        Connect-ExchangeOnline -ManagedIdentity -Organization $info.organization -ShowBanner:$false @extra
        $clientId = if ($Assigned -eq 'user') { $mi.userAssignedClientId } else { $mi.clientId }
        Assert-SignedIn
        $requests = @(Get-SandboxLog | Where-Object endpoint -in 'managedIdentity', 'imds')
        $requests.Count | Should -Be 1
        $requests[0].endpoint | Should -Be $Endpoint
        $requests[0].status | Should -Be 200
        $requests[0].clientId | Should -Be $clientId
    }

    It 'waits out an IMDS 410 window (two 410 answers, then a token)' {
        Set-ManagedIdentityHost Imds
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method POST -Path 'faults' -Body @(@{ endpoint = 'imds'; kind = 'status'; status = 410; times = 2 }) | Out-Null
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Connect-ExchangeOnline -ManagedIdentity -Organization $info.organization -ShowBanner:$false
        $watch.Stop()
        Assert-SignedIn
        (Get-SandboxLog | Where-Object endpoint -eq 'imds').status | Should -Be @(410, 410, 200)
        # Requirement 17's schedule: 1 s, then 2 s.
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 2.9
    }

    It 'fails at once, without retrying, when IMDS answers 400' {
        Set-ManagedIdentityHost Imds
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method POST -Path 'faults' -Body @(@{ endpoint = 'imds'; kind = 'status'; status = 400; times = 1 }) | Out-Null
        $err = Get-ConnectError { Connect-ExchangeOnline -ManagedIdentity -Organization $info.organization -ShowBanner:$false }
        $err | Should -Not -BeNullOrEmpty
        $err.Exception.Message | Should -BeLike 'Failed to acquire managed identity token:*400*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        @(Get-SandboxLog | Where-Object endpoint -eq 'imds').Count | Should -Be 1
        @(Get-ConnectionInformation).Count | Should -Be 0
    }

    It 'signs in with -Device, the code approved through the control API' {
        $result = Connect-Device -User admin
        $result.Error | Should -BeNullOrEmpty
        $result.Message | Should -Not -BeNullOrEmpty
        $result.Message.VerificationUri | Should -Be "$($info.authorityUri)/devicelogin"
        $result.Message.UserCode | Should -Match '^\w{6,}$'
        # What the admin reads: the service's message, with the URL and the code.
        "$($result.Warnings)" | Should -BeLike "*$($info.authorityUri)/devicelogin*$($result.Message.UserCode)*"
        Assert-SignedIn -UserPrincipalName $info.users.admin.userPrincipalName
        (Get-SandboxLog | Where-Object { $_.endpoint -eq 'token' -and $_.status -eq 200 }).grantType | Should -Be 'urn:ietf:params:oauth:grant-type:device_code'
    }

    It 'signs in interactively as users.<User> in headless Chromium' -ForEach @(
        @{ User = 'admin'; Otp = $false }
        @{ User = 'mfa'; Otp = $true }
    ) {
        Remove-Item -Force -ErrorAction SilentlyContinue $browserLog
        Connect-Browser -User $User
        Assert-SignedIn -UserPrincipalName $info.users.$User.userPrincipalName
        $steps = @(Get-Content $browserLog | ConvertFrom-Json)
        ($steps.step -contains 'otpStep') | Should -Be $Otp
        ($steps | Where-Object step -eq 'redirected').hasCode | Should -BeTrue
        (Get-SandboxLog | Where-Object { $_.endpoint -eq 'token' -and $_.status -eq 200 }).grantType | Should -Be 'authorization_code'
    }

    It 'signs in with -Credential (password grant)' {
        Connect-ExchangeOnline -Credential (New-TestCredential admin) -ShowBanner:$false
        Assert-SignedIn -UserPrincipalName $info.users.admin.userPrincipalName
        (Get-SandboxLog | Where-Object endpoint -eq 'token').grantType | Should -Be 'password'
    }
}

Describe 'Failure principals give their documented message' {
    BeforeEach { Reset-Sandbox }
    AfterEach {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Stop-LeftoverBrowser
    }

    It 'refuses users.<User> through <Flow> with <Code>' -ForEach @(
        @{ User = 'blocked'; Flow = 'the password grant'; Code = 'AADSTS53003'; Text = 'Access has been blocked by Conditional Access policies*' }
        @{ User = 'blocked'; Flow = 'the browser'; Code = 'AADSTS53003'; Text = 'Access has been blocked by Conditional Access policies*' }
        @{ User = 'disabled'; Flow = 'the password grant'; Code = 'AADSTS50057'; Text = 'The user account is disabled.*' }
        @{ User = 'disabled'; Flow = 'a device code'; Code = 'AADSTS50057'; Text = 'The user account is disabled.*' }
        @{ User = 'mfa'; Flow = 'the password grant'; Code = 'AADSTS50076'; Text = '*you must use multi-factor authentication*' }
    ) {
        $err = switch ($Flow) {
            'the password grant' { Get-ConnectError { Connect-ExchangeOnline -Credential (New-TestCredential $User) -ShowBanner:$false } }
            'the browser' { Get-ConnectError { Connect-Browser -User $User } }
            'a device code' { (Connect-Device -User $User).Error }
        }
        $err | Should -BeOfType [Management.Automation.ErrorRecord]
        $err.Exception.Message | Should -BeLike "*$Code*$Text"
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        @(Get-ConnectionInformation).Count | Should -Be 0
    }

    It 'reports a sign-in the user declined: <Case>' -ForEach @(
        @{ Case = 'Cancel on the login page'; Message = '*AADSTS65004*' }
        @{ Case = 'a declined device code'; Message = '*declined*' }
    ) {
        $err = if ($Case -like 'Cancel*') {
            Get-ConnectError { Connect-Browser -User admin -Action cancel }
        }
        else {
            (Connect-Device -User admin -Decline).Error
        }
        $err | Should -BeOfType [Management.Automation.ErrorRecord]
        $err.Exception.Message | Should -BeLike $Message
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        @(Get-ConnectionInformation).Count | Should -Be 0
        @(Get-SandboxLog | Where-Object { $_.endpoint -eq 'token' -and $_.status -eq 200 }).Count | Should -Be 0
    }

    It 'lets users.noRole sign in, and Get-Mailbox says "User is not allowed to call Get-Mailbox"' {
        Connect-ExchangeOnline -Credential (New-TestCredential noRole) -ShowBanner:$false
        $err = Get-ConnectError { Get-Mailbox -ResultSize 1 -ErrorAction Stop }
        $err | Should -BeOfType [Management.Automation.ErrorRecord]
        $err.Exception.Message | Should -BeLike 'User is not allowed to call Get-Mailbox*'
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'reports the unsupported role of apps.noRole' {
        $app = $info.apps.noRole
        $password = ConvertTo-SecureString -String $app.pfxPassword -AsPlainText -Force
        $err = Get-ConnectError {
            Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath -CertificatePassword $password -Organization $info.organization -ShowBanner:$false
            Get-Mailbox -ResultSize 1 -ErrorAction Stop
        }
        $err | Should -BeOfType [Management.Automation.ErrorRecord]
        $err.Exception.Message | Should -BeLike "The role assigned to application $($app.appId) isn't supported in this scenario.*"
        $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'refuses a wrong password with AADSTS50126, without showing it' {
        $wrong = 'Wrong-' + [guid]::NewGuid().ToString('N')
        $err = Get-ConnectError { Connect-ExchangeOnline -Credential (New-TestCredential admin $wrong) -ShowBanner:$false }
        $err.Exception.Message | Should -BeLike '*AADSTS50126*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        ($err | Out-String) + $err.Exception.ToString() | Should -Not -BeLike "*$wrong*"
    }
}

Describe 'Tokens of 30 s are renewed for every flow that can' {
    BeforeAll {
        $script:short = Start-ExoSandbox -Mailboxes 60 -TokenLifetime 30 -Executable (Join-Path $env:EXONATIVE_TEST_MODULE_ROOT 'bin/exo-sandbox')
        Use-ExoSandbox $short
        $script:shortTruth = @(Get-ExoSandboxTruth $short)
    }
    AfterAll {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Clear-ManagedIdentityHost
        Stop-ExoSandbox $short
        Use-ExoSandbox $sandbox
    }

    It 'never fails and never sends an expired token in a run of more than 70 s, with 8 callers at a time' {
        $s = $short.Info
        $app = $s.apps.exchangeAdmin
        $accessToken = Get-ExoSandboxAppToken $short
        Connect-ExchangeOnline -AccessToken $accessToken -Organization $s.organization -Prefix Tok -ShowBanner:$false
        $credential = [pscredential]::new($s.users.admin.userPrincipalName, (ConvertTo-SecureString -String $s.users.admin.password -AsPlainText -Force))
        Connect-ExchangeOnline -Credential $credential -Prefix Usr -ShowBanner:$false
        Set-ManagedIdentityHost AppService -Of $short
        Connect-ExchangeOnline -ManagedIdentity -Organization $s.organization -Prefix Mi -ShowBanner:$false
        # Last and without a prefix: Get-Mailbox uses it, from every runspace.
        Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath -CertificatePassword (Get-ExoSandboxCertificatePassword $short) -Organization $s.organization -ShowBanner:$false

        $loopStart = [DateTimeOffset]::UtcNow
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $calls = 0
        while ($watch.Elapsed.TotalSeconds -lt 75) {
            foreach ($prefix in 'Usr', 'Mi') {
                $i = $calls % $shortTruth.Count
                $m = & "Get-${prefix}Mailbox" -Identity $shortTruth[$i].PrimarySmtpAddress -ErrorAction Stop
                $m.ExchangeGuid | Should -Be $shortTruth[$i].ExchangeGuid
                $calls++
            }
            # Eight callers on the certificate connection at once, whenever its renewal falls.
            $batch = @(0..7 | ForEach-Object { $shortTruth[($calls + $_) % $shortTruth.Count] })
            $found = @($batch | ForEach-Object -ThrottleLimit 8 -Parallel {
                    Import-Module ExoNative
                    (Get-Mailbox -Identity $_.PrimarySmtpAddress -ErrorAction Stop).ExchangeGuid
                })
            "$($found | Sort-Object)" | Should -Be "$($batch.ExchangeGuid | Sort-Object)"
            $calls += $batch.Count
            Start-Sleep -Milliseconds 1000
        }
        $log = Get-SandboxLog $short
        $invokes = @($log | Where-Object endpoint -eq 'invoke')
        $invokes.Count | Should -Be $calls
        @($invokes | Where-Object tokenExpired -eq $true).Count | Should -Be 0
        @($invokes | Where-Object status -ne 200).Count | Should -Be 0
        # Each renewable connection asked for new tokens along the way...
        $renewals = @($log | Where-Object { $_.endpoint -eq 'token' -and $_.grantType -eq 'client_credentials' -and [DateTimeOffset]::Parse($_.time) -gt $loopStart })
        $renewals.Count | Should -BeGreaterThan 0
        @($log | Where-Object { $_.endpoint -eq 'token' -and $_.grantType -eq 'client_credentials' }).Count | Should -BeGreaterThan 1
        @($log | Where-Object { $_.endpoint -eq 'token' -and $_.grantType -eq 'refresh_token' }).Count | Should -BeGreaterThan 0
        @($log | Where-Object endpoint -eq 'managedIdentity').Count | Should -BeGreaterThan 1
        # ...and the certificate connection renewed once at a time, not once per caller.
        for ($k = 1; $k -lt $renewals.Count; $k++) {
            ([DateTimeOffset]::Parse($renewals[$k].time) - [DateTimeOffset]::Parse($renewals[$k - 1].time)).TotalSeconds | Should -BeGreaterThan 2
        }

        # The -AccessToken connection cannot renew: after its 30 s it says so clearly.
        (Get-ConnectionInformation -ModulePrefix Tok).TokenStatus | Should -Be 'Expired'
        $err = Get-ConnectError { Get-TokMailbox -ResultSize 1 -ErrorAction Stop }
        $err.Exception.Message | Should -BeLike '*expired*'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
    }
}

Describe 'No secret reaches a stream, an error record or the log file' {
    BeforeAll {
        $script:logDirectory = Join-Path ([IO.Path]::GetTempPath()) "exo-canary-$([guid]::NewGuid().ToString('N'))"
        $script:collected = [Collections.Generic.List[object]]::new()
        function Invoke-Collected([scriptblock] $Action) {
            # Every stream of $Action into $collected; a terminating error is collected too.
            # -Debug on a compiled cmdlet asks whether to continue at each debug message
            # (Inquire), which a non-interactive run cannot answer: $DebugPreference =
            # 'Continue' writes the same debug records without asking.
            $DebugPreference = 'Continue'
            try { & $Action *>&1 | ForEach-Object { $collected.Add($_) } } catch { $collected.Add($_) }
        }
    }
    AfterAll {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Clear-ManagedIdentityHost
        Stop-LeftoverBrowser
        Remove-Item -Recurse -Force -ErrorAction SilentlyContinue $logDirectory
    }

    It 'runs every flow with -Verbose, the debug stream and a log file, then finds none of the secrets' {
        Reset-Sandbox
        Remove-Item -Force -ErrorAction SilentlyContinue $browserLog
        $Error.Clear()
        $log = @{ LogDirectoryPath = $logDirectory; LogLevel = 'All'; ShowBanner = $true; Verbose = $true }
        $app = $info.apps.exchangeAdmin
        $accessToken = Get-ExoSandboxAppToken $sandbox
        $use = {
            Get-Mailbox -ResultSize 3 -Verbose
            Get-Mailbox -Identity 'nobody-here' -Verbose
            Get-ConnectionInformation
            Get-ConnectionInformation | Format-List * | Out-String
            Disconnect-ExchangeOnline -Confirm:$false -Verbose
        }
        Invoke-Collected { Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath -CertificatePassword (Get-ExoSandboxCertificatePassword $sandbox) -Organization $info.organization @log; & $use }
        Invoke-Collected { Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath -CertificatePassword (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force) -Organization $info.organization @log }
        Invoke-Collected { Connect-ExchangeOnline -Credential (New-TestCredential admin) @log; & $use }
        foreach ($user in 'mfa', 'blocked', 'disabled') { Invoke-Collected { Connect-ExchangeOnline -Credential (New-TestCredential $user) @log } }
        Invoke-Collected { Connect-ExchangeOnline -Credential (New-TestCredential admin 'Wrong-password-1') @log }
        Invoke-Collected { Set-ManagedIdentityHost AppService; Connect-ExchangeOnline -ManagedIdentity -Organization $info.organization @log; & $use }
        Invoke-Collected { Set-ManagedIdentityHost Imds; Connect-ExchangeOnline -ManagedIdentity -ManagedIdentityAccountId $info.managedIdentity.userAssignedClientId -Organization $info.organization @log; & $use }
        Clear-ManagedIdentityHost
        Invoke-Collected { Connect-ExchangeOnline -AccessToken $accessToken -Organization $info.organization @log; & $use }
        Invoke-Collected { Connect-Browser -User mfa -Extra $log; & $use }
        $device = Connect-Device -User admin -AllStreams
        $device.Records | ForEach-Object { $collected.Add($_) }
        Invoke-Collected { & $use }
        $Error | ForEach-Object { $collected.Add($_) }

        # Everything was there to be searched: verbose and debug output, errors, log files.
        @($collected | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
        @($collected | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 0
        @($collected | Where-Object { $_ -is [Management.Automation.ErrorRecord] }).Count | Should -BeGreaterThan 5
        $logFiles = @(Get-ChildItem -Path $logDirectory -File -Recurse)
        $logFiles.Count | Should -BeGreaterThan 0

        $text = [Text.StringBuilder]::new()
        foreach ($item in $collected) {
            [void] $text.AppendLine([Management.Automation.PSSerializer]::Serialize($item, 5))
            [void] $text.AppendLine(($item | Out-String -Width 500))
            if ($item -is [Management.Automation.ErrorRecord]) {
                [void] $text.AppendLine($item.Exception.ToString()).AppendLine($item.ScriptStackTrace).AppendLine($item.FullyQualifiedErrorId)
                if ($item.ErrorDetails) { [void] $text.AppendLine($item.ErrorDetails.Message) }
            }
        }
        $logFiles | ForEach-Object { [void] $text.AppendLine((Get-Content -Raw $_.FullName)) }
        $everything = $text.ToString()
        $everything.Length | Should -BeGreaterThan 10000

        $steps = @(Get-Content $browserLog | ConvertFrom-Json)
        $secrets = [ordered]@{}
        foreach ($key in $info.users.PSObject.Properties.Name) { $secrets["users.$key.password"] = $info.users.$key.password }
        foreach ($key in $info.apps.PSObject.Properties.Name) { $secrets["apps.$key.pfxPassword"] = $info.apps.$key.pfxPassword }
        $secrets['managedIdentity.identityHeader'] = $info.managedIdentity.identityHeader
        $secrets['controlKey'] = $info.controlKey
        $secrets['the -AccessToken token'] = $accessToken
        $secrets['the access token signature'] = $accessToken.Split('.')[2]
        $secrets['the interactive sign-in state'] = ($steps | Where-Object step -eq 'start').state
        $secrets['the authorization code'] = ($steps | Where-Object step -eq 'redirected').code
        foreach ($name in @($secrets.Keys)) {
            if ($null -eq $secrets[$name]) { continue }
            $secrets[$name].Length | Should -BeGreaterThan 7 -Because "$name is long enough to be searched for"
            $everything.Contains($secrets[$name]) | Should -BeFalse -Because "$name must not appear in any stream or log"
        }
        # Any token the sandbox issued: JWTs, refresh tokens, authorization and device codes.
        $everything | Should -Not -Match 'eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}'
        $everything | Should -Not -Match '[01]\.SBX\.[A-Za-z0-9_-]{8,}'
        $everything | Should -Not -Match 'DAQABAAEAAAD[A-Za-z0-9_-]{8,}'
        $everything | Should -Not -Match 'PRIVATE KEY'
    }
}

Describe 'One connection serves 8 threads at once' {
    AfterAll { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'answers Get-Mailbox -Identity from ForEach-Object -Parallel -ThrottleLimit 8' {
        Reset-Sandbox
        Connect-TestSandbox $sandbox
        $work = @($truth | Select-Object -First 48 | ForEach-Object PrimarySmtpAddress)
        $found = @($work | ForEach-Object -ThrottleLimit 8 -Parallel {
                Import-Module ExoNative
                $m = Get-Mailbox -Identity $_ -ErrorAction Stop
                [pscustomobject]@{ Asked = $_; Guid = $m.ExchangeGuid; Thread = [Threading.Thread]::CurrentThread.ManagedThreadId }
            })
        $found.Count | Should -Be $work.Count
        foreach ($f in $found) {
            $f.Guid | Should -Be ($truth | Where-Object PrimarySmtpAddress -eq $f.Asked).ExchangeGuid
        }
        ($found.Thread | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        @(Get-SandboxLog | Where-Object endpoint -eq 'invoke').Count | Should -Be $work.Count
        @(Get-SandboxLog | Where-Object endpoint -eq 'token').Count | Should -Be 1
    }
}
