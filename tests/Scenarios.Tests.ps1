# The admin scripts of ../shared/scenarios/ run unchanged, each in a child pwsh, against a
# sandbox tenant (as that folder's README says): the sandbox is reached through the
# EXONATIVE_* variables the child inherits, parameters come from sandbox.json, interactive
# sign-in is completed by headless Chromium set as BROWSER, device sign-in through the
# control API, and what each script prints or writes is compared with the sandbox's truth.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot '../tools/build-common.ps1')
    $script:scenarioDir = (Resolve-Path (Join-Path $PSScriptRoot '../../shared/scenarios')).Path
    $script:browserScript = Join-Path $PSScriptRoot 'browser/complete-signin.mjs'
    $script:browserLog = Join-Path ([IO.Path]::GetTempPath()) "exo-browser-$([guid]::NewGuid().ToString('N')).log"
    function Get-ScenarioTruth {
        # The truth's properties these scenarios print, read with System.Text.Json: turning
        # 5,000 full records (50 MB of NDJSON) into PSObjects with ConvertFrom-Json would
        # take most of a minute and a gigabyte.
        $properties = 'Name', 'Alias', 'DisplayName', 'PrimarySmtpAddress', 'RecipientTypeDetails', 'ExternalDirectoryObjectId',
            'EmailAddresses', 'WhenCreated', 'HiddenFromAddressListsEnabled', 'ProhibitSendQuota', 'ForwardingSmtpAddress',
            'DeliverToMailboxAndForward', 'ResourceCapacity', 'ExchangeGuid'
        $text = Invoke-ExoSandboxControl -Sandbox $sandbox -Path 'truth/mailboxes' -Raw
        if ($text -is [byte[]]) { $text = [Text.Encoding]::UTF8.GetString($text) }
        foreach ($line in $text.Split("`n")) {
            if (-not $line.Trim()) { continue }
            $doc = [Text.Json.JsonDocument]::Parse($line)
            try {
                $record = [ordered]@{}
                foreach ($name in $properties) {
                    $e = [Text.Json.JsonElement]::new()
                    if (-not $doc.RootElement.TryGetProperty($name, [ref] $e)) { throw "the truth has no property $name" }
                    $record[$name] = switch ($e.ValueKind) {
                        'String' { $e.GetString() }
                        'Number' { $e.GetInt64() }
                        'True' { $true }
                        'False' { $false }
                        'Array' { , [string[]] @($e.EnumerateArray() | ForEach-Object { $_.GetString() }) }
                        default { $null }
                    }
                }
                [pscustomobject] $record
            }
            finally { $doc.Dispose() }
        }
    }

    # 5,000 mailboxes (02 needs them); a 1 s device-code polling interval keeps 03 short.
    $script:sandbox = Start-TestSandbox -Mailboxes 5000 -ExtraArguments @('--device-code-interval', '1')
    $script:info = $sandbox.Info
    $script:truth = @(Get-ScenarioTruth)

    function Get-ScenarioPath([string] $Prefix) {
        $found = @(Get-ChildItem -Path $scenarioDir -Filter "$Prefix-*.ps1")
        if ($found.Count -ne 1) { throw "expected one scenario $Prefix-*.ps1 in $scenarioDir, found $($found.Count)" }
        $found[0].FullName
    }

    function Invoke-Scenario {
        <#
            Runs one scenario script in a child pwsh and returns its exit code, stdout and
            stderr lines. The child inherits this process' environment (EXONATIVE_* point at the
            sandbox) plus -Environment (a $null value removes a variable). Parameters are
            passed by name; a SecureString parameter cannot travel through -File, so then the
            script is called with -Command and the secret comes through an environment variable,
            never the command line. -OnLine runs for every output line as it arrives (the
            device-code scenario answers the prompt from there). With -Xml the child runs with
            -OutputFormat XML: what the script outputs comes back as objects (Objects), so
            their properties are compared instead of a table cut to the terminal's width.
            The child is killed after -TimeoutSeconds.
        #>
        param(
            [Parameter(Mandatory)] [string] $Script,
            [System.Collections.Specialized.OrderedDictionary] $Parameters = [ordered]@{},
            [hashtable] $Environment = @{},
            [scriptblock] $OnLine,
            [switch] $Xml,
            [int] $TimeoutSeconds = 180
        )
        $start = [Diagnostics.ProcessStartInfo]::new((Get-ExoPwsh))
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.UseShellExecute = $false
        foreach ($a in '-NoProfile', '-NonInteractive') { $start.ArgumentList.Add($a) }
        if ($Xml) { $start.ArgumentList.Add('-OutputFormat'); $start.ArgumentList.Add('XML') }
        $start.Environment['PSModulePath'] = $env:EXONATIVE_TEST_MODULE_ROOT + [IO.Path]::PathSeparator + $env:PSModulePath
        # Plain text, and a 132-column terminal (terminfo's screen-w, from Debian's required
        # ncurses-base) instead of .NET's 80 for redirected output, so that tables are not cut.
        $start.Environment['NO_COLOR'] = '1'
        $start.Environment['TERM'] = 'screen-w'
        foreach ($k in $Environment.Keys) {
            if ($null -eq $Environment[$k]) { [void] $start.Environment.Remove($k) } else { $start.Environment[$k] = [string] $Environment[$k] }
        }
        $secure = @($Parameters.Keys | Where-Object { $Parameters[$_] -is [securestring] })
        if ($secure) {
            $quote = { param($v) "'" + ([string] $v).Replace("'", "''") + "'" }
            $command = '& ' + (& $quote $Script)
            foreach ($k in $Parameters.Keys) {
                if ($Parameters[$k] -is [securestring]) {
                    $var = "EXONATIVE_SCENARIO_SECRET_$k"
                    $start.Environment[$var] = [Net.NetworkCredential]::new('', $Parameters[$k]).Password
                    $command += " -$k (ConvertTo-SecureString -String `$env:$var -AsPlainText -Force)"
                }
                else {
                    $command += " -$k " + (& $quote $Parameters[$k])
                }
            }
            $command += '; exit $(if ($?) { 0 } else { 1 })'
            $start.ArgumentList.Add('-Command'); $start.ArgumentList.Add($command)
        }
        else {
            $start.ArgumentList.Add('-File'); $start.ArgumentList.Add($Script)
            foreach ($k in $Parameters.Keys) { $start.ArgumentList.Add("-$k"); $start.ArgumentList.Add([string] $Parameters[$k]) }
        }

        $process = [Diagnostics.Process]::Start($start)
        $stdout = [Collections.Generic.List[string]]::new()
        $stderr = [Collections.Generic.List[string]]::new()
        try {
            $readers = @(
                @{ Reader = $process.StandardOutput; Lines = $stdout; Task = $null; Done = $false }
                @{ Reader = $process.StandardError; Lines = $stderr; Task = $null; Done = $false }
            )
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            while (($readers | Where-Object { -not $_.Done })) {
                if ([DateTime]::UtcNow -gt $deadline) {
                    throw "$(Split-Path -Leaf $Script) did not finish within $TimeoutSeconds s. Output so far:`n$($stdout -join "`n")`n$($stderr -join "`n")"
                }
                foreach ($r in $readers) {
                    if ($r.Done) { continue }
                    if ($null -eq $r.Task) { $r.Task = $r.Reader.ReadLineAsync() }
                    if (-not $r.Task.Wait(100)) { continue }
                    $line = $r.Task.Result
                    $r.Task = $null
                    if ($null -eq $line) { $r.Done = $true; continue }
                    $line = $line -replace "`e\[[0-9;]*[A-Za-z]", ''
                    $r.Lines.Add($line)
                    if ($OnLine) { & $OnLine $line }
                }
            }
            if (-not $process.WaitForExit(30000)) { throw "$(Split-Path -Leaf $Script) closed its output but did not exit" }
            $objects = if ($Xml) {
                # One or more '#< CLIXML' documents; host output (Write-Host, the disconnect
                # message) comes as strings among the objects.
                ($stdout -join "`n") -split '(?m)^#< CLIXML$' | Where-Object { $_.Trim() } |
                    ForEach-Object { [Management.Automation.PSSerializer]::DeserializeAsList($_.Trim()) }
            }
            # Error records, in text ("... : message") or, with -Xml, as S="Error" elements.
            $errorText = $stderr -join "`n"
            $hasErrors = if ($Xml) { $errorText -match 'S="Error"' } else { [bool] $errorText.Trim() }
            [pscustomobject]@{
                ExitCode = $process.ExitCode; Output = $stdout.ToArray(); Errors = $stderr.ToArray(); Text = $stdout -join "`n"
                Objects = @($objects); HasErrors = $hasErrors
            }
        }
        finally {
            if (-not $process.HasExited) { $process.Kill($true); [void] $process.WaitForExit(10000) }
            $process.Dispose()
        }
    }

    function ConvertFrom-TableText {
        <#
            Rows of the Format-Table block whose header matches -Header: the dashes line under the header gives each
            column's start; a value runs to the next column's start (numbers are right-aligned
            within it). Returns objects with the header names; stops at the first blank line.
        #>
        param([string[]] $Lines, [string] $Header)
        $headerAt = -1
        for ($i = 0; $i -lt $Lines.Count - 1; $i++) {
            if ($Lines[$i] -match $Header -and $Lines[$i + 1] -match '^-+(\s+-+)*\s*$') { $headerAt = $i; break }
        }
        if ($headerAt -lt 0) { throw "no table with a header like '$Header' in:`n$($Lines -join "`n")" }
        $starts = [regex]::Matches($Lines[$headerAt + 1], '-+') | ForEach-Object Index
        $names = for ($c = 0; $c -lt $starts.Count; $c++) {
            $end = if ($c + 1 -lt $starts.Count) { $starts[$c + 1] } else { $Lines[$headerAt].Length }
            $Lines[$headerAt].Substring($starts[$c], [Math]::Min($end, $Lines[$headerAt].Length) - $starts[$c]).Trim()
        }
        for ($i = $headerAt + 2; $i -lt $Lines.Count -and $Lines[$i].Trim(); $i++) {
            $line = $Lines[$i]
            $row = [ordered]@{}
            for ($c = 0; $c -lt $starts.Count; $c++) {
                $from = [Math]::Min($starts[$c], $line.Length)
                $to = if ($c + 1 -lt $starts.Count) { [Math]::Min($starts[$c + 1], $line.Length) } else { $line.Length }
                $row[$names[$c]] = $line.Substring($from, $to - $from).Trim()
            }
            [pscustomobject] $row
        }
    }

    function Get-SandboxLog {
        # The sandbox's request log as entries (Invoke-RestMethod writes the JSON array as one object).
        @(Invoke-ExoSandboxControl -Sandbox $sandbox -Path 'requests' | ForEach-Object { $_ })
    }

    function Get-ScenarioFailure($Run) {
        "exit code $($Run.ExitCode)`n--- stdout`n$($Run.Output -join "`n")`n--- stderr`n$($Run.Errors -join "`n")"
    }

    function Stop-LeftoverBrowser {
        # The browser script exits by itself; one that is still running after its scenario
        # is stopped here by the pid it logged.
        if (-not (Test-Path $browserLog)) { return }
        Get-Content $browserLog | ForEach-Object { ($_ | ConvertFrom-Json).pid } | Sort-Object -Unique | ForEach-Object {
            $p = Get-Process -Id $_ -ErrorAction SilentlyContinue
            if ($p -and $p.ProcessName -eq 'node') { $p.Kill($true) }
        }
    }

    $script:certificateParameters = [ordered]@{
        AppId               = $info.apps.exchangeAdmin.appId
        CertificateFilePath = $info.apps.exchangeAdmin.pfxPath
        CertificatePassword = Get-ExoSandboxCertificatePassword $sandbox
        Organization        = $info.organization
    }
}

AfterAll {
    Stop-LeftoverBrowser
    Remove-Item -Force -ErrorAction SilentlyContinue $browserLog
    Stop-TestSandbox $script:sandbox
}

Describe '01-seed-walkthrough: interactive sign-in in a real browser' {
    BeforeAll {
        # The browser is driven through the sandbox's login page, so the node package must be there.
        $script:browserReady = (Test-Path '/usr/bin/chromium') -and (Test-Path (Join-Path $PSScriptRoot 'browser/node_modules/playwright-core'))
    }
    AfterEach { Stop-LeftoverBrowser }

    It 'signs in as users.<User>, lists the first five mailboxes and disconnects' -ForEach @(
        @{ User = 'admin'; Otp = $false }
        @{ User = 'mfa'; Otp = $true }
    ) {
        $browserReady | Should -BeTrue -Because 'Chromium (tools/debian-packages.txt) and tests/browser/node_modules (npm ci) are installed by .ci/run'
        Remove-Item -Force -ErrorAction SilentlyContinue $browserLog
        $upn = $info.users.$User.userPrincipalName
        Invoke-ExoSandboxControl -Sandbox $sandbox -Method DELETE -Path 'requests' | Out-Null
        $run = Invoke-Scenario -Script (Get-ScenarioPath '01') -Xml -Parameters ([ordered]@{ UserPrincipalName = $upn }) -Environment @{
            BROWSER                     = $browserScript
            EXONATIVE_TEST_SANDBOX_JSON = Join-Path $sandbox.StateDir 'sandbox.json'
            EXONATIVE_TEST_BROWSER_LOG  = $browserLog
            EXONATIVE_TEST_BROWSER_USER = $null
        }
        $run.ExitCode | Should -Be 0 -Because (Get-ScenarioFailure $run)
        $run.HasErrors | Should -BeFalse -Because (Get-ScenarioFailure $run)

        # The browser really went through the login page (and the MFA step for users.mfa).
        $steps = @(Get-Content $browserLog | ConvertFrom-Json)
        $steps.step | Should -Contain 'redirected'
        ($steps | Where-Object step -eq 'start').user | Should -Be $upn
        ($steps.step -contains 'otpStep') | Should -Be $Otp
        ($steps | Where-Object step -eq 'redirected').hasCode | Should -BeTrue

        # The module list, five mailbox objects (the first five of the service's order), the
        # disconnect message, and nothing else.
        $modules = @($run.Objects | Where-Object { $_.PSObject.Properties['Version'] -and $_.Name -eq 'ExoNative' })
        $modules.Count | Should -BeGreaterThan 0
        $mailboxes = @($run.Objects | Where-Object { $_.PSObject.TypeNames -contains 'Deserialized.ExoNative.Mailbox' })
        $mailboxes.Count | Should -Be 5
        "$($mailboxes.ExchangeGuid)" | Should -Be "$($truth[0..4].ExchangeGuid)"
        $mailboxes.PrimarySmtpAddress | Should -Be $truth[0..4].PrimarySmtpAddress
        $strings = @($run.Objects | Where-Object { $_ -is [string] -and $_.Trim() })
        $strings | Should -Be @('Disconnected successfully !')
        ($run.Objects.Count - $modules.Count - $mailboxes.Count - @($run.Objects | Where-Object { $_ -is [string] }).Count) | Should -Be 0

        # The sign-in was the interactive one (authorization code), as this user.
        $grants = @(Get-SandboxLog | Where-Object { $_.endpoint -eq 'token' })
        $grants.grantType | Should -Contain 'authorization_code'
        (Get-SandboxLog | Where-Object { $_.endpoint -eq 'authorize' }).Count | Should -BeGreaterThan 0
    }
}

Describe '02-unattended-shared-mailbox-report: certificate file, every shared mailbox to CSV' {
    BeforeAll {
        $script:csv = Join-Path ([IO.Path]::GetTempPath()) "exo-shared-$([guid]::NewGuid().ToString('N')).csv"
    }
    AfterAll { Remove-Item -Force -ErrorAction SilentlyContinue $csv }

    It 'writes one row per SharedMailbox of the tenant, with the asked-for columns' {
        $shared = @($truth | Where-Object RecipientTypeDetails -eq 'SharedMailbox')
        # The tenant has shared mailboxes beyond its first 1000 records: a report that
        # stopped at Get-Mailbox's default 1000 or at the first page would miss them.
        $late = @(for ($i = 1000; $i -lt $truth.Count; $i++) { if ($truth[$i].RecipientTypeDetails -eq 'SharedMailbox') { $truth[$i] } })
        $late.Count | Should -BeGreaterThan 0

        $parameters = [ordered]@{}
        $certificateParameters.GetEnumerator() | ForEach-Object { $parameters[$_.Key] = $_.Value }
        $parameters.OutputPath = $csv
        $run = Invoke-Scenario -Script (Get-ScenarioPath '02') -Parameters $parameters
        $run.ExitCode | Should -Be 0 -Because (Get-ScenarioFailure $run)
        $run.HasErrors | Should -BeFalse -Because (Get-ScenarioFailure $run)

        $rows = @(Import-Csv -Path $csv)
        (Get-Content -Path $csv -TotalCount 1) | Should -Be '"DisplayName","PrimarySmtpAddress","Alias","WhenCreated","EmailAddresses","HiddenFromAddressListsEnabled","ProhibitSendQuota"'
        $rows.Count | Should -Be $shared.Count
        $expected = @($shared | Sort-Object PrimarySmtpAddress)
        $rows.PrimarySmtpAddress | Should -Be $expected.PrimarySmtpAddress
        for ($i = 0; $i -lt $rows.Count; $i++) {
            $row = $rows[$i]; $mbx = $expected[$i]
            $because = "row $i ($($mbx.PrimarySmtpAddress))"
            $row.DisplayName | Should -Be $mbx.DisplayName -Because $because
            $row.Alias | Should -Be $mbx.Alias -Because $because
            $row.EmailAddresses | Should -Be ($mbx.EmailAddresses -join ';') -Because $because
            $row.HiddenFromAddressListsEnabled | Should -Be ([string] [bool] $mbx.HiddenFromAddressListsEnabled) -Because $because
            $row.ProhibitSendQuota | Should -Be $mbx.ProhibitSendQuota -Because $because
            # Export-Csv writes the DateTime in this culture's format, to the second, in UTC or local time.
            $written = [datetime]::Parse($row.WhenCreated, [Globalization.CultureInfo]::CurrentCulture)
            $created = [DateTimeOffset]::Parse($mbx.WhenCreated, [Globalization.CultureInfo]::InvariantCulture)
            @($created.UtcDateTime, $created.LocalDateTime) | ForEach-Object { [Math]::Floor([Math]::Abs(($written - $_).TotalSeconds)) } |
                Should -Contain 0 -Because $because
        }
        $late.PrimarySmtpAddress | ForEach-Object { $rows.PrimarySmtpAddress | Should -Contain $_ }
    }
}

Describe '03-device-code-rooms: device code approved through the control API' {
    It 'shows the code, waits for the approval, then prints every room mailbox' {
        $script:approved = $null
        $approve = {
            param($line)
            if (-not $script:approved -and $line -match 'enter the code (\S+) to authenticate') {
                $script:approved = $Matches[1]
                Invoke-ExoSandboxControl -Sandbox $sandbox -Method POST -Path 'device/approve' -Body @{ userCode = $Matches[1]; user = 'admin' } | Out-Null
            }
        }
        $run = Invoke-Scenario -Script (Get-ScenarioPath '03') -Parameters ([ordered]@{ UserPrincipalName = $info.users.admin.userPrincipalName }) -OnLine $approve
        $run.ExitCode | Should -Be 0 -Because (Get-ScenarioFailure $run)
        $run.HasErrors | Should -BeFalse -Because (Get-ScenarioFailure $run)
        $approved | Should -Not -BeNullOrEmpty -Because 'the device-code message (URL and code) must reach the output'
        $run.Text | Should -Match ([regex]::Escape("$($info.authorityUri)/devicelogin"))

        $rooms = @($truth | Where-Object RecipientTypeDetails -eq 'RoomMailbox')
        $rooms.Count | Should -BeGreaterThan 0
        $rows = @(ConvertFrom-TableText -Lines $run.Output -Header '^Name\s+PrimarySmtpAddress\s')
        ($rows[0].PSObject.Properties.Name -join ',') | Should -Be 'Name,PrimarySmtpAddress,ResourceCapacity'
        $rows.Count | Should -Be $rooms.Count
        $rows.PrimarySmtpAddress | Should -Be $rooms.PrimarySmtpAddress
        $rows.Name | Should -Be $rooms.Name
        $rows.ResourceCapacity | Should -Be ($rooms | ForEach-Object { "$($_.ResourceCapacity)" })
        ($run.Output | Where-Object { $_.Trim() })[-1] | Should -Be 'Disconnected successfully !'
    }
}

Describe '04-managed-identity-runbook: the host managed identity' {
    BeforeAll {
        # A mailbox with forwarding set, so every property the runbook prints is checked.
        $script:mailbox = $truth | Where-Object { $_.ForwardingSmtpAddress } | Select-Object -First 1
        $script:mi = $info.managedIdentity
        $script:runbookParameters = { param($ClientId)
            $p = [ordered]@{ Organization = $info.organization; Identity = $mailbox.PrimarySmtpAddress }
            if ($ClientId) { $p.UserAssignedClientId = $ClientId }
            $p
        }
    }
    BeforeEach { Invoke-ExoSandboxControl -Sandbox $sandbox -Method DELETE -Path 'requests' | Out-Null }

    It 'prints the forwarding of the mailbox signed in as the <Case>' -ForEach @(
        @{ Case = 'system-assigned identity (App Service protocol)'; Assigned = 'system'; Protocol = 'managedIdentity' }
        @{ Case = 'user-assigned identity (App Service protocol)'; Assigned = 'user'; Protocol = 'managedIdentity' }
        @{ Case = 'system-assigned identity (IMDS protocol)'; Assigned = 'system'; Protocol = 'imds' }
        @{ Case = 'user-assigned identity (IMDS protocol)'; Assigned = 'user'; Protocol = 'imds' }
    ) {
        $mailbox | Should -Not -BeNullOrEmpty
        $clientId = if ($Assigned -eq 'user') { $mi.userAssignedClientId } else { $null }
        $environment = if ($Protocol -eq 'imds') {
            @{ IDENTITY_ENDPOINT = $null; IDENTITY_HEADER = $null; MSI_ENDPOINT = $null; MSI_SECRET = $null; AZURE_POD_IDENTITY_AUTHORITY_HOST = $mi.imdsUri }
        }
        else {
            @{ IDENTITY_ENDPOINT = $mi.identityEndpoint; IDENTITY_HEADER = $mi.identityHeader; MSI_ENDPOINT = $null; MSI_SECRET = $null; AZURE_POD_IDENTITY_AUTHORITY_HOST = $null }
        }
        $run = Invoke-Scenario -Script (Get-ScenarioPath '04') -Xml -Parameters (& $runbookParameters $clientId) -Environment $environment
        $run.ExitCode | Should -Be 0 -Because (Get-ScenarioFailure $run)
        $run.HasErrors | Should -BeFalse -Because (Get-ScenarioFailure $run)

        $objects = @($run.Objects | Where-Object { $_ -isnot [string] })
        $objects.Count | Should -Be 1
        ($objects[0].PSObject.Properties.Name -join ',') | Should -Be 'DisplayName,PrimarySmtpAddress,ForwardingSmtpAddress,DeliverToMailboxAndForward'
        $objects[0].DisplayName | Should -Be $mailbox.DisplayName
        $objects[0].PrimarySmtpAddress | Should -Be $mailbox.PrimarySmtpAddress
        $objects[0].ForwardingSmtpAddress | Should -Be $mailbox.ForwardingSmtpAddress
        $objects[0].DeliverToMailboxAndForward | Should -Be $mailbox.DeliverToMailboxAndForward
        @($run.Objects | Where-Object { $_ -is [string] -and $_.Trim() }) | Should -Be @('Disconnected successfully !')

        # The token came from the protocol and the identity asked for.
        $expectedClient = if ($Assigned -eq 'user') { $mi.userAssignedClientId } else { $mi.clientId }
        $tokenRequests = @(Get-SandboxLog | Where-Object { $_.endpoint -in 'managedIdentity', 'imds' })
        $tokenRequests.Count | Should -BeGreaterThan 0
        $tokenRequests.endpoint | Sort-Object -Unique | Should -Be $Protocol
        $tokenRequests | Where-Object status -eq 200 | ForEach-Object { $_.clientId | Should -Be $expectedClient }
    }
}

Describe '05-two-connections-with-prefixes: two app connections side by side' {
    It 'lists both connections, uses both prefixes, then closes them one by one' {
        $run = Invoke-Scenario -Script (Get-ScenarioPath '05') -Parameters $certificateParameters
        $run.ExitCode | Should -Be 0 -Because (Get-ScenarioFailure $run)
        $run.HasErrors | Should -BeFalse -Because (Get-ScenarioFailure $run)

        $rows = @(ConvertFrom-TableText -Lines $run.Output -Header '^\s*Id\s+Name\s')
        $rows.Count | Should -Be 2
        $rows.ModulePrefix | Should -Be @('Alpha', 'Beta')
        $rows | ForEach-Object {
            $_.Name | Should -Be "ExchangeOnline_$($_.Id)"
            $_.Organization | Should -Be $info.organization
            $_.TokenStatus | Should -Be 'Active'
        }
        # After the table: 10 and 10 mailboxes, one connection left, Get-AlphaMailbox gone, none left.
        $lines = @($run.Output | Where-Object { $_.Trim() } | ForEach-Object Trim)
        @($lines | Where-Object { $_ -eq 'Disconnected successfully !' }).Count | Should -Be 2
        $lines = @($lines | Where-Object { $_ -ne 'Disconnected successfully !' -and $_ -notlike 'WARNING: *' })
        $lines[-5..-1] | Should -Be @("$([Math]::Min(10, $truth.Count))", "$([Math]::Min(10, $truth.Count))", '1', 'False', '0')
    }
}
