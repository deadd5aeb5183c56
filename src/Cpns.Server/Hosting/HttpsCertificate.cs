using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Secrets;

namespace Cpns.Server.Hosting;

/// <summary>
/// The HTTPS certificate: the configured PFX, or a self-signed ECDSA P-256 certificate created in the data directory
/// on first use. The generated PFX is encrypted with a password derived from the master key (HKDF), so the TLS
/// private key is protected at rest like every other secret.
/// </summary>
internal static class HttpsCertificate
{
    public const string FileName = "https.pfx";

    public static X509Certificate2 Load(ServerOptions options, MasterKey masterKey)
    {
        if (options.CertificatePath is not null)
        {
            return X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        }

        var path = Path.Combine(options.DataDirectory, FileName);
        var password = DerivePassword(masterKey);
        if (!File.Exists(path))
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=CPNS Server", key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
            var pfx = cert.Export(X509ContentType.Pfx, password);
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            try
            {
                using var stream = new FileStream(path, fileOptions);
                stream.Write(pfx);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another instance on the same data directory wrote it first; use theirs.
            }
        }

        return X509CertificateLoader.LoadPkcs12FromFile(path, password);
    }

    internal static string DerivePassword(MasterKey masterKey)
    {
        Span<byte> derived = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, masterKey.Key, derived, salt: [], info: "cpns/https-pfx/v1"u8);
        var password = Convert.ToBase64String(derived);
        CryptographicOperations.ZeroMemory(derived);
        return password;
    }
}
