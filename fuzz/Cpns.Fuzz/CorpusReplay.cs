using System.Diagnostics;

namespace Cpns.Fuzz;

/// <summary>Runs stored inputs through a target without the fuzzer: fast, deterministic, no instrumentation needed.</summary>
internal static class CorpusReplay
{
    /// <summary>Replays every file named, and every file under every directory named (afl-fuzz's own state files excepted).</summary>
    public static ReplayReport Run(FuzzTarget target, IEnumerable<string> paths)
    {
        var findings = new List<ReplayFinding>();
        var inputs = 0;
        var stopwatch = Stopwatch.StartNew();
        foreach (var file in Files(paths))
        {
            inputs++;
            var input = File.ReadAllBytes(file);
            try
            {
                FuzzHarness.Execute(target, input);
            }
            catch (Exception e)
            {
                findings.Add(new ReplayFinding(file, e));
            }
        }

        return new ReplayReport(inputs, findings, stopwatch.Elapsed);
    }

    private static IEnumerable<string> Files(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                yield return path;
            }
            else if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.') && !Path.GetFileName(f).Equals("README.txt", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                throw new FileNotFoundException($"No input at '{path}'.", path);
            }
        }
    }
}
