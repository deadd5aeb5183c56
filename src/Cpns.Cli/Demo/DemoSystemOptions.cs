namespace Cpns.Cli.Demo;

/// <summary>What <see cref="DemoSystem"/> starts: how many PNs and PNEs, and which server deployment.</summary>
internal sealed class DemoSystemOptions
{
    /// <summary>Every process's data directory and log file lives under this folder.</summary>
    public required string DataDirectory { get; init; }

    public int Pns { get; init; } = 3;

    public int PnesPerPn { get; init; } = 3;

    /// <summary>Each PNE as its own <c>cpns device run</c> process instead of a DeviceClient in this process.</summary>
    public bool DeviceProcesses { get; init; }

    /// <summary>Server instances; more than one needs <see cref="Database"/> (PostgreSQL) and <see cref="Broker"/>.</summary>
    public int ServerInstances { get; init; } = 1;

    /// <summary>PostgreSQL connection string; SQLite in the server's data directory when null.</summary>
    public string? Database { get; init; }

    /// <summary>External broker <c>mqtts://host:port</c>; the server's embedded broker when null.</summary>
    public string? Broker { get; init; }

    /// <summary>The master key (base64) shared by every instance; each instance's own key file when null.</summary>
    public string? MasterKey { get; init; }

    /// <summary>How long one start or one wait of the story may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(90);
}
