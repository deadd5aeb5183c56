using System.CommandLine;
using System.Globalization;
using Cpns.Load.Results;
using Cpns.Load.Server;
using Spectre.Console;

namespace Cpns.Load;

/// <summary><c>cpns bench</c>: <c>cpns bench load</c> (the load tool) and <c>cpns bench load report</c>.</summary>
public static class BenchCommand
{
    /// <summary>Creates the <c>bench</c> command with its <c>load</c> subcommand.</summary>
    /// <returns>The command to add to the root.</returns>
    public static Command Create()
    {
        var d = new LoadSettings();
        var scenario = new Option<LoadScenario[]>("--scenario") { Description = "Scenarios to run, in this order: FanOut (one rotation of every group at once), Sustained (rotations at --rate for --duration), Growth (gateways doubling from --growth-start to --growth-max). Repeatable.", DefaultValueFactory = _ => [.. d.Scenarios], AllowMultipleArgumentsPerToken = true };
        var gateways = new Option<int>("--gateways") { Description = "Simulated PN GWs for FanOut and Sustained (each its own data directory, PN CA, PN broker, enrollment, MQTT/TLS connection to the server).", DefaultValueFactory = _ => d.Gateways };
        var pnes = new Option<int>("--pnes-per-gateway") { Description = "Simulated PNEs paired to each gateway (each its own device key, EU-Key, GKDK, MQTT/TLS connection to its gateway).", DefaultValueFactory = _ => d.PnesPerGateway };
        var groups = new Option<int>("--groups") { Description = "Service Groups for FanOut and Sustained.", DefaultValueFactory = _ => d.Groups };
        var span = new Option<int>("--gateways-per-group") { Description = "Gateways each group spans (consecutive, wrapping around).", DefaultValueFactory = _ => d.GatewaysPerGroup };
        var members = new Option<int>("--members-per-gateway") { Description = "Member PNEs of a group behind each gateway it spans (at most --pnes-per-gateway).", DefaultValueFactory = _ => d.MembersPerGateway };
        var rate = new Option<double>("--rate") { Description = "Sustained: group rotations per minute, round-robin over the groups (a group still delivering its last epoch is passed over).", DefaultValueFactory = _ => d.RotationsPerMinute };
        var duration = new Option<double>("--duration") { Description = "Sustained: seconds of rotations (then the outstanding ones are drained).", DefaultValueFactory = _ => d.DurationSeconds };
        var warmup = new Option<double>("--warmup") { Description = "Sustained: seconds of rotations at --rate before the measured --duration, in the same schedule, so that the figures are of warm processes under steady load (the .NET JIT recompiles hot code in the first seconds under load). Its rotations are reported apart; their acknowledgements that land in the measured window count in its throughput; a delivery it loses still fails the run. 0: none.", DefaultValueFactory = _ => d.WarmupSeconds };
        var growthStart = new Option<int>("--growth-start") { Description = "Growth: gateways at the first step (doubled at each step).", DefaultValueFactory = _ => d.GrowthStart };
        var growthMax = new Option<int>("--growth-max") { Description = "Growth: the last step's gateways at most.", DefaultValueFactory = _ => d.GrowthMax };
        var growthPnes = new Option<int>("--growth-pnes-per-gateway") { Description = "Growth: PNEs per gateway.", DefaultValueFactory = _ => d.GrowthPnesPerGateway };
        var growthMembers = new Option<int>("--growth-members-per-gateway") { Description = "Growth: member PNEs of a group behind each of its gateways (groups span --gateways-per-group new gateways).", DefaultValueFactory = _ => d.GrowthMembersPerGateway };
        var growthDuration = new Option<double>("--growth-duration") { Description = "Growth: seconds of the sustained run at each step.", DefaultValueFactory = _ => d.GrowthDurationSeconds };
        var growthRate = new Option<double>("--growth-rate") { Description = "Growth: rotations per minute of the sustained run at each step.", DefaultValueFactory = _ => d.GrowthRotationsPerMinute };
        var height = new Option<int>("--tree-height") { Description = "Height of each gateway's Subset Difference tree (2^h PNEs).", DefaultValueFactory = _ => d.TreeHeight };
        var fleetProcesses = new Option<int?>("--fleet-processes") { Description = $"Processes hosting the simulated gateways and PNEs: 1 is this process, more are worker child processes (cpns bench fleet-worker) with a disjoint slice of the gateways each. Default: enough for each to hold at most about {Fleet.FleetSizing.DescriptorsPerProcess:N0} descriptors (6 per gateway + 2 per PNE) and {Fleet.FleetSizing.PnesPerProcess:N0} PNEs of the largest fleet, 1 when it fits." };
        var parallelism = new Option<int>("--parallelism") { Description = "Gateways set up, and REST calls made, at once during setup.", DefaultValueFactory = _ => d.Parallelism };
        var rotationTimeout = new Option<double>("--rotation-timeout") { Description = "Seconds a rotation may take to reach all its members before it counts as not delivered.", DefaultValueFactory = _ => d.RotationTimeoutSeconds };
        var maxMinutes = new Option<double>("--max-minutes") { Description = "Bound of the whole run; growth stops before a step that would not finish within it.", DefaultValueFactory = _ => d.MaxMinutes };
        var db = new Option<string?>("--db") { Description = "PostgreSQL connection string for the server (passed to cpns server --db); SQLite when absent." };
        var broker = new Option<string?>("--broker") { Description = "External broker for the server, mqtts://host:port (passed to cpns server --broker); the embedded broker when absent." };
        var brokerCa = new Option<string?>("--broker-ca") { Description = "PEM CA of the external broker (cpns server --broker-ca)." };
        var logLevel = new Option<string>("--server-log-level") { Description = "The server's minimum log level (Logging:LogLevel:Default); its error lines count as errors of the run.", DefaultValueFactory = _ => d.ServerLogLevel };
        var fleetDir = new Option<string?>("--fleet-dir") { Description = "Where the simulated gateways and PNEs keep their data (default a fresh directory under /dev/shm, deleted afterwards: they are simulated, the server is measured)." };
        var serverDir = new Option<string?>("--server-dir") { Description = "The server's data directory (default a fresh directory under the temp directory, on disk, deleted afterwards)." };
        var serverExe = new Option<string?>("--server-exe") { Description = "The cpns executable or cpns.dll to start as the server (default: this executable)." };
        var checkFlat = new Option<bool>("--check-flat") { Description = "Soak: fail unless the server's resident set and handles stay flat over the sustained run (last third's median vs the first third's after warm-up)." };
        var flatFraction = new Option<double>("--flat-memory-fraction") { Description = "Soak bound: the last third's median RSS may exceed the first third's by this fraction ...", DefaultValueFactory = _ => d.FlatMemoryFraction };
        var flatMiB = new Option<double>("--flat-memory-mib") { Description = "... plus this many MiB.", DefaultValueFactory = _ => d.FlatMemoryMiB };
        var flatHandles = new Option<int>("--flat-handles") { Description = "Soak bound: the last third's median handle count may exceed the first third's by this many.", DefaultValueFactory = _ => d.FlatHandles };
        var name = new Option<string>("--name") { Description = "Run name: the results go to RESULTS/load-NAME.json and its plots.", DefaultValueFactory = _ => d.RunName };
        var results = new Option<string?>("--results") { Description = "Results directory (e.g. bench/results): writes load-NAME.json, then regenerates load.md, load.json and the PNG plots from every load-*.json there." };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON on standard output (the progress bar goes to standard error)." };
        var quiet = new Option<bool>("--quiet") { Description = "No progress bar." };

        var load = new Command("load", "Drive a real CPNS Server (child process) with simulated PN GWs and PNEs hosted in this process (or in --fleet-processes worker processes), over real MQTT/TLS and the real gateway and device code; measure fan-out time, sustained latency and throughput, and growth of time and server memory. Exits 1 unless every delivery was acknowledged and nothing failed (and, with --check-flat, memory and handles stayed flat); 2 on invalid options; 130 when cancelled (Ctrl+C), with nothing written.")
        {
            scenario, gateways, pnes, groups, span, members, rate, duration, warmup, growthStart, growthMax, growthPnes, growthMembers, growthDuration, growthRate,
            height, fleetProcesses, parallelism, rotationTimeout, maxMinutes, db, broker, brokerCa, logLevel, fleetDir, serverDir, serverExe, checkFlat, flatFraction, flatMiB, flatHandles,
            name, results, json, quiet,
        };
        load.SetAction(async (parse, ct) =>
        {
            var settings = new LoadSettings
            {
                Scenarios = parse.GetValue(scenario)!,
                Gateways = parse.GetValue(gateways),
                PnesPerGateway = parse.GetValue(pnes),
                Groups = parse.GetValue(groups),
                GatewaysPerGroup = parse.GetValue(span),
                MembersPerGateway = parse.GetValue(members),
                RotationsPerMinute = parse.GetValue(rate),
                DurationSeconds = parse.GetValue(duration),
                WarmupSeconds = parse.GetValue(warmup),
                GrowthStart = parse.GetValue(growthStart),
                GrowthMax = parse.GetValue(growthMax),
                GrowthPnesPerGateway = parse.GetValue(growthPnes),
                GrowthMembersPerGateway = parse.GetValue(growthMembers),
                GrowthDurationSeconds = parse.GetValue(growthDuration),
                GrowthRotationsPerMinute = parse.GetValue(growthRate),
                TreeHeight = parse.GetValue(height),
                Parallelism = parse.GetValue(parallelism),
                FleetProcesses = parse.GetValue(fleetProcesses),
                RotationTimeoutSeconds = parse.GetValue(rotationTimeout),
                MaxMinutes = parse.GetValue(maxMinutes),
                Database = parse.GetValue(db),
                Broker = parse.GetValue(broker),
                BrokerCa = parse.GetValue(brokerCa),
                ServerLogLevel = parse.GetValue(logLevel)!,
                FleetDirectory = parse.GetValue(fleetDir),
                ServerDirectory = parse.GetValue(serverDir),
                CheckFlat = parse.GetValue(checkFlat),
                FlatMemoryFraction = parse.GetValue(flatFraction),
                FlatMemoryMiB = parse.GetValue(flatMiB),
                FlatHandles = parse.GetValue(flatHandles),
                RunName = parse.GetValue(name)!,
            };
            var exe = parse.GetValue(serverExe);
            return await RunAsync(settings, exe is null ? ServerLauncher.ForCurrentProcess() : ServerLauncher.ForPath(exe), parse.GetValue(results), parse.GetValue(json), parse.GetValue(quiet), ct).ConfigureAwait(false);
        });

        var reportResults = new Option<string>("--results") { Description = "Results directory holding load-*.json.", DefaultValueFactory = _ => Path.Combine("bench", "results") };
        var report = new Command("report", "Regenerate load.md, load.json and the PNG plots from the load-*.json runs in a results directory.") { reportResults };
        report.SetAction(async (parse, ct) =>
        {
            var path = await MarkdownReport.WriteAsync(parse.GetValue(reportResults)!, ct).ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"wrote {path}").ConfigureAwait(false);
            return 0;
        });
        load.Subcommands.Add(report);

        // Started by cpns bench load --fleet-processes N; its standard input and output are the protocol (FleetProtocol).
        var worker = new Command("fleet-worker", "Internal: hosts a slice of cpns bench load's simulated fleet, driven over standard input and output.") { Hidden = true };
        worker.SetAction(async (_, ct) =>
        {
            var output = Console.OpenStandardOutput();

            // Standard output carries only protocol lines: anything else written to the console goes to standard error.
            Console.SetOut(Console.Error);
            using var input = new StreamReader(Console.OpenStandardInput(), new System.Text.UTF8Encoding(false));
            return await Fleet.Workers.FleetWorker.RunAsync(input, output, Console.Error, ct).ConfigureAwait(false);
        });
        return new Command("bench", "Benchmarks that need running roles (the crypto micro-benchmarks are in bench/Cpns.Benchmarks).") { load, worker };
    }

    internal static string Validate(LoadSettings s)
    {
        if (s.Gateways < 1 || s.PnesPerGateway < 1 || s.Groups < 1)
        {
            return "--gateways, --pnes-per-gateway and --groups must be at least 1.";
        }

        if (s.GatewaysPerGroup < 1 || s.GatewaysPerGroup > s.Gateways)
        {
            return "--gateways-per-group must be 1 to --gateways.";
        }

        if (s.MembersPerGateway < 1 || s.MembersPerGateway > s.PnesPerGateway || s.GrowthMembersPerGateway < 1 || s.GrowthMembersPerGateway > s.GrowthPnesPerGateway)
        {
            return "--members-per-gateway must be 1 to --pnes-per-gateway (and the same for the growth options).";
        }

        if (s.RotationsPerMinute <= 0 || s.DurationSeconds <= 0 || s.GrowthRotationsPerMinute <= 0 || s.GrowthDurationSeconds <= 0)
        {
            return "--rate, --duration, --growth-rate and --growth-duration must be positive.";
        }

        if (s.WarmupSeconds < 0 || double.IsNaN(s.WarmupSeconds))
        {
            return "--warmup must be 0 or more seconds.";
        }

        if (s.GrowthStart < 1 || s.GrowthMax < s.GrowthStart)
        {
            return "--growth-start must be at least 1 and at most --growth-max.";
        }

        if (s.TreeHeight is < 1 or > Cpns.Crypto.KeyMaterialSet.MaxHeight || (1L << s.TreeHeight) < Math.Max(s.PnesPerGateway, s.GrowthPnesPerGateway))
        {
            return "--tree-height must be 1 to 24 and hold --pnes-per-gateway PNEs.";
        }

        if (s.FleetProcesses is < 1 or > 64)
        {
            return "--fleet-processes must be 1 to 64.";
        }

        if (s.Parallelism < 1 || s.MaxMinutes <= 0 || s.RotationTimeoutSeconds <= 0)
        {
            return "--parallelism, --max-minutes and --rotation-timeout must be positive.";
        }

        return !System.Text.RegularExpressions.Regex.IsMatch(s.RunName, "^[A-Za-z0-9_.-]{1,64}$") ? "--name must be 1 to 64 characters of [A-Za-z0-9_.-]." : "";
    }

    /// <summary>The exit code of a run cut short by Ctrl+C or SIGTERM (128 + SIGINT, as a shell reports it).</summary>
    internal const int CancelledExitCode = 130;

    internal static async Task<int> RunAsync(LoadSettings settings, ServerLauncher launcher, string? resultsDirectory, bool json, bool quiet, CancellationToken cancellationToken, ServerLauncher? workers = null)
    {
        var error = Validate(settings);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (error.Length > 0)
        {
            console.MarkupLine($"[red]{Markup.Escape(error)}[/]");
            return 2;
        }

        // The workers are this build, whatever --server-exe says the server is.
        workers ??= ServerLauncher.ForCurrentProcess();
        LoadReport report;
        try
        {
            if (quiet)
            {
                report = await new LoadRun(settings, launcher, new SilentProgress(), workers).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                report = await console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                    .StartAsync(ctx => new LoadRun(settings, launcher, new SpectreProgress(ctx, console), workers).RunAsync(cancellationToken)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: the run has stopped its fleet and its server on the way out. A partial run measures
            // nothing it could be compared by, so nothing is written; the exit code is the shell's for an interrupt.
            console.MarkupLine("[yellow]Cancelled: the fleet and the server were stopped; no results were written.[/]");
            return CancelledExitCode;
        }

        if (resultsDirectory is not null)
        {
            Directory.CreateDirectory(resultsDirectory);
            await File.WriteAllTextAsync(Path.Combine(resultsDirectory, $"load-{settings.RunName}.json"), ReportJson.Serialize(report), cancellationToken).ConfigureAwait(false);
            await MarkdownReport.WriteAsync(resultsDirectory, cancellationToken).ConfigureAwait(false);
        }

        if (json)
        {
            await Console.Out.WriteLineAsync(ReportJson.Serialize(report with { ServerSamples = [], LoadSamples = [], Sustained = report.Sustained is null ? null : report.Sustained with { RotationLog = [] }, Warmup = report.Warmup is null ? null : report.Warmup with { RotationLog = [] } })).ConfigureAwait(false);
        }

        // Plain, unwrapped: scripts grep this line.
        await Console.Error.WriteLineAsync(Summary(report)).ConfigureAwait(false);
        return report.Passed ? 0 : 1;
    }

    /// <summary>One line that says what the run measured and whether it passed.</summary>
    internal static string Summary(LoadReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var parts = new List<string> { r.Passed ? "LOAD PASS" : "LOAD FAIL", $"run {r.RunName}" };
        if (r.Setup is { } s)
        {
            parts.Add(string.Create(inv, $"{s.Gateways} gateways, {s.Pnes} PNEs, {s.Groups} groups, {Math.Max(1, r.FleetProcesses)} fleet process{(r.FleetProcesses > 1 ? "es" : "")}"));
        }

        if (r.FanOut is { } f)
        {
            parts.Add(string.Create(inv, $"fan-out {f.Deliveries} deliveries in {f.Seconds:F2} s ({f.Incomplete} incomplete)"));
        }

        if (r.Warmup is { } w)
        {
            parts.Add(string.Create(inv, $"warm-up {r.Settings.WarmupSeconds:F0} s: {w.AcknowledgedDeliveries}/{w.ExpectedDeliveries} acknowledged, p99 {w.ServerMs.P99:F0} ms"));
        }

        if (r.Sustained is { } u)
        {
            parts.Add(string.Create(inv, $"sustained {u.AchievedPerMinute:F0}/min: {u.AcknowledgedDeliveries}/{u.ExpectedDeliveries} acknowledged, {u.AcknowledgedPerSecond:F0}/s, p50 {u.ServerMs.P50:F0} ms, p99 {u.ServerMs.P99:F0} ms"));
        }

        if (r.Growth.Count > 0)
        {
            var last = r.Growth[^1];
            parts.Add(string.Create(inv, $"growth to {last.Gateways} gateways: fan-out {last.FanOutSeconds:F2} s, server {last.ServerMiB:F0} MiB"));
        }

        if (r.Flatness is { } flat)
        {
            parts.Add(string.Create(inv, $"memory {flat.FirstThirdMiB:F0}->{flat.LastThirdMiB:F0} MiB, handles {flat.FirstThirdHandles:F0}->{flat.LastThirdHandles:F0}: {flat.Verdict}"));
        }

        var h = r.Health;
        parts.Add(string.Create(inv, $"errors: server {h.ServerErrorLines}, fleet {h.FleetErrors}, refused {h.RefusedInputs}, anomalies {h.DeviceAnomalies}, failed requests {h.RequestFailures}"));
        return string.Join("; ", parts);
    }
}
