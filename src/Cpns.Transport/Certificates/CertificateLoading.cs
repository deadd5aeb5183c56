using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>Makes certificates whose private key SslStream can use on every platform.</summary>
internal static class CertificateLoading
{
    /// <summary>
    /// Round-trips a certificate with an ephemeral private key (CopyWithPrivateKey, CertificateRequest.Create)
    /// through PKCS#12. SslStream cannot use an ephemeral key on Windows (SChannel) and, depending on the
    /// OpenSSL build, not always on Linux either; a PFX-loaded key works everywhere.
    /// </summary>
    public static X509Certificate2 ReimportWithPrivateKey(X509Certificate2 certificate)
    {
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.Exportable);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }
}
