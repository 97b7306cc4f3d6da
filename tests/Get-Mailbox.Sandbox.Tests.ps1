# Get-Mailbox against a running sandbox tenant: what comes back is compared with the
# sandbox's ground truth (truth/mailboxes), and what the client sent with its request log.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    Import-Module ExoNative -Force
    $script:sandbox = Start-TestSandbox -Mailboxes 250
    $script:truth = @(Get-ExoSandboxTruth $sandbox)

    function Reset-Sandbox {
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method DELETE -Path 'faults' | Out-Null
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method DELETE -Path 'requests' | Out-Null
    }

    function Add-Fault([hashtable[]] $Rules) {
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method POST -Path 'faults' -Body @($Rules) | Out-Null
    }
}

AfterAll {
    Stop-TestSandbox $script:sandbox
}

Describe 'Get-Mailbox after a certificate sign-in' {
    BeforeAll { Connect-TestSandbox $sandbox }
    AfterAll { Disconnect-ExchangeOnline -Confirm:$false 6>$null }
    BeforeEach { Reset-Sandbox }

    It 'returns the first five mailboxes the service returns' {
        $five = @(Get-Mailbox -ResultSize 5 -WarningAction SilentlyContinue)
        $five.Count | Should -Be 5
        $five.ExchangeGuid | Should -Be $truth[0..4].ExchangeGuid
        $five[0].PSObject.TypeNames | Should -Contain 'ExoNative.Mailbox'
    }

    It "shows Microsoft's default table columns" {
        $table = Get-Mailbox -ResultSize 2 -WarningAction SilentlyContinue | Format-Table | Out-String -Width 250
        $header = ($table -split "`n" | Where-Object { $_.Trim() })[0]
        $header | Should -Match '^Name\s+Alias\s+Database\s+ProhibitSendQuota\s+ExternalDirectoryObjectId'
    }

    It 'types values: Guid, DateTime, bool, string[]' {
        $m = Get-Mailbox -Identity $truth[0].Alias
        $m.ExchangeGuid | Should -BeOfType [guid]
        $m.WhenCreated | Should -BeOfType [datetime]
        $m.HiddenFromAddressListsEnabled | Should -BeOfType [bool]
        , $m.EmailAddresses | Should -BeOfType [string[]]
        $m.EmailAddresses | Should -Be $truth[0].EmailAddresses
    }

    It 'warns once, in the service words, when -ResultSize cuts the list' {
        $null = Get-Mailbox -ResultSize 3 -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -Be 'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.'
    }

    It 'returns every mailbox with -ResultSize Unlimited, page by page, none twice' {
        $all = @(Get-Mailbox -ResultSize Unlimited)
        $all.Count | Should -Be $truth.Count
        ($all.ExchangeGuid | Sort-Object -Unique).Count | Should -Be $truth.Count
        $all.ExchangeGuid | Should -Be $truth.ExchangeGuid
    }

    It 'reports an unknown identity as ObjectNotFound with the server message and request id' {
        $err = try { Get-Mailbox -Identity 'nobody-here' -ErrorAction Stop } catch { $_ }
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike "*'nobody-here'*"
        $err.FullyQualifiedErrorId | Should -BeLike '*RequestId=*'
    }

    It 'keeps going after a bad identity in the pipeline' {
        $found = @($truth[0].Alias, 'nobody-here', $truth[1].Alias | Get-Mailbox -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found.Alias | Should -Be @($truth[0].Alias, $truth[1].Alias)
        @($errs).Count | Should -Be 1
    }

    It 'asks the service for only the -Properties given' {
        $m = @(Get-Mailbox -ResultSize 2 -Properties Name, PrimarySmtpAddress -WarningAction SilentlyContinue)
        $m[0].PSObject.Properties.Name | Should -Contain 'PrimarySmtpAddress'
        $m[0].PSObject.Properties.Name | Should -Not -Contain 'Database'
        (Get-TestRequestLog $sandbox -InvokeOnly)[0].query | Should -BeLike '*select=Name*PrimarySmtpAddress*'
    }
}

Describe 'Get-Mailbox paging with -PageSize 50 (250 mailboxes, 5 pages)' {
    BeforeAll { Connect-TestSandbox $sandbox @{ PageSize = 50 } }
    AfterAll { Disconnect-ExchangeOnline -Confirm:$false 6>$null }
    BeforeEach { Reset-Sandbox }

    It 'asks for 50 records a page and follows every nextLink' {
        @(Get-Mailbox -ResultSize Unlimited).Count | Should -Be 250
        $invokes = Get-TestRequestLog $sandbox -InvokeOnly
        $invokes.Count | Should -Be 5
        $invokes | ForEach-Object { $_.headers.prefer | Should -Be 'odata.maxpagesize=50' }
        ($invokes.headers.'client-request-id' | Sort-Object -Unique).Count | Should -Be 1
    }

    It 'stops paging when the pipeline stops (Select-Object -First 3)' {
        $three = @(Get-Mailbox -ResultSize Unlimited | Select-Object -First 3)
        $three.Count | Should -Be 3
        Start-Sleep -Milliseconds 300
        # The page in hand, the one waiting in the module's hand-over slot, the one its worker
        # converted, and the one the core fetches ahead: not the five pages of the whole run.
        (Get-TestRequestLog $sandbox -InvokeOnly).Count | Should -BeLessOrEqual 4
    }

    It 'waits as long as Retry-After says when it is an HTTP date' {
        # HTTP dates have whole seconds: 3 s from now is at least 2 s after the fault is set.
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $when = [DateTime]::UtcNow.AddSeconds(3).ToString('r')
        Add-Fault @{ endpoint = 'invoke'; kind = 'status'; status = 429; retryAfter = $when; nth = 2; times = 1 }
        @(Get-Mailbox -ResultSize Unlimited).Count | Should -Be 250
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 1.5
    }

    It 'gives up with "Maximum retry count reached." when a page keeps failing' {
        Add-Fault @{ endpoint = 'invoke'; kind = 'status'; status = 503; every = 1; times = 0 }
        $err = try { Get-Mailbox -ResultSize Unlimited -ErrorAction Stop | Out-Null } catch { $_ }
        $err.Exception.Message | Should -BeLike 'Maximum retry count reached.*'
    }

    It 'stops with a clear error, sending no token, on a nextLink to <Case>' -ForEach @(
        @{ Case = 'another host'; Kind = 'foreignNextLink'; Message = '*another host*no credentials were sent*' }
        @{ Case = 'a link it already followed'; Kind = 'loopNextLink'; Message = '*same next-page link twice*' }
    ) {
        Add-Fault @{ endpoint = 'invoke'; kind = $Kind; nth = 2; times = 1 }
        $got = [Collections.Generic.List[object]]::new()
        $err = try { Get-Mailbox -ResultSize Unlimited -ErrorAction Stop | ForEach-Object { $got.Add($_) }; $null } catch { $_ }
        $err.Exception.Message | Should -BeLike $Message
        $got.Count | Should -BeLessThan 250
        # Every request the sandbox saw went to its own host.
        Get-TestRequestLog $sandbox -InvokeOnly | ForEach-Object { $_.headers.host | Should -BeLike 'localhost:*' }
    }
}

Describe 'Get-Mailbox with a token from -AccessToken' {
    AfterAll { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'uses the token as is' {
        $token = Get-ExoSandboxAppToken $sandbox
        Connect-ExchangeOnline -AccessToken $token -Organization $sandbox.Info.organization -ShowBanner:$false
        (Get-Mailbox -Identity $truth[2].PrimarySmtpAddress).ExchangeGuid | Should -Be $truth[2].ExchangeGuid
    }
}

Describe 'What a run leaves behind: -Verbose, -Debug and the log file' {
    BeforeAll {
        $script:logDir = Join-Path ([IO.Path]::GetTempPath()) "exonative-logs-$([guid]::NewGuid().ToString('N'))"
        Connect-TestSandbox $sandbox @{ LogDirectoryPath = $logDir; LogLevel = 'All'; PageSize = 100 }
    }
    AfterAll {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Remove-Item -Recurse -Force $logDir -ErrorAction SilentlyContinue
    }
    BeforeEach { Reset-Sandbox }

    It 'verbose names each page request id, debug each HTTP exchange' {
        $streams = @(Get-Mailbox -ResultSize Unlimited -Verbose -Debug 4>&1 5>&1 | Where-Object { $_ -is [Management.Automation.InformationalRecord] })
        $ids = (Get-TestRequestLog $sandbox -InvokeOnly).Count
        @($streams | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'received \d+ records \(request-id [^)]+\)' }).Count | Should -Be $ids
        @($streams | Where-Object { $_ -is [Management.Automation.DebugRecord] -and $_.Message -match '^POST /adminapi/beta/.+/InvokeCommand -> HTTP 200 in \d+ ms$' }).Count | Should -Be $ids
    }

    It 'writes an owner-only log file with the sign-in, the pages and the HTTP lines, and no secret' {
        Get-Mailbox -ResultSize Unlimited | Out-Null
        $file = @(Get-ChildItem $logDir -Filter 'ExoNative_*.log')
        $file.Count | Should -Be 1
        if (-not $IsWindows) { [int](Get-Item $file[0].FullName).UnixFileMode | Should -Be 0x180 }  # owner read+write (0600)
        $text = Get-Content -Raw $file[0].FullName
        $text | Should -Match 'signed in with the Certificate flow'
        $text | Should -Match 'received \d+ records \(request-id'
        $text | Should -Match 'POST /adminapi/beta/.+/InvokeCommand -> HTTP 200 in \d+ ms'
        $text | Should -Not -Match 'skiptoken'
        $text | Should -Not -Match 'eyJ[A-Za-z0-9_-]{10,}'
        $text | Should -Not -Match ([regex]::Escape($sandbox.Info.apps.exchangeAdmin.pfxPassword))
    }

    It 'refuses an unusable -LogDirectoryPath before signing in' {
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method DELETE -Path 'requests' | Out-Null
        $blocker = New-TemporaryFile
        try {
            $err = try { Connect-TestSandbox $sandbox @{ LogDirectoryPath = (Join-Path $blocker.FullName 'sub') } } catch { $_ }
            $err.Exception.Message | Should -BeLike "Cannot write a log file in LogDirectoryPath*"
            @(Get-TestRequestLog $sandbox | Where-Object endpoint -eq 'token').Count | Should -Be 0
        }
        finally { Remove-Item $blocker -Force }
    }
}

Describe 'Get-Mailbox under faults (5,000 mailboxes, page size 200: 25 pages)' {
    BeforeAll {
        # Its own tenant: tokens live 120 s so one test can expire them mid-run.
        $script:big = Start-ExoSandbox -Mailboxes 5000 -TokenLifetime 120 -Executable (Join-Path $env:EXONATIVE_TEST_MODULE_ROOT 'bin/exo-sandbox')
        $script:bigTruth = @((Get-ExoSandboxTruth $big).ExchangeGuid)
        Use-ExoSandbox $big
        Connect-TestSandbox $big @{ PageSize = 200 }

        function Add-BigFault([hashtable[]] $Rules) {
            Invoke-ExoSandboxControl -Sandbox $big -Method POST -Path 'faults' -Body @($Rules) | Out-Null
        }

        function Get-AllWithVerbose {
            $all = @(Get-Mailbox -ResultSize Unlimited -Verbose 4>&1)
            [pscustomobject]@{
                Guids   = @($all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] } | ForEach-Object ExchangeGuid)
                Verbose = ($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message -join "`n"
            }
        }
    }
    AfterAll {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Stop-ExoSandbox $big
        Use-ExoSandbox $sandbox
    }
    BeforeEach {
        Invoke-ExoSandboxControl -Sandbox $big -Method DELETE -Path 'faults' | Out-Null
        Invoke-ExoSandboxControl -Sandbox $big -Method DELETE -Path 'requests' | Out-Null
    }

    It 'returns exactly the truth when page <Nth> fails with <Case>' -ForEach @(
        foreach ($nth in 1, 13, 25) {
            @{ Nth = $nth; Case = '429 Retry-After 1'; Rule = @{ endpoint = 'invoke'; kind = 'status'; status = 429; retryAfter = '1'; nth = $nth; times = 1 } }
            @{ Nth = $nth; Case = '503'; Rule = @{ endpoint = 'invoke'; kind = 'status'; status = 503; nth = $nth; times = 1 } }
            @{ Nth = $nth; Case = '500 once'; Rule = @{ endpoint = 'invoke'; kind = 'status'; status = 500; nth = $nth; times = 1 } }
            @{ Nth = $nth; Case = 'a reset mid-body'; Rule = @{ endpoint = 'invoke'; kind = 'reset'; nth = $nth; times = 1 } }
            @{ Nth = $nth; Case = 'a truncated body'; Rule = @{ endpoint = 'invoke'; kind = 'truncate'; nth = $nth; times = 1 } }
            @{ Nth = $nth; Case = 'malformed JSON'; Rule = @{ endpoint = 'invoke'; kind = 'malformedJson'; nth = $nth; times = 1 } }
        }
    ) {
        Add-BigFault $Rule
        $run = Get-AllWithVerbose
        $run.Guids.Count | Should -Be $bigTruth.Count
        $run.Guids | Should -Be $bigTruth
        $run.Verbose | Should -Match 'retrying in'
    }

    It 'returns exactly the truth with 100 ms of latency on every page' {
        Add-BigFault @{ endpoint = 'invoke'; kind = 'delay'; delayMs = 100; every = 1 }
        (Get-AllWithVerbose).Guids | Should -Be $bigTruth
    }

    It 'returns exactly the truth when the token expires mid-run' {
        # Five minutes pass on the sandbox's clock after the first records: the token the
        # module holds is now expired for the service, which answers 401 until it renews.
        $moved = $false
        $guids = @(Get-Mailbox -ResultSize Unlimited | ForEach-Object {
                if (-not $moved) {
                    Invoke-ExoSandboxControl -Sandbox $big -Method POST -Path 'clock' -Body @{ advanceSeconds = 300 } | Out-Null
                    $moved = $true
                }
                $_.ExchangeGuid
            })
        $guids | Should -Be $bigTruth
        $log = Get-TestRequestLog $big
        @($log | Where-Object { $_.endpoint -eq 'invoke' -and $_.status -eq 401 }).Count | Should -BeGreaterThan 0
        @($log | Where-Object { $_.endpoint -eq 'token' }).Count | Should -BeGreaterThan 0
    }
}

Describe 'Stopping Get-Mailbox (Ctrl+C)' {
    BeforeAll { Connect-TestSandbox $sandbox @{ PageSize = 50 } }
    AfterAll {
        Disconnect-ExchangeOnline -Confirm:$false 6>$null
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method DELETE -Path 'faults' | Out-Null
    }

    It 'stops within a second while a page is on its way' {
        # Every page takes 5 s to arrive; Stop() is what Ctrl+C does to the pipeline.
        Add-Fault @{ endpoint = 'invoke'; kind = 'delay'; delayMs = 5000; every = 1 }
        $ps = [powershell]::Create()
        try {
            # Connections belong to the process, so a second runspace uses the one made here.
            [void]$ps.AddScript('Import-Module ExoNative; Get-Mailbox -ResultSize Unlimited | Out-Null')
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while (@(Get-TestRequestLog $sandbox -InvokeOnly).Count -eq 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Start-Sleep -Milliseconds 300
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
            $async.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }
}
