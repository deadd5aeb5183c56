using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>
/// A small X.509 certificate authority: the CPNS Server's CA (which certifies its broker and every PN GW) and
/// each PN GW's CA (which certifies its PN broker and every PNE). ECDSA P-256 with SHA-256 throughout.
/// </summary>
/// <remarks>
/// The CA never copies a subject out of a PKCS#10 request: the caller names the identity it has authenticated
/// (enrollment, pairing) and the CA writes that identity as the only CN. The CA private key leaves this object
/// only through <see cref="ExportEncryptedPem(ReadOnlySpan{char})"/>: PKCS#8 encrypted under a caller-supplied
/// password (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC).
/// </remarks>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>How long an issued certificate is valid unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultLeafValidity = TimeSpan.FromDays(730);

    /// <summary>How long a new CA is valid unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultCaValidity = TimeSpan.FromDays(3650);

    // A few minutes of back-dating tolerate clocks that are slightly behind the CA's.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    // PBKDF2 iteration count of the exported key (OWASP 2023 figure for PBKDF2-HMAC-SHA256).
    private const int KeyExportIterations = 600_000;

    private const string CertificateLabel = "CERTIFICATE";
    private const string EncryptedKeyLabel = "ENCRYPTED PRIVATE KEY";

    private readonly ECDsa _key;
    private readonly CertificateValidator _validator;
    private bool _disposed;

    private CertificateAuthority(ECDsa key, X509Certificate2 certificate)
    {
        _key = key;
        Certificate = certificate;
        _validator = new CertificateValidator(certificate);
    }

    /// <summary>The CA certificate (public part only). Owned by the authority: do not dispose it.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new self-signed CA.</summary>
    /// <param name="name">The CA's common name, e.g. <c>CPNS Server CA</c>.</param>
    /// <param name="validity">How long the CA is valid; <see cref="DefaultCaValidity"/> when null.</param>
    /// <returns>The new CA.</returns>
    public static CertificateAuthority Create(string name, TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var lifetime = validity ?? DefaultCaValidity;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero, nameof(validity));

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(name);
            var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

            var now = DateTimeOffset.UtcNow;
            using var selfSigned = request.CreateSelfSigned(now - ClockSkew, now + lifetime);
            var publicOnly = X509CertificateLoader.LoadCertificate(selfSigned.RawData);
            return new CertificateAuthority(key, publicOnly);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Loads a CA written by <see cref="ExportEncryptedPem(ReadOnlySpan{char})"/>.</summary>
    /// <param name="pem">The certificate and the encrypted private key, PEM.</param>
    /// <param name="password">The password the key was exported under.</param>
    /// <returns>The CA.</returns>
    /// <exception cref="CryptographicException">The password is wrong or the key does not match the certificate.</exception>
    public static CertificateAuthority ImportEncryptedPem(string pem, ReadOnlySpan<char> password)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var certificate = LoadPemCertificate(pem);
        var key = ECDsa.Create();
        try
        {
            key.ImportFromEncryptedPem(FindPem(pem, EncryptedKeyLabel), password);
            using var certificateKey = certificate.GetECDsaPublicKey()
                ?? throw new CryptographicException("The CA certificate does not hold an ECDSA key.");
            if (!certificateKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new CryptographicException("The CA private key does not match its certificate.");
            }

            return new CertificateAuthority(key, certificate);
        }
        catch
        {
            key.Dispose();
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the CA certificate and its private key as PEM; the key as PKCS#8 encrypted under
    /// <paramref name="password"/> (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC).
    /// </summary>
    /// <param name="password">The password; the caller keeps it out of the same file.</param>
    /// <returns>Two PEM blocks: CERTIFICATE and ENCRYPTED PRIVATE KEY.</returns>
    public string ExportEncryptedPem(ReadOnlySpan<char> password)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (password.IsEmpty)
        {
            TransportThrow.InvalidArgument(nameof(password), "A password is required to export the CA key.");
        }

        var parameters = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyExportIterations);
        var keyPem = _key.ExportEncryptedPkcs8PrivateKeyPem(password, parameters);
        return ExportCertificatePem() + keyPem + "\n";
    }

    /// <summary>The CA certificate as PEM: what a client pins.</summary>
    /// <returns>One CERTIFICATE PEM block.</returns>
    public string ExportCertificatePem() => Certificate.ExportCertificatePem() + "\n";

    /// <summary>
    /// Issues a broker's TLS certificate: a fresh ECDSA P-256 key, EKU serverAuth, SANs for 127.0.0.1, ::1,
    /// localhost and <paramref name="dnsNames"/>.
    /// </summary>
    /// <param name="dnsNames">Further DNS names (or IP addresses) the broker is reached by.</param>
    /// <param name="validity">How long it is valid; <see cref="DefaultLeafValidity"/> when null (cut at the CA's expiry).</param>
    /// <returns>The certificate with its private key, loaded so that SslStream can use the key.</returns>
    public X509Certificate2 IssueServerCertificate(IEnumerable<string>? dnsNames = null, TimeSpan? validity = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        san.AddDnsName("localhost");
        var commonName = "localhost";
        foreach (var name in dnsNames ?? [])
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(dnsNames));
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
                commonName = name;
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(san.Build());
        var (notBefore, notAfter) = Window(validity ?? DefaultLeafValidity);
        using var issued = IssueCore(request, CertificatePurpose.Server, notBefore, notAfter);
        using var withKey = issued.CopyWithPrivateKey(key);
        return CertificateLoading.ReimportWithPrivateKey(withKey);
    }

    /// <summary>
    /// Issues a client certificate (EKU clientAuth) for <paramref name="identity"/> to the key of a PKCS#10
    /// request. The request's signature is checked (proof of possession); its subject and extensions are
    /// ignored: the CN is <paramref name="identity"/>, which the caller has authenticated.
    /// </summary>
    /// <param name="identity">The gateway id or PNE id (see <see cref="Topics.IsValidId(string?)"/>).</param>
    /// <param name="pkcs10">The DER PKCS#10 request, e.g. from <see cref="ClientKeyPair.CreateSigningRequest(string)"/>.</param>
    /// <param name="validity">How long it is valid; <see cref="DefaultLeafValidity"/> when null (cut at the CA's expiry).</param>
    /// <returns>The certificate (public part; the private key stays with the requester).</returns>
    /// <exception cref="ArgumentException">The identity is invalid, or the request is malformed, badly signed or not ECDSA.</exception>
    public X509Certificate2 IssueClientCertificate(string identity, ReadOnlySpan<byte> pkcs10, TimeSpan? validity = null)
    {
        var (notBefore, notAfter) = Window(validity ?? DefaultLeafValidity);
        return IssueClientCertificate(identity, pkcs10, notBefore, notAfter);
    }

    /// <summary>True when <paramref name="certificate"/> chains to this CA and has the EKU of <paramref name="purpose"/>.</summary>
    /// <param name="certificate">The peer's certificate.</param>
    /// <param name="purpose">Server (broker) or client (gateway, PNE).</param>
    /// <returns>Whether the certificate is valid now.</returns>
    public bool ValidatePeerCertificate(X509Certificate2 certificate, CertificatePurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return _validator.Validate(certificate, purpose, out _);
    }

    /// <summary>Releases the CA private key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _key.Dispose();
            Certificate.Dispose();
        }
    }

    internal X509Certificate2 IssueClientCertificate(string identity, ReadOnlySpan<byte> pkcs10, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!Topics.IsValidId(identity))
        {
            TransportThrow.InvalidId(nameof(identity), identity);
        }

        CertificateRequest csr;
        try
        {
            // Default options verify the request's self-signature: the requester holds the private key.
            csr = CertificateRequest.LoadSigningRequest(pkcs10, HashAlgorithmName.SHA256, out var consumed);
            if (consumed != pkcs10.Length)
            {
                TransportThrow.InvalidArgument(nameof(pkcs10), "Trailing data after the certificate signing request.");
            }
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException)
        {
            // A signature algorithm .NET does not know is NotSupportedException, a key on a curve OpenSSL does not
            // know PlatformNotSupportedException (one of its kind), neither a CryptographicException (found by fuzz/
            // targets enrollment-csr and pne-csr): they escaped the gateway's pairing confirm instead of a refusal.
            throw new ArgumentException("The certificate signing request is malformed or its signature is invalid.", nameof(pkcs10), e);
        }

        using (var ecKey = csr.PublicKey.GetECDsaPublicKey())
        {
            if (ecKey is null || ecKey.KeySize is not (256 or 384))
            {
                TransportThrow.InvalidArgument(nameof(pkcs10), "The certificate signing request must carry an ECDSA P-256 or P-384 key.");
            }
        }

        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(identity);
        var request = new CertificateRequest(subject.Build(), csr.PublicKey, HashAlgorithmName.SHA256);
        return IssueCore(request, CertificatePurpose.Client, notBefore, notAfter);
    }

    internal static string FindPem(string pem, string label)
    {
        var text = pem.AsSpan();
        while (PemEncoding.TryFind(text, out var fields))
        {
            if (text[fields.Label].SequenceEqual(label))
            {
                return text[fields.Location].ToString();
            }

            text = text[fields.Location.End..];
        }

        throw new CryptographicException($"No PEM block labelled {label}.");
    }

    internal static X509Certificate2 LoadPemCertificate(string pem)
    {
        var block = FindPem(pem, CertificateLabel);
        var fields = PemEncoding.Find(block);
        return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(block[fields.Base64Data]));
    }

    private (DateTimeOffset NotBefore, DateTimeOffset NotAfter) Window(TimeSpan validity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(validity, TimeSpan.Zero, nameof(validity));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + validity;
        var caNotAfter = new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return (now - ClockSkew, notAfter < caNotAfter ? notAfter : caNotAfter);
    }

    private X509Certificate2 IssueCore(CertificateRequest request, CertificatePurpose purpose, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(purpose == CertificatePurpose.Server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        // RFC 5280 4.1.2.2: a positive serial of at most 20 octets; 16 random octets make it unique.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01);

        return request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), notBefore, notAfter, serial);
    }
}
