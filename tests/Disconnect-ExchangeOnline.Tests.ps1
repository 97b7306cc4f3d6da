# Disconnect-ExchangeOnline as scripts use it: all, by id from the pipeline, by prefix, -WhatIf.
BeforeAll {
    Import-Module ExoNative -Force
    function Connect-Test([string] $Prefix) {
        $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
        $claims = @{ tid = '11111111-2222-3333-4444-555555555555'; upn = 'admin@contoso.onmicrosoft.com'; exp = [DateTimeOffset]::UtcNow.AddHours(1).ToUnixTimeSeconds() } | ConvertTo-Json -Compress
        $jwt = (& $b64 '{"alg":"RS256","typ":"JWT"}') + '.' + (& $b64 $claims) + '.c2ln'
        $params = @{ AccessToken = $jwt; Organization = 'contoso.onmicrosoft.com'; ShowBanner = $false }
        if ($Prefix) { $params.Prefix = $Prefix }
        Connect-ExchangeOnline @params
    }
}

Describe 'Disconnect-ExchangeOnline' {
    AfterEach { Disconnect-ExchangeOnline -Confirm:$false 6>$null }

    It 'is ConfirmImpact High with -WhatIf' {
        $meta = [System.Management.Automation.CommandMetadata]::new((Get-Command Disconnect-ExchangeOnline))
        $meta.ConfirmImpact | Should -Be 'High'
        $meta.SupportsShouldProcess | Should -BeTrue
    }

    It 'disconnects everything and says "Disconnected successfully !"' {
        Connect-Test; Connect-Test
        $said = Disconnect-ExchangeOnline -Confirm:$false 6>&1
        "$said" | Should -Be 'Disconnected successfully !'
        @(Get-ConnectionInformation).Count | Should -Be 0
    }

    It 'keeps the connections with -WhatIf' {
        Connect-Test
        Disconnect-ExchangeOnline -WhatIf 6>$null
        @(Get-ConnectionInformation).Count | Should -Be 1
    }

    It 'takes connection ids from the pipeline' {
        Connect-Test; Connect-Test 'Gamma'
        Get-ConnectionInformation | Where-Object ModulePrefix -eq '' | Disconnect-ExchangeOnline -Confirm:$false 6>$null
        (Get-ConnectionInformation).ModulePrefix | Should -Be 'Gamma'
    }

    It 'reports an unknown connection id as ObjectNotFound' {
        $err = $null
        Disconnect-ExchangeOnline -ConnectionId 'no-such-id' -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue 6>$null
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
