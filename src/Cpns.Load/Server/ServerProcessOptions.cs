namespace Cpns.Load.Server;

/// <summary>How the server under test is started.</summary>
internal sealed class ServerProcessOptions
{
    /// <summary>Its data directory (SQLite database, master key, certificates).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>A PostgreSQL connection string, or null for SQLite.</summary>
    public string? Database { get; init; }

    /// <summary>An external broker (<c>mqtts://host:port</c>), or null for the embedded one.</summary>
    public string? Broker { get; init; }

    /// <summary>The external broker's CA (PEM), if it is not the server's own.</summary>
    public string? BrokerCa { get; init; }

    /// <summary>The server's minimum log level (<c>Logging:LogLevel:Default</c>).</summary>
    public string LogLevel { get; init; } = "Warning";

    /// <summary>How long to wait for <c>/readyz</c>.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
