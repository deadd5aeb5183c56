using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Cpns.Transport;

namespace Cpns.Gateway.ServerLink;

/// <summary>
/// What enrollment gave the gateway for the server broker: its client certificate with the private key, the
/// server's CA and the broker address. At rest one file, <c>server-link.sealed</c> (0600): a JSON document sealed
/// under the gateway master key (AD kind <c>server-link</c>, gateway id), like the PN CA's password. The private
/// key inside is PKCS#8 encrypted under a random password stored beside it, only because that is the key
/// export <see cref="ClientKeyPair"/> offers; the seal is what protects it.
/// </summary>
internal sealed class ServerCredentials : IDisposable
{
    public const string FileName = "server-link.sealed";
    private const string Kind = "server-link";

    public ServerCredentials(X509Certificate2 certificate, X509Certificate2 ca, MqttBrokerEndpoint mqtt)
    {
        Certificate = certificate;
        Ca = ca;
        Mqtt = mqtt;
    }

    /// <summary>The client certificate with its private key (CN = gateway id).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The server's CA: the broker's certificate chains to it.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The broker address the enrollment returned.</summary>
    public MqttBrokerEndpoint Mqtt { get; }

    public static ServerCredentials? Load(GatewayStore store, string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var json = store.Sealer.Open(File.ReadAllBytes(path), Kind, store.RequireGatewayId());
        char[]? password = null;
        try
        {
            var document = JsonSerializer.Deserialize<StoredCredentials>(json) ?? throw new GatewayStartupException($"'{path}' is empty.");
            password = document.Password.ToCharArray();
            using var keyPair = ClientKeyPair.ImportEncryptedPem(document.KeyPem, password);
            using var issued = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(document.Certificate));
            var certificate = keyPair.AttachCertificate(issued);
            var ca = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(document.CaCertificate));
            return new ServerCredentials(certificate, ca, MqttBrokerEndpoint.Parse(document.Mqtt));
        }
        catch (Exception e) when (e is JsonException or FormatException or CryptographicException or ArgumentException)
        {
            throw new GatewayStartupException($"'{path}' does not hold valid server credentials: {e.Message}");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
            if (password is not null)
            {
                Array.Clear(password);
            }
        }
    }

    public static void Save(GatewayStore store, string directory, ClientKeyPair keyPair, X509Certificate2 certificate, X509Certificate2 ca, MqttBrokerEndpoint mqtt)
    {
        // 32 random bytes as base64: 256 bits of entropy, so PBKDF2's cost is not what protects the key.
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var document = new StoredCredentials(
            keyPair.ExportEncryptedPem(password),
            password,
            Convert.ToBase64String(certificate.RawData),
            Convert.ToBase64String(ca.RawData),
            mqtt.ToString());
        var json = JsonSerializer.SerializeToUtf8Bytes(document);
        try
        {
            WriteOwnerOnly(Path.Combine(directory, FileName), store.Sealer.Seal(json, Kind, store.RequireGatewayId()));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    public void Dispose()
    {
        Certificate.Dispose();
        Ca.Dispose();
    }

    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
