namespace Cpns.Fuzz.Tests;

/// <summary>The harness reports what a decoder must never do: the replay test above can fail.</summary>
public sealed class FuzzHarnessTests
{
    [Fact]
    public void Replay_TargetLetsAnUndocumentedExceptionEscape_ReportsTheInput()
    {
        var directory = Directory.CreateTempSubdirectory("cpns-fuzz-");
        try
        {
            File.WriteAllBytes(Path.Combine(directory.FullName, "ok"), [1]);
            File.WriteAllBytes(Path.Combine(directory.FullName, "bad"), [2]);

            var report = CorpusReplay.Run(new ThrowingTarget(), [directory.FullName]);

            Assert.Equal(2, report.Inputs);
            var finding = Assert.Single(report.Findings);
            Assert.Equal("bad", Path.GetFileName(finding.Path));
            Assert.IsType<IndexOutOfRangeException>(finding.Exception);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Execute_AllocationFarBeyondTheInput_IsAFinding()
    {
        var exception = Assert.Throws<FuzzFindingException>(() => FuzzHarness.Execute(new AllocatingTarget(), [0, 0, 0, 0]));

        Assert.Contains("allocated", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Execute_AllocationWithinTheAllowance_IsNoFinding() =>
        FuzzHarness.Execute(new AllocatingTarget(), new byte[1 << 20]);

    private sealed class ThrowingTarget : FuzzTarget
    {
        public override string Name => "throwing";

        public override string Description => "throws IndexOutOfRangeException on input 2";

        public override void Run(ReadOnlySpan<byte> input)
        {
            if (input[0] == 2)
            {
                throw new IndexOutOfRangeException();
            }
        }

        public override IEnumerable<KeyValuePair<string, byte[]>> Seeds() => [];
    }

    // Allocates 40 MiB whatever the input: beyond the allowance for 4 bytes, within it for 1 MiB.
    private sealed class AllocatingTarget : FuzzTarget
    {
        public override string Name => "allocating";

        public override string Description => "allocates 40 MiB";

        public override void Run(ReadOnlySpan<byte> input) => GC.KeepAlive(new byte[40 << 20]);

        public override IEnumerable<KeyValuePair<string, byte[]>> Seeds() => [];
    }
}
