using Cpns.Benchmarks.Anchors;

namespace Cpns.Benchmarks.Tests.Anchors;

public sealed class AnchorsReportTests
{
    private const string MlsJson = """
        {
          "library": "ts-mls", "libraryVersion": "1.6.4", "node": "v20.0.0",
          "cipherSuite": "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", "cpu": "test", "wallSeconds": 12.5,
          "results": [
            { "n": 1024, "variant": "welcome", "build": { "wallMs": 4800 }, "repetitions": 5, "commitCpuMs": 1200, "processCpuMs": 500, "commitBytes": 84000 },
            { "n": 1024, "variant": "populated", "build": { "wallMs": 17000 }, "repetitions": 5, "commitCpuMs": 440, "processCpuMs": 430, "commitBytes": 2100 },
            { "n": 4096, "skipped": "time budget spent" }
          ]
        }
        """;

    [Fact]
    public void Load_NodeOutput_ReadsRowsAndSkippedSizes()
    {
        var run = Load();

        Assert.Equal(2, run.Results.Count);
        Assert.Equal(4096, Assert.Single(run.Skipped).Members);
        Assert.Equal(870, run.Find(1024, "populated")!.TotalCpuMs);
    }

    [Fact]
    public void Build_TargetRows_GivesRatiosAndVerdictsAgainstBothMlsBuilds()
    {
        var cpns = new[]
        {
            // Total 100 us: 8,700x less CPU than populated MLS; 2,100 / 210 = 10x fewer bytes.
            new CpnsRekeyResult(1024, 1, "SubsetDifference", 1, 40_000, 50_000, 10_000, 1000, 210, 210, 1, true),
        };

        var report = AnchorsReport.Build(cpns, Load(), HeaderSeries.Compute(4, [1, 2]), load: null);

        Assert.Contains("| 1 | populated | 100.0 us | 870.00 ms | 8,700x | PASS | 210 B | 2,100 B | 10.0x | **MISS** |", report, StringComparison.Ordinal);
        Assert.Contains("| 1 | welcome | 100.0 us | 1.70 s | 17,000x | PASS | 210 B | 82.0 KiB | 400x | PASS |", report, StringComparison.Ordinal);
        Assert.Contains("Not measured: N = 4,096, time budget spent.", report, StringComparison.Ordinal);
    }

    private static MlsRun Load()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mls-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, MlsJson);
        try
        {
            return MlsRun.Load(path)!;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
