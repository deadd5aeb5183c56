using BenchmarkDotNet.Running;
using Cpns.Benchmarks.Report;

// `report <results dir> <output.md>` turns BenchmarkDotNet's JSON exports into bench/results/crypto.md;
// anything else goes to BenchmarkDotNet (e.g. --filter '*').
if (args.Length > 0 && args[0] == "report")
{
    return ReportWriter.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
