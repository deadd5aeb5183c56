using BenchmarkDotNet.Running;
using Cpns.Benchmarks.Anchors;
using Cpns.Benchmarks.Report;

// `report <results dir> <output.md>` turns BenchmarkDotNet's JSON exports into bench/results/crypto.md;
// `anchors <out.json>` measures the Cpns rekey against which bench/anchors measures MLS;
// `anchors-report <cpns.json> <mls.json> <results dir>` writes bench/results/anchors.md and the plots;
// anything else goes to BenchmarkDotNet (e.g. --filter '*').
switch (args.FirstOrDefault())
{
    case "report":
        return ReportWriter.Run(args[1..]);
    case "anchors":
        return AnchorsRun.Run(args[1..]);
    case "anchors-report":
        return AnchorsReport.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
