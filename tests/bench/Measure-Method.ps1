# One benchmark measurement in a fresh pwsh process. Prints one JSON line:
# {method, records, seconds, baselineKb, peakKb}. Memory is read from /proc (Linux).
param(
    [Parameter(Mandatory)] [ValidateSet('ExoNative', 'ExoNativeProperties', 'InvokeRestMethod', 'HttpClient', 'ConnectTime', 'RawTokenTime', 'ImportConnectMemory', 'BareMemory', 'ConnectDisconnectLoop')]
    [string] $Method,
    [Parameter(Mandatory)] [string] $SandboxJson,
    [int] $Iterations = 200,
    # Stop the Invoke-RestMethod loop after this many records (0: all): at 100,000 records
    # it takes the better part of an hour, so its rate is measured on the first pages.
    [int] $MaxRecords = 0
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'bench-common.ps1')
$sb = Get-Content -Raw $SandboxJson | ConvertFrom-Json
$app = $sb.apps.exchangeAdmin
$password = ConvertTo-SecureString $app.pfxPassword -AsPlainText -Force

function Connect-Sandbox {
    Connect-ExchangeOnline -AppId $app.appId -CertificateFilePath $app.pfxPath -CertificatePassword $password `
        -Organization $sb.organization -ShowBanner:$false
}

$result = [ordered]@{ method = $Method; records = 0; seconds = 0.0; baselineKb = 0; peakKb = 0 }
switch ($Method) {
    { $_ -in 'ExoNative', 'ExoNativeProperties' } {
        Import-Module ExoNative
        Connect-Sandbox
        $result.baselineKb = Get-ProcMemoryKb VmRSS
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $measure = if ($Method -eq 'ExoNative') {
            Get-Mailbox -ResultSize Unlimited -WarningAction SilentlyContinue | Measure-Object
        }
        else {
            Get-Mailbox -ResultSize Unlimited -Properties Name, PrimarySmtpAddress, RecipientTypeDetails -WarningAction SilentlyContinue | Measure-Object
        }
        $result.seconds = $watch.Elapsed.TotalSeconds
        $result.records = $measure.Count
    }
    'InvokeRestMethod' {
        # What an administrator writes without a module: a competent nextLink loop whose
        # records flow down the pipeline as objects.
        $token = Get-SandboxToken $sb
        $headers = Get-InvokeHeaders $sb $token
        $body = '{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}'
        $result.baselineKb = Get-ProcMemoryKb VmRSS
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $measure = & {
            $uri = "$($sb.connectionUri)/adminapi/beta/$($sb.organization)/InvokeCommand"
            $seen = 0
            while ($uri) {
                $page = Invoke-RestMethod -Method Post -Uri $uri -Headers $headers -Body $body -ContentType 'application/json' -SkipCertificateCheck
                $page.value
                $seen += $page.value.Count
                $uri = if ($MaxRecords -gt 0 -and $seen -ge $MaxRecords) { $null } else { $page.'@odata.nextLink' }
            }
        } | Measure-Object
        $result.seconds = $watch.Elapsed.TotalSeconds
        $result.records = $measure.Count
    }
    'HttpClient' {
        # The limit: the same pages with HttpClient and System.Text.Json, no PowerShell objects.
        $token = Get-SandboxToken $sb
        $client = New-BenchHttpClient
        $body = '{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"ResultSize":"Unlimited"}}}'
        $result.baselineKb = Get-ProcMemoryKb VmRSS
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $uri = "$($sb.connectionUri)/adminapi/beta/$($sb.organization)/InvokeCommand"
        $count = 0
        while ($uri) {
            $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Post, $uri)
            foreach ($h in (Get-InvokeHeaders $sb $token).GetEnumerator()) { [void]$request.Headers.TryAddWithoutValidation($h.Key, $h.Value) }
            $request.Content = [Net.Http.StringContent]::new($body, [Text.Encoding]::UTF8, 'application/json')
            $response = $client.Send($request)
            $bytes = $response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
            $doc = [Text.Json.JsonDocument]::Parse([ReadOnlyMemory[byte]]::new($bytes))
            $count += $doc.RootElement.GetProperty('value').GetArrayLength()
            $next = [Text.Json.JsonElement]::new()
            $uri = if ($doc.RootElement.TryGetProperty('@odata.nextLink', [ref] $next)) { $next.GetString() } else { $null }
            $doc.Dispose()
        }
        $result.seconds = $watch.Elapsed.TotalSeconds
        $result.records = $count
    }
    'ConnectTime' {
        Import-Module ExoNative
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Connect-Sandbox
        $result.seconds = $watch.Elapsed.TotalSeconds
        Disconnect-ExchangeOnline -Confirm:$false | Out-Null
    }
    'RawTokenTime' {
        # One client-credentials request with a freshly signed assertion, as connect makes.
        $client = New-BenchHttpClient
        $watch = [Diagnostics.Stopwatch]::StartNew()
        [void](Get-SandboxToken $sb $client)
        $result.seconds = $watch.Elapsed.TotalSeconds
    }
    'ImportConnectMemory' {
        Import-Module ExoNative
        Connect-Sandbox
        [GC]::Collect()
        $result.baselineKb = Get-ProcMemoryKb VmRSS
    }
    'BareMemory' {
        [GC]::Collect()
        $result.baselineKb = Get-ProcMemoryKb VmRSS
    }
    'ConnectDisconnectLoop' {
        Import-Module ExoNative
        # Warm up so the first connect's one-time costs (JIT, TLS setup) are not counted.
        1..10 | ForEach-Object { Connect-Sandbox; Disconnect-ExchangeOnline -Confirm:$false | Out-Null }
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $result.baselineKb = Get-ProcMemoryKb VmRSS
        $watch = [Diagnostics.Stopwatch]::StartNew()
        1..$Iterations | ForEach-Object { Connect-Sandbox; Disconnect-ExchangeOnline -Confirm:$false | Out-Null }
        $result.seconds = $watch.Elapsed.TotalSeconds
        [GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
        $result.records = $Iterations
        $result.endKb = Get-ProcMemoryKb VmRSS
    }
}
$result.peakKb = Get-ProcMemoryKb VmHWM
$result | ConvertTo-Json -Compress
