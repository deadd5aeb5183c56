using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport.Tests;

/// <summary>One CA and broker certificate for the whole test run, and client certificates on demand.</summary>
internal static class TestPki
{
    private static readonly Lazy<CertificateAuthority> LazyCa = new(() => CertificateAuthority.Create("Cpns Test CA"));
    private static readonly Lazy<CertificateAuthority> LazyOtherCa = new(() => CertificateAuthority.Create("Cpns Test CA"));
    private static readonly Lazy<X509Certificate2> LazyServer = new(() => Ca.IssueServerCertificate());

    public static CertificateAuthority Ca => LazyCa.Value;

    /// <summary>A second CA with the same name: only the key differs.</summary>
    public static CertificateAuthority OtherCa => LazyOtherCa.Value;

    public static X509Certificate2 ServerCertificate => LazyServer.Value;

    public static X509Certificate2 ClientCertificate(string identity, CertificateAuthority? ca = null)
    {
        using var keyPair = ClientKeyPair.Create();
        using var issued = (ca ?? Ca).IssueClientCertificate(identity, keyPair.CreateSigningRequest(identity));
        return keyPair.AttachCertificate(issued);
    }
}
