using System.Diagnostics;
using System.Runtime.InteropServices;
using Cpns.Load.Fleet;
using Cpns.Load.Fleet.Workers;
using Cpns.Load.Results;
using Cpns.Load.Scenarios;
using Cpns.Load.Server;

namespace Cpns.Load;

/// <summary>
/// One run of <c>cpns bench load</c>: starts the server as a child process, grows the fleet of simulated PNs in this
/// process or in fleet worker processes (<see cref="LoadSettings.FleetProcesses"/>), creates the groups, runs the
/// scenarios asked for, and collects the report. Everything is bounded: every
/// wait has a timeout and the whole run gives up after <see cref="LoadSettings.MaxMinutes"/>.
/// </summary>
internal sealed class LoadRun
{
    private readonly ServerLauncher _launcher;
    private readonly ServerLauncher _workerLauncher;
    private long _requestFailures;
    private FleetSnapshot? _lastSnapshot;
    private string? _runError;

    // workerLauncher: the cpns to start as fleet workers (default the server's launcher).
    public LoadRun(LoadSettings settings, ServerLauncher launcher, ILoadProgress progress, ServerLauncher? workerLauncher = null)
    {
        Settings = settings;
        _launcher = launcher;
        _workerLauncher = workerLauncher ?? launcher;
        Progress = progress;
    }

    public LoadSettings Settings { get; }

    public ILoadProgress Progress { get; }

    /// <summary>The run's clock; every time in the report is seconds on it.</summary>
    public Stopwatch Clock { get; } = new();

    /// <summary>Wall time at <see cref="Clock"/> zero, to place the server's timestamps on the run's clock.</summary>
    public DateTime StartUtc { get; private set; }

    public ServerApi Api { get; private set; } = null!;

    public IFleet Fleet { get; private set; } = null!;

    public ProcessSampler ServerSampler { get; private set; } = null!;

    /// <summary>This process (the fleet of simulated gateways and PNEs, or only the scenarios when workers host them).</summary>
    public ProcessSampler LoadSampler { get; private set; } = null!;

    public void CountFailure() => Interlocked.Increment(ref _requestFailures);

    public double Seconds(DateTime utc) => (utc - StartUtc).TotalSeconds;

    public async Task<LoadReport> RunAsync(CancellationToken cancellationToken)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromMinutes(Settings.MaxMinutes));
        var processes = Settings.FleetProcesses ?? FleetSizing.Processes(Settings);
        StartUtc = DateTime.UtcNow;
        Clock.Start();
        var scratch = Path.Combine(Path.GetTempPath(), $"cpns-load-{Environment.ProcessId}");
        var fleetDirectory = Settings.FleetDirectory ?? (Directory.Exists("/dev/shm") ? $"/dev/shm/cpns-load-{Environment.ProcessId}" : Path.Combine(scratch, "fleet"));
        var serverDirectory = Settings.ServerDirectory ?? Path.Combine(scratch, "server");
        Progress.Stage("Server: cpns server (child process)", 1);
        var server = await ServerProcess.StartAsync(
            _launcher,
            new ServerProcessOptions { DataDirectory = serverDirectory, Database = Settings.Database, Broker = Settings.Broker, BrokerCa = Settings.BrokerCa, LogLevel = Settings.ServerLogLevel },
            bound.Token).ConfigureAwait(false);
        Progress.Advance();
        SetupResult? setup = null;
        FanOutResult? fanOut = null;
        SustainedResult? sustained = null;
        SustainedResult? warmup = null;
        var growth = new List<GrowthStep>();
        string? growthStopped = null;
        FlatnessResult? flatness = null;
        var sampler = ServerSampler = new ProcessSampler(server.ProcessId, Clock, TimeSpan.FromSeconds(1));
        var loadSampler = LoadSampler = new ProcessSampler(Environment.ProcessId, Clock, TimeSpan.FromSeconds(1));
        Api = new ServerApi(server.BaseAddress, server.ApiKey);
        Fleet = null!;
        CancellationTokenSource? faultable = null;
        try
        {
            if (processes <= 1)
            {
                Fleet = new SimulatedFleet(fleetDirectory, Api, Settings.TreeHeight);
            }
            else
            {
                Progress.Stage($"Fleet: start {processes} worker processes (cpns bench fleet-worker)", 1);
                Fleet = await ProcessFleet.StartAsync(processes, _workerLauncher, fleetDirectory, server.BaseAddress, server.ApiKey, Settings.TreeHeight, bound.Token).ConfigureAwait(false);
                Progress.Advance();
            }

            // A worker that dies ends every wait of the run at once, not at each one's timeout.
            faultable = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, Fleet.Faulted);
            var ct = faultable.Token;
            if (Settings.Scenarios.Contains(LoadScenario.FanOut) || Settings.Scenarios.Contains(LoadScenario.Sustained))
            {
                var fleetClock = Stopwatch.StartNew();
                await Fleet.GrowAsync(Settings.Gateways, Settings.PnesPerGateway, Settings.Parallelism, Progress, ct).ConfigureAwait(false);
                var fleetSeconds = fleetClock.Elapsed.TotalSeconds;
                var groups = GroupLayout.Plan(0, Settings.Groups, 0, Settings.Gateways, Settings.GatewaysPerGroup, Settings.MembersPerGateway, Settings.PnesPerGateway);
                var groupClock = Stopwatch.StartNew();
                await SetupGroupsAsync(groups, ct).ConfigureAwait(false);
                setup = new SetupResult(Settings.Gateways, Fleet.PneCount, groups.Count, groups.Sum(g => g.Members.Count), fleetSeconds, groupClock.Elapsed.TotalSeconds);
                if (Settings.Scenarios.Contains(LoadScenario.FanOut))
                {
                    fanOut = await FanOutScenario.RunAsync(this, groups, ct).ConfigureAwait(false);
                }

                if (Settings.Scenarios.Contains(LoadScenario.Sustained))
                {
                    // The warm-up is measured and kept (a delivery it loses fails the run), but apart from the figures.
                    var from = Clock.Elapsed.TotalSeconds + Settings.WarmupSeconds;
                    (warmup, sustained) = await SustainedScenario.RunAsync(this, groups, Settings.RotationsPerMinute, Settings.WarmupSeconds, Settings.DurationSeconds, ct).ConfigureAwait(false);
                    if (Settings.CheckFlat)
                    {
                        flatness = Flatness.Evaluate(sampler.Between(from, from + Settings.DurationSeconds), from, Settings);
                    }
                }
            }

            if (Settings.Scenarios.Contains(LoadScenario.Growth))
            {
                growthStopped = await GrowthScenario.RunAsync(this, growth, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (Fleet?.Failure is not null && !cancellationToken.IsCancellationRequested)
        {
            _runError = Fleet.Failure;
            growthStopped ??= _runError;
            CountFailure();
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            growthStopped = $"the run reached its bound of {Settings.MaxMinutes} min";
            CountFailure();
        }
        catch (Exception e) when (e is TimeoutException or HttpRequestException or InvalidOperationException)
        {
            // A setup that cannot complete (a join never delivered, the server refusing) ends the run with a report
            // that says so, not with a stack trace and nothing written.
            _runError = $"{e.GetType().Name}: {e.Message}";
            growthStopped ??= _runError;
            CountFailure();
        }
        finally
        {
            if (Fleet is not null)
            {
                await TakeLastSnapshotAsync().ConfigureAwait(false);
            }

            Progress.Stage("Stopping the fleet and the server", 1);
            if (Fleet is not null)
            {
                await Fleet.DisposeAsync().ConfigureAwait(false);
            }

            faultable?.Dispose();
            await sampler.DisposeAsync().ConfigureAwait(false);
            await loadSampler.DisposeAsync().ConfigureAwait(false);
            Api.Dispose();
            await server.DisposeAsync().ConfigureAwait(false);
            if (Settings.FleetDirectory is null)
            {
                TryDelete(fleetDirectory);
            }

            TryDelete(scratch);
            Progress.Advance();
        }

        var fleetHealth = _lastSnapshot?.Health ?? FleetHealth.None;
        var health = new HealthResult(
            server.ErrorCount,
            server.WarningCount,
            fleetHealth.Errors,
            fleetHealth.Warnings,
            fleetHealth.Refused.Values.Sum(),
            fleetHealth.Refused,
            fleetHealth.Anomalies,
            Interlocked.Read(ref _requestFailures),
            [.. FirstErrors(server, fleetHealth)],
            [.. server.WarningLines.Concat(fleetHealth.WarningMessages).Take(20)]);
        return new LoadReport(
            Settings.RunName,
            StartUtc,
            Machine(),
            "child process (cpns server), measured from /proc/PID",
            Settings,
            setup,
            fanOut,
            sustained,
            growth,
            growthStopped,
            flatness,
            health,
            sampler.Samples,
            loadSampler.Samples,
            Clock.Elapsed.TotalSeconds,
            processes,
            _lastSnapshot?.Processes ?? [],
            warmup);
    }

    /// <summary>Reads every fleet process (CPU, memory, descriptors, health) and keeps the reading for the report.</summary>
    public async Task<FleetSnapshot> TakeSnapshotAsync(CancellationToken cancellationToken)
    {
        var snapshot = await Fleet.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        _lastSnapshot = snapshot;
        return snapshot;
    }

    /// <summary>
    /// The reading for the report, taken before the fleet is stopped (the counters live in the hosts). Bounded, and
    /// never throws: the run's report must come out even when the fleet has broken (the run's error says how).
    /// </summary>
    private async Task TakeLastSnapshotAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await TakeSnapshotAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _runError ??= "the fleet did not report its usage within 30 s";
            CountFailure();
        }
    }

    /// <summary>
    /// Creates each group and adds its members one by one (as an operator would; groups in parallel), then waits until
    /// every member holds epoch 1, the epoch each join delivers.
    /// </summary>
    public async Task SetupGroupsAsync(IReadOnlyList<GroupPlan> groups, CancellationToken cancellationToken)
    {
        Progress.Stage($"Groups: create {groups.Count}, add {groups.Sum(g => g.Members.Count)} members", groups.Sum(g => g.Members.Count));
        await Parallel.ForEachAsync(
            groups,
            new ParallelOptions { MaxDegreeOfParallelism = Settings.Parallelism, CancellationToken = cancellationToken },
            async (group, ct) =>
            {
                group.Id = await Api.CreateGroupAsync(group.Name, ct).ConfigureAwait(false);
                group.Epoch = 1;
                Fleet.Tracker.Get(group.Id, 1).Expect(group.Members.Count, Stopwatch.GetTimestamp());
                foreach (var (gatewayId, pneId) in group.Members)
                {
                    await Api.AddMemberAsync(group.Id, gatewayId, pneId, ct).ConfigureAwait(false);
                    Progress.Advance();
                }
            }).ConfigureAwait(false);

        Progress.Stage("Groups: every member holds epoch 1", groups.Count);
        foreach (var group in groups)
        {
            var progress = Fleet.Tracker.Get(group.Id, 1);
            try
            {
                await progress.Done.WaitAsync(TimeSpan.FromSeconds(Settings.RotationTimeoutSeconds * 2), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"Group {group.Name}: {progress.Stored} of {group.Members.Count} members hold epoch 1 after the joins.");
            }

            Fleet.Tracker.Forget(group.Id, 1);
            Progress.Advance();
        }
    }

    private List<string> FirstErrors(ServerProcess server, FleetHealth fleet)
    {
        var errors = new List<string>();
        if (_runError is not null)
        {
            errors.Add(_runError);
        }

        errors.AddRange(server.ErrorLines.Concat(fleet.ErrorMessages).Take(20));
        return errors;
    }

    private static string Machine()
    {
        var cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }

        var memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
        return $"{Environment.ProcessorCount} cores ({cpu}), {memory:F0} GiB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Scratch space; the OS cleans /tmp and /dev/shm in the end.
        }
    }
}
