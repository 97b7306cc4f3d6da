using System.Runtime.CompilerServices;

// The page-conversion micro-benchmark (tests/bench) drives RecordConverter directly.
[assembly: InternalsVisibleTo("ExoNative.Bench")]
