namespace Cpns.Load;

/// <summary>Everything a run of <c>cpns bench load</c> is told (the options, with their defaults).</summary>
internal sealed record LoadSettings
{
    public IReadOnlyList<LoadScenario> Scenarios { get; init; } = [LoadScenario.FanOut, LoadScenario.Sustained];

    public int Gateways { get; init; } = 100;

    public int PnesPerGateway { get; init; } = 10;

    public int Groups { get; init; } = 100;

    public int GatewaysPerGroup { get; init; } = 10;

    public int MembersPerGateway { get; init; } = 5;

    public double RotationsPerMinute { get; init; } = 1000;

    public double DurationSeconds { get; init; } = 60;

    /// <summary>Sustained: seconds of rotations at the same rate before the measured ones (the JIT's tier-up; reported apart).</summary>
    public double WarmupSeconds { get; init; }

    public int GrowthStart { get; init; } = 100;

    public int GrowthMax { get; init; } = 3200;

    public int GrowthPnesPerGateway { get; init; } = 2;

    public int GrowthMembersPerGateway { get; init; } = 2;

    public double GrowthDurationSeconds { get; init; } = 20;

    public double GrowthRotationsPerMinute { get; init; } = 600;

    public int TreeHeight { get; init; } = Cpns.Crypto.KeyMaterialSet.DefaultHeight;

    public int Parallelism { get; init; } = 8;

    /// <summary>Processes hosting the gateways and PNEs: 1 is this process; more are <c>cpns bench fleet-worker</c> children; null: as many as the descriptors and PNEs need (<see cref="Fleet.FleetSizing"/>).</summary>
    public int? FleetProcesses { get; init; }

    public double RotationTimeoutSeconds { get; init; } = 60;

    public double MaxMinutes { get; init; } = 60;

    public string? Database { get; init; }

    public string? Broker { get; init; }

    public string? BrokerCa { get; init; }

    public string ServerLogLevel { get; init; } = "Warning";

    /// <summary>Where the gateways' and devices' data go (tmpfs by default: they are simulated, the server is measured).</summary>
    public string? FleetDirectory { get; init; }

    /// <summary>Where the server's data go (the disk by default: its SQLite database is part of what is measured).</summary>
    public string? ServerDirectory { get; init; }

    public bool CheckFlat { get; init; }

    /// <summary>The flatness bound on the resident set: the last third's median may exceed the first third's by this fraction...</summary>
    public double FlatMemoryFraction { get; init; } = 0.10;

    /// <summary>... plus this many MiB.</summary>
    public double FlatMemoryMiB { get; init; } = 16;

    /// <summary>The flatness bound on open handles (absolute).</summary>
    public int FlatHandles { get; init; } = 8;

    public string RunName { get; init; } = "load";
}
