# Get-Help works offline for every exported cmdlet: every public parameter described, at
# least two examples, each of which parses; about_ExoNative lists every error id the code uses.
BeforeDiscovery {
    Import-Module ExoNative -Force
    $cmdlets = @((Get-Module ExoNative).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module ExoNative -Force
    function Get-PublicParameterNames([string] $Name) {
        (Get-Command $Name).Parameters.Values | Where-Object {
            $_.Name -notin [Management.Automation.Cmdlet]::CommonParameters -and
            -not ($_.Attributes | Where-Object { $_ -is [Management.Automation.ParameterAttribute] -and $_.DontShow })
        } | ForEach-Object Name
    }
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll { $help = Get-Help $Name -Full }

    It 'comes from the module''s help file, with a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$Name *[<CommonParameters>]*" # the auto-generated stub
        ($help.description.Text -join ' ') | Should -Not -BeNullOrEmpty
    }

    It 'describes every public parameter' {
        $described = @{}
        foreach ($p in $help.parameters.parameter) { $described[$p.name] = ($p.description.Text -join ' ').Trim() }
        foreach ($param in (Get-PublicParameterNames $Name)) {
            $described[$param] | Should -Not -BeNullOrEmpty -Because "-$param of $Name needs help text"
        }
    }

    It 'has at least two examples, and every example parses' {
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            $tokens = $errors = $null
            [Management.Automation.Language.Parser]::ParseInput($example.code, [ref]$tokens, [ref]$errors) | Out-Null
            $errors | Should -BeNullOrEmpty -Because "$($example.title.Trim(' -')) must parse"
            $example.code | Should -Match $Name.Split('-')[1] -Because 'an example uses the cmdlet'
        }
    }

    It 'has related links' {
        @($help.relatedLinks.navigationLink).Count | Should -BeGreaterThan 0
    }
}

Describe 'about_ExoNative' {
    BeforeAll {
        $about = Get-Help about_ExoNative | Out-String
        $src = Join-Path (Split-Path $PSScriptRoot -Parent) 'ps-module/src'
    }

    It 'covers sign-in choices, the sandbox and the differences' {
        $about | Should -Match 'CHOOSING HOW TO SIGN IN'
        $about | Should -Match 'unattended'
        $about | Should -Match 'THE SANDBOX TENANT'
        $about | Should -Match "DIFFERENCES FROM MICROSOFT'S MODULE"
    }

    It 'lists every error id the C# layer and the native error codes produce' {
        $code = Get-ChildItem $src -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](bin|obj)[\\/]' | Get-Content -Raw
        $ids = [Collections.Generic.HashSet[string]]::new()
        # "ExoNative.Id" literals, and the short ids that Reject/Fail prefix with "ExoNative.".
        foreach ($m in [regex]::Matches($code -join "`n", '"ExoNative\.([A-Za-z]+)"|"([A-Z][A-Za-z]+)",\s*ErrorCategory\.')) {
            [void]$ids.Add($m.Groups[1].Value + $m.Groups[2].Value)
        }
        foreach ($i in 'Connection', 'DelegatedOrganization', 'AzureADAuthorizationEndpointUri', 'Organization', 'AppId', 'ManagedIdentityAccountId') { [void]$ids.Add("Invalid$i") }
        [enum]::GetNames([ExoNative.Native.ExoErrorCode]) | ForEach-Object { [void]$ids.Add($_) }
        $notErrors = 'Mailbox', 'Records', 'Bench', 'InvalidConnection'
        $ids.Count | Should -BeGreaterThan 30
        foreach ($id in $ids) {
            if ($id -in $notErrors) { continue }
            $about | Should -Match "ExoNative\.$id\b" -Because "about_ExoNative lists ExoNative.$id"
        }
    }
}
