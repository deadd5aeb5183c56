namespace Cpns.Fuzz.Tests;

/// <summary>
/// The committed corpus of every target, replayed without the fuzzer: it stays clean, so a change that makes a
/// decoder throw on an input it once handled fails the ordinary test suite, not only the fuzzing job.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly string CorpusRoot = Path.Combine(AppContext.BaseDirectory, "corpus");

    public static TheoryData<string> Targets => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Replay_CommittedCorpus_NoFinding(string name)
    {
        var target = FuzzTargets.Find(name)!();
        var report = CorpusReplay.Run(target, [Path.Combine(CorpusRoot, name)]);

        Assert.True(report.Inputs > 0, $"fuzz/corpus/{name} holds no input");
        Assert.True(report.Findings.Count == 0, string.Join("\n", report.Findings.Select(f => $"{Path.GetFileName(f.Path)}: {f.Exception}")));
    }

    [Fact]
    public void Targets_EachNameIsItsTargetsAndHasACorpus_OnePerName()
    {
        var names = FuzzTargets.Names.ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        foreach (var name in names)
        {
            Assert.Equal(name, FuzzTargets.Find(name)!().Name);
            Assert.True(Directory.Exists(Path.Combine(CorpusRoot, name)), $"no fuzz/corpus/{name}");
        }
    }

    [Fact]
    public void Seeds_EveryTarget_ReplayClean()
    {
        // The seeds as the generator makes them now (not only as committed): a builder change that yields an input
        // its own decoder refuses badly shows here.
        foreach (var target in FuzzTargets.CreateAll())
        {
            foreach (var (seedName, data) in target.Seeds())
            {
                var exception = Record.Exception(() => FuzzHarness.Execute(target, data));
                Assert.True(exception is null, $"{target.Name}/{seedName}: {exception}");
            }
        }
    }
}
