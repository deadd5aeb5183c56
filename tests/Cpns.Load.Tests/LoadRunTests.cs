using Cpns.Load.Results;
using Cpns.Load.Server;

namespace Cpns.Load.Tests;

/// <summary>
/// A small run through the same code path as <c>cpns bench load</c>: the real server as a child process (cpns.dll of
/// the build), 5 gateways x 4 PNEs in this process, a fan-out and a few seconds of sustained rotations.
/// </summary>
public sealed class LoadRunTests
{
    [Fact]
    public async Task RunAsync_SmallFleet_EveryDeliveryAcknowledgedAndNumbersConsistent()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new LoadSettings
        {
            Scenarios = [LoadScenario.FanOut, LoadScenario.Sustained],
            Gateways = 5,
            PnesPerGateway = 4,
            Groups = 4,
            GatewaysPerGroup = 3,
            MembersPerGateway = 2,
            RotationsPerMinute = 120,
            DurationSeconds = 6,
            TreeHeight = 8,
            MaxMinutes = 3,
            RunName = "test",
        };
        Assert.Equal("", BenchCommand.Validate(settings));
        var launcher = ServerLauncher.ForPath(Path.Combine(AppContext.BaseDirectory, "cpns.dll"));

        var report = await new LoadRun(settings, launcher, new SilentProgress()).RunAsync(ct);

        Assert.True(report.Health.Clean, string.Join(" | ", report.Health.FirstErrors) + $" refused {report.Health.RefusedInputs}, anomalies {report.Health.DeviceAnomalies}, failures {report.Health.RequestFailures}");
        Assert.Equal(new SetupResult(5, 20, 4, 24, report.Setup!.FleetSeconds, report.Setup.GroupSeconds), report.Setup);

        var fanOut = report.FanOut!;
        Assert.Equal(0, fanOut.Incomplete);
        Assert.Equal(24, fanOut.Deliveries);
        Assert.Equal(5, fanOut.Gateways);
        Assert.Equal(4, fanOut.GroupMs.Count);
        Assert.True(fanOut.GroupMs.Max <= (fanOut.Seconds * 1000) + 1, "no group takes longer than the whole fan-out");

        var sustained = report.Sustained!;
        Assert.Equal(0, sustained.Failed);
        Assert.True(sustained.Rotations + sustained.SkippedBusy == 12, $"{sustained.Rotations} + {sustained.SkippedBusy} rotations scheduled");
        Assert.True(sustained.Rotations > 0);
        Assert.Equal(sustained.RotationLog.Sum(r => (long)r.Members), sustained.ExpectedDeliveries);
        Assert.Equal(sustained.ExpectedDeliveries, sustained.AcknowledgedDeliveries);
        Assert.All(sustained.RotationLog, r => Assert.Equal(6, r.Members));
        Assert.All(sustained.RotationLog, r => Assert.Equal(r.Members, r.Acknowledged));
        Assert.Equal(sustained.Rotations, sustained.ServerMs.Count);
        Assert.True(sustained.ServerMs.P50 <= sustained.ServerMs.P99 && sustained.ServerMs.P99 <= sustained.ServerMs.Max);
        Assert.True(sustained.ServerMs.P50 > 0);

        // Every acknowledged delivery is in exactly one second's bucket.
        Assert.Equal(sustained.AcknowledgedDeliveries, sustained.Seconds.Sum(b => (long)b.Acknowledged));
        Assert.Equal(sustained.Rotations, sustained.Seconds.Sum(b => b.Rotations));
        Assert.True(report.Passed);
        Assert.NotEmpty(report.ServerSamples);
        Assert.All(report.ServerSamples, s => Assert.True(s.ResidentBytes > 0 && s.Handles > 0));

        // The report and its plots come out of the same numbers.
        var directory = Directory.CreateTempSubdirectory("cpns-load-test-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "load-test.json"), ReportJson.Serialize(report), ct);
            await MarkdownReport.WriteAsync(directory, ct);
            var md = await File.ReadAllTextAsync(Path.Combine(directory, "load.md"), ct);
            Assert.Contains($"{sustained.AcknowledgedDeliveries:N0} / {sustained.ExpectedDeliveries:N0}", md, StringComparison.Ordinal);
            foreach (var png in new[] { "load-test-latency.png", "load-test-throughput.png", "load-test-memory.png" })
            {
                Assert.True(new FileInfo(Path.Combine(directory, png)).Length > 1000, png);
            }

            var again = ReportJson.Deserialize(await File.ReadAllTextAsync(Path.Combine(directory, "load-test.json"), ct))!;
            Assert.Equal(sustained.AcknowledgedDeliveries, again.Sustained!.AcknowledgedDeliveries);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_TwoFleetProcesses_EveryMembersStoreObservedAndBothWorkersCpuCounted()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = new LoadSettings
        {
            Scenarios = [LoadScenario.FanOut, LoadScenario.Sustained],
            Gateways = 4,
            PnesPerGateway = 2,
            Groups = 3,
            GatewaysPerGroup = 4,
            MembersPerGateway = 1,
            RotationsPerMinute = 60,
            DurationSeconds = 4,
            WarmupSeconds = 3,
            TreeHeight = 4,
            MaxMinutes = 3,
            FleetProcesses = 2,
            RunName = "test2",
        };
        Assert.Equal("", BenchCommand.Validate(settings));
        var launcher = ServerLauncher.ForPath(Path.Combine(AppContext.BaseDirectory, "cpns.dll"));

        var report = await new LoadRun(settings, launcher, new SilentProgress()).RunAsync(ct);

        Assert.True(report.Health.Clean, string.Join(" | ", report.Health.FirstErrors) + $" refused {report.Health.RefusedInputs}, anomalies {report.Health.DeviceAnomalies}, failures {report.Health.RequestFailures}");
        Assert.Equal(2, report.FleetProcesses);
        Assert.Equal(new SetupResult(4, 8, 3, 12, report.Setup!.FleetSeconds, report.Setup.GroupSeconds), report.Setup);

        // Each group spans all 4 gateways, 2 in each worker: a group completes only with stores from both.
        var fanOut = report.FanOut!;
        Assert.Equal((12, 4, 0), (fanOut.Deliveries, fanOut.Gateways, fanOut.Incomplete));
        Assert.Equal(3, fanOut.GroupMs.Count);
        var sustained = report.Sustained!;
        Assert.True(sustained.Rotations > 0);
        Assert.Equal(sustained.ExpectedDeliveries, sustained.AcknowledgedDeliveries);
        Assert.Equal(sustained.Rotations, sustained.ClientMs.Count);
        Assert.Equal(4, sustained.Rotations + sustained.SkippedBusy);

        // The warm-up ran first, at the same rate, and is kept apart from the measured window.
        var warmup = report.Warmup!;
        Assert.Equal(3, warmup.Rotations + warmup.SkippedBusy);
        Assert.Equal(warmup.ExpectedDeliveries, warmup.AcknowledgedDeliveries);
        Assert.True(warmup.RotationLog.Max(r => r.SentSeconds) < sustained.RotationLog.Min(r => r.SentSeconds));
        Assert.Contains("warm-up 3 s", BenchCommand.Summary(report), StringComparison.Ordinal);
        Assert.True(report.Passed);

        // The bench process and both workers, each hosting its half; the fleet CPU is theirs together.
        var usage = report.FleetUsage!;
        Assert.Equal(["bench", "worker 1", "worker 2"], usage.Select(p => p.Role));
        Assert.Equal(3, usage.Select(p => p.ProcessId).Distinct().Count());
        Assert.All(usage.Skip(1), w => Assert.Equal((2, 4), (w.Gateways, w.Pnes)));
        Assert.All(usage.Skip(1), w => Assert.True(w.CpuSeconds > 0.5 && w.Handles > 20 && w.ResidentBytes > 0, $"{w.Role}: {w.CpuSeconds} s CPU, {w.Handles} descriptors"));
        Assert.True(sustained.FleetCpuMsPerDelivery > 0);
    }

    [Fact]
    public async Task BenchCommand_CancelledMidRun_Exits130WritesNothingAndStopsTheServerAndWorkers()
    {
        var root = Directory.CreateTempSubdirectory("cpns-load-cancel-");
        try
        {
            var settings = new LoadSettings
            {
                Scenarios = [LoadScenario.Sustained],
                Gateways = 4,
                PnesPerGateway = 2,
                Groups = 2,
                GatewaysPerGroup = 2,
                MembersPerGateway = 1,
                RotationsPerMinute = 60,
                DurationSeconds = 120,
                TreeHeight = 4,
                MaxMinutes = 5,
                FleetProcesses = 2,
                FleetDirectory = Path.Combine(root.FullName, "fleet"),
                ServerDirectory = Path.Combine(root.FullName, "server"),
                RunName = "cancelled",
            };
            var results = Path.Combine(root.FullName, "results");
            var launcher = ServerLauncher.ForPath(Path.Combine(AppContext.BaseDirectory, "cpns.dll"));
            using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

            // Ctrl+C as System.CommandLine delivers it: the action's token, at whatever stage the run has reached.
            interrupt.CancelAfter(TimeSpan.FromSeconds(12));
            var exitCode = await BenchCommand.RunAsync(settings, launcher, results, json: false, quiet: true, interrupt.Token, workers: launcher);

            Assert.Equal(BenchCommand.CancelledExitCode, exitCode);
            Assert.False(Directory.Exists(results) && Directory.EnumerateFileSystemEntries(results).Any(), "a cancelled run writes no results");
            Assert.Empty(ProcessesUsing(root.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    // Processes started with an argument under the directory (the server's --data) or holding a file open in it (the
    // workers' gateway and device stores).
    private static List<string> ProcessesUsing(string directory)
    {
        var found = new List<string>();
        foreach (var proc in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                var holds = Directory.EnumerateFileSystemEntries(Path.Combine(proc, "fd"))
                    .Select(fd => new FileInfo(fd).LinkTarget)
                    .Any(target => target is not null && target.StartsWith(directory, StringComparison.Ordinal));
                if (holds || cmdline.Contains(directory, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(proc)}: {cmdline}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone while looked at, or not ours to read.
            }
        }

        return found;
    }
}
