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

    /// <summary>
    /// Listen address of the embedded MQTT broker, <c>host:port</c> (IPv6 in brackets); port 0 picks a free port (see
    /// <see cref="ServerHost.MqttEndpoint"/>). Ignored when <see cref="Broker"/> is set.
    /// </summary>
    public string MqttListen { get; set; } = "127.0.0.1:8883";

    /// <summary>
    /// An external broker, <c>mqtts://host:port</c>: no broker is embedded, the server connects to it as a client with
    /// its certificate (CN <c>cpns-server</c>). The broker must trust the server's CA for client certificates and apply
    /// the topic ACL of docs/architecture.md.
    /// </summary>
    public string? Broker { get; set; }

    /// <summary>PEM file of the CA the external broker's certificate chains to; the server's own CA when null.</summary>
    public string? BrokerCaPath { get; set; }

    /// <summary>
    /// Further DNS names or IP addresses of the embedded broker's TLS certificate (beside 127.0.0.1, ::1, localhost).
    /// The first one is also the address given to enrolling gateways when the broker listens on a wildcard address.
    /// </summary>
    public IList<string> MqttNames { get; } = [];

    /// <summary>
    /// MQTT client id of this server on an external broker; <c>cpns-server</c> when null. Instances sharing one external
    /// broker need different ids (the embedded broker requires the id to equal the certificate CN, <c>cpns-server</c>).
    /// </summary>
    public string? MqttClientId { get; set; }

    /// <summary>How long start-up waits for the server's MQTT subscription before going on in the background.</summary>
    public TimeSpan MqttStartTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How many uplink messages are handled at once. Those of one gateway are always handled in the order they came;
    /// those of different gateways overlap, so one gateway's database round trips do not hold up the others. Each is
    /// acknowledged to the broker only once handled, so nothing acknowledged is lost in a crash.
    /// </summary>
    public int UplinkConcurrency { get; set; } = 16;

    /// <summary>First re-send delay of an unanswered delivery; doubled after every attempt up to <see cref="DeliveryRetryMaxDelay"/>.</summary>
    public TimeSpan DeliveryRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The cap of the re-send delay.</summary>
    public TimeSpan DeliveryRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the dispatcher looks for due deliveries (it is also woken when this instance commits an epoch).</summary>
    public TimeSpan DeliveryPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed delivery stays leased to the instance that claimed it.</summary>
    public TimeSpan DeliveryLeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the first start prints the bootstrap operator key; stdout by default. Never an ILogger.</summary>
    internal TextWriter BootstrapOutput { get; set; } = Console.Out;

    /// <summary>Test hook: adjusts the host's logging (e.g. to collect log lines and check that no secret is in them).</summary>
    internal Action<Microsoft.Extensions.Logging.ILoggingBuilder>? ConfigureLogging { get; set; }
}
