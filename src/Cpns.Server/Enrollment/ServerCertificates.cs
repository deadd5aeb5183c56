using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Domain;
using Cpns.Server.Secrets;
using Cpns.Server.Storage;
using Cpns.Transport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cpns.Server.Enrollment;

/// <summary>
/// The server's certificate authority: created on first start, kept in the database (one row) with its private key as
/// PKCS#8 encrypted under a password derived from the master key (HKDF-SHA-256, info <c>cpns/ca-key/v1</c>), so every
/// instance sharing one database and master key has the same CA. The public certificate is also written to
/// <c>ca.crt</c> in the data directory for configuring an external broker. It issues the broker's TLS certificate,
/// the server's own MQTT client certificate (CN <c>cpns-server</c>) and every gateway's client certificate.
/// </summary>
internal sealed partial class ServerCertificates(
    CpnsDatabase database,
    SecretProtector protector,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<ServerCertificates> logger) : IDisposable
{
    public const string CaName = "CPNS Server CA";
    public const string CaFileName = "ca.crt";

    /// <summary>The server's identity on the broker: its client certificate CN. The CA never issues it to a gateway.</summary>
    public const string ServerIdentity = TopicPolicies.DefaultServerIdentity;

    private readonly SemaphoreSlim _init = new(1, 1);
    private CertificateAuthority? _ca;

    public CertificateAuthority Authority => _ca ?? throw new InvalidOperationException("The certificate authority is not loaded yet.");

    /// <summary>Loads the CA from the database, creating it on the very first start (the first instance to insert wins).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ca is not null)
            {
                return;
            }

            var password = protector.DerivePassword("cpns/ca-key/v1"u8);
            _ca = await LoadAsync(password, cancellationToken).ConfigureAwait(false)
                ?? await CreateAsync(password, cancellationToken).ConfigureAwait(false);
            WriteCaFile(_ca);
        }
        finally
        {
            _init.Release();
        }
    }

    /// <summary>The embedded broker's TLS certificate: 127.0.0.1, ::1, localhost, the listen address and <see cref="ServerOptions.MqttNames"/>.</summary>
    public X509Certificate2 IssueBrokerCertificate(IPAddress? listenAddress = null)
    {
        var names = new List<string>(options.Value.MqttNames);
        if (listenAddress is not null && !listenAddress.Equals(IPAddress.Any) && !listenAddress.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(listenAddress))
        {
            names.Add(listenAddress.ToString());
        }

        return Authority.IssueServerCertificate(names);
    }

    /// <summary>The server's own MQTT client certificate (CN <c>cpns-server</c>) with a fresh key, held in memory only.</summary>
    public X509Certificate2 IssueServerClientCertificate()
    {
        using var key = ClientKeyPair.Create();
        using var issued = Authority.IssueClientCertificate(ServerIdentity, key.CreateSigningRequest(ServerIdentity));
        return key.AttachCertificate(issued);
    }

    /// <summary>
    /// A gateway's client certificate for the key in <paramref name="pkcs10"/>, CN = <paramref name="gatewayId"/> (the id
    /// the enrollment token named; the request's own subject is ignored). Never the server identity.
    /// </summary>
    public X509Certificate2 IssueGatewayCertificate(string gatewayId, ReadOnlySpan<byte> pkcs10)
    {
        if (string.Equals(gatewayId, ServerIdentity, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("The server identity is never issued to a gateway.");
        }

        return Authority.IssueClientCertificate(gatewayId, pkcs10);
    }

    public void Dispose()
    {
        _ca?.Dispose();
        _init.Dispose();
    }

    private async Task<CertificateAuthority?> LoadAsync(string password, CancellationToken cancellationToken)
    {
        var db = database.CreateContext();
        await using (db.ConfigureAwait(false))
        {
            var row = await db.Authorities.AsNoTracking().SingleOrDefaultAsync(a => a.Id == ServerAuthority.SingletonId, cancellationToken).ConfigureAwait(false);
            return row is null ? null : CertificateAuthority.ImportEncryptedPem(row.Pem, password);
        }
    }

    private async Task<CertificateAuthority> CreateAsync(string password, CancellationToken cancellationToken)
    {
        var ca = CertificateAuthority.Create(CaName);
        try
        {
            var db = database.CreateContext();
            await using (db.ConfigureAwait(false))
            {
                db.Authorities.Add(new ServerAuthority { Id = ServerAuthority.SingletonId, Pem = ca.ExportEncryptedPem(password), CreatedAt = time.GetUtcNow().UtcDateTime });
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            LogCreated(logger, ca.Certificate.Thumbprint);
            return ca;
        }
        catch (DbUpdateException e) when (CpnsDatabase.IsConflict(e))
        {
            // Another instance created it first: use theirs.
            ca.Dispose();
            return await LoadAsync(password, cancellationToken).ConfigureAwait(false)
                ?? throw new CryptographicException("The certificate authority vanished after a conflicting insert.");
        }
        catch
        {
            ca.Dispose();
            throw;
        }
    }

    private void WriteCaFile(CertificateAuthority ca)
    {
        var path = Path.Combine(options.Value.DataDirectory, CaFileName);
        var pem = ca.ExportCertificatePem();
        if (File.Exists(path) && string.Equals(File.ReadAllText(path), pem, StringComparison.Ordinal))
        {
            return;
        }

        // Public data, but written through a temporary file so a reader never sees half a certificate.
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, pem);
        File.Move(temp, path, overwrite: true);
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Created the server certificate authority (thumbprint {Thumbprint})")]
    private static partial void LogCreated(ILogger logger, string thumbprint);
}
