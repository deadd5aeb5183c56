namespace Cpns.Server;

/// <summary>Settings of a CPNS Server instance (bound through the options pattern).</summary>
public sealed class ServerOptions
{
    /// <summary>Environment variable that may hold the 32-byte master key in base64.</summary>
    public const string MasterKeyEnvironmentVariable = "CPNS_MASTER_KEY";

    /// <summary>
    /// Directory for the SQLite database (<c>cpns.db</c>), the master key file (<c>master.key</c>) and generated
    /// certificates. Created with mode 0700 if missing.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>URLs Kestrel listens on, <c>http://</c> or <c>https://</c>; port 0 picks a free port (see <see cref="ServerHost.Addresses"/>).</summary>
    public IList<string> HttpUrls { get; } = ["http://127.0.0.1:8080"];

    /// <summary>A PostgreSQL connection string, or null for SQLite under <see cref="DataDirectory"/>.</summary>
    public string? Database { get; set; }

    /// <summary>
    /// The master key in base64 (32 bytes). When null, <see cref="MasterKeyEnvironmentVariable"/> is used, and
    /// when that is unset too, the key file <c>master.key</c> in <see cref="DataDirectory"/> (created on first start).
    /// Every instance sharing one database must use the same master key.
    /// </summary>
    public string? MasterKey { get; set; }

    /// <summary>PFX file for HTTPS; when null and an https URL is given, a self-signed certificate is created in the data directory.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of <see cref="CertificatePath"/>, if any.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>How often an instance looks for groups due for periodic rotation.</summary>
    public TimeSpan RotationCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a claimed periodic rotation stays leased to the instance that claimed it.</summary>
    public TimeSpan RotationLeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Name of this instance in rotation leases; defaults to the machine name and a random suffix.</summary>
    public string? InstanceName { get; set; }

    /// <summary>Lifetime of an enrollment token when the request does not say.</summary>
    public TimeSpan EnrollmentTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Where the first start prints the bootstrap operator key; stdout by default. Never an ILogger.</summary>
    internal TextWriter BootstrapOutput { get; set; } = Console.Out;

    /// <summary>Test hook: adjusts the host's logging (e.g. to collect log lines and check that no secret is in them).</summary>
    internal Action<Microsoft.Extensions.Logging.ILoggingBuilder>? ConfigureLogging { get; set; }
}
