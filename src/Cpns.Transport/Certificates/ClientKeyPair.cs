using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>
/// A gateway's or PNE's own ECDSA P-256 key: makes the PKCS#10 request the CA signs, then joins the issued
/// certificate to the key for TLS client authentication. The private key never leaves the holder except
/// through <see cref="ExportEncryptedPem(ReadOnlySpan{char})"/>.
/// </summary>
public sealed class ClientKeyPair : IDisposable
{
    private const int KeyExportIterations = 600_000;
    private readonly ECDsa _key;

    private ClientKeyPair(ECDsa key) => _key = key;

    /// <summary>Creates a fresh P-256 key pair.</summary>
    /// <returns>The key pair.</returns>
    public static ClientKeyPair Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>Loads a key written by <see cref="ExportEncryptedPem(ReadOnlySpan{char})"/>.</summary>
    /// <param name="pem">The ENCRYPTED PRIVATE KEY PEM block.</param>
    /// <param name="password">Its password.</param>
    /// <returns>The key pair.</returns>
    public static ClientKeyPair ImportEncryptedPem(string pem, ReadOnlySpan<char> password)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromEncryptedPem(pem, password);
            return new ClientKeyPair(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>The private key as PKCS#8 encrypted under <paramref name="password"/> (PBKDF2-HMAC-SHA256, AES-256-CBC), PEM.</summary>
    /// <param name="password">The password.</param>
    /// <returns>One ENCRYPTED PRIVATE KEY PEM block.</returns>
    public string ExportEncryptedPem(ReadOnlySpan<char> password)
    {
        if (password.IsEmpty)
        {
            TransportThrow.InvalidArgument(nameof(password), "A password is required to export a private key.");
        }

        return _key.ExportEncryptedPkcs8PrivateKeyPem(
            password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyExportIterations));
    }

    /// <summary>
    /// A DER PKCS#10 request signed with this key. The subject CN is <paramref name="identity"/> for the reader's
    /// convenience only: the CA writes the CN it has authenticated, not this one.
    /// </summary>
    /// <param name="identity">The requested identity.</param>
    /// <returns>The DER request.</returns>
    public byte[] CreateSigningRequest(string identity)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(Topics.Id(identity, nameof(identity)));
        return new CertificateRequest(subject.Build(), _key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }

    /// <summary>Joins the certificate the CA issued to this key, ready to present in TLS.</summary>
    /// <param name="certificate">The issued certificate.</param>
    /// <returns>A new certificate object holding the private key.</returns>
    /// <exception cref="ArgumentException">The certificate is for another key.</exception>
    public X509Certificate2 AttachCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var publicOnly = X509CertificateLoader.LoadCertificate(certificate.RawData);
        using var certificateKey = publicOnly.GetECDsaPublicKey();
        if (certificateKey is null
            || !certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(_key.ExportSubjectPublicKeyInfo()))
        {
            TransportThrow.InvalidArgument(nameof(certificate), "The certificate was not issued for this key.");
        }

        using var withKey = publicOnly.CopyWithPrivateKey(_key);
        return CertificateLoading.ReimportWithPrivateKey(withKey);
    }

    /// <summary>Releases the private key.</summary>
    public void Dispose() => _key.Dispose();
}
