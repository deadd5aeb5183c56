using Cpns.Fuzz;
using SharpFuzz;

// Cpns.Fuzz <target>                 under afl-fuzz: the fork server loop (SharpFuzz); alone: one input from stdin
// Cpns.Fuzz <target> <file|dir>...   replays those inputs without the fuzzer (reproduces a finding)
// Cpns.Fuzz --replay <corpus-root>   replays <corpus-root>/<target>/* through every target
// Cpns.Fuzz --seed <corpus-root>     writes every target's seeds into <corpus-root>/<target>/
// Cpns.Fuzz --list                   names every target
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: Cpns.Fuzz <target> [input-file|dir ...] | --replay <corpus-root> | --seed <corpus-root> | --list");
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "--list":
        foreach (var target in FuzzTargets.CreateAll())
        {
            Console.WriteLine($"{target.Name,-22} {target.Description}");
        }

        return 0;
    case "--seed" when args.Length == 2:
        foreach (var target in FuzzTargets.CreateAll())
        {
            var count = SeedWriter.Write(target, Path.Combine(args[1], target.Name));
            Console.WriteLine($"{target.Name}: {count} seeds");
        }

        return 0;
    case "--replay" when args.Length == 2:
        var failed = 0;
        foreach (var target in FuzzTargets.CreateAll())
        {
            var report = CorpusReplay.Run(target, [Path.Combine(args[1], target.Name)]);
            Console.WriteLine($"{target.Name}: {report.Inputs} inputs, {report.Findings.Count} findings, {report.Elapsed.TotalMilliseconds:F0} ms");
            failed += Print(report);
        }

        return failed == 0 ? 0 : 1;
}

if (FuzzTargets.Find(args[0]) is not { } create)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; Cpns.Fuzz --list names them");
    return 2;
}

if (args.Length > 1)
{
    var selected = create();
    var report = CorpusReplay.Run(selected, args[1..]);
    Console.WriteLine($"{selected.Name}: {report.Inputs} inputs, {report.Findings.Count} findings");
    return Print(report) == 0 ? 0 : 1;
}

// Every exception that escapes is reported to afl-fuzz as a crash; the target has already let
// through only the ones its decoder must never throw. The target is made on the first input, once
// the fork server has mapped the coverage bitmap that instrumented code writes to.
// Out of process by default: a hang or a stack overflow then costs a restarted child, not the whole run.
// CPNS_FUZZ_IN_PROCESS=1 runs in the fork server's own process (faster, for measuring the difference).
FuzzTarget? fuzzed = null;
Action<Stream> run = stream =>
{
    fuzzed ??= create();
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzHarness.Execute(fuzzed, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
};
if (Environment.GetEnvironmentVariable("CPNS_FUZZ_IN_PROCESS") == "1")
{
    Fuzzer.Run(run);
}
else
{
    Fuzzer.OutOfProcess.Run(run);
}

return 0;

static int Print(ReplayReport report)
{
    foreach (var finding in report.Findings)
    {
        Console.Error.WriteLine($"FINDING {finding.Path}: {finding.Exception}");
    }

    return report.Findings.Count;
}
