using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cpns.Transport;

/// <summary>
/// Checks that a peer certificate chains to one pinned CA and to nothing else: X509Chain with
/// <see cref="X509ChainTrustMode.CustomRootTrust"/>, the CA alone in the custom trust store, no revocation
/// check (the project's CAs publish no CRL; a compromised device is handled by a Group Key update), and the
/// EKU of the purpose.
/// </summary>
internal sealed class CertificateValidator
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "Server Authentication");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    private readonly X509Certificate2 _ca;

    public CertificateValidator(X509Certificate2 caCertificate)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);

        // Keep a public-only copy: the validator never needs, and should never hold, a private key.
        _ca = X509CertificateLoader.LoadCertificate(caCertificate.RawData);
    }

    public X509Certificate2 CaCertificate => _ca;

    public bool Validate(X509Certificate2 certificate, CertificatePurpose purpose, out string reason) =>
        Validate(certificate, purpose, verificationTime: null, out reason);

    public bool Validate(X509Certificate2 certificate, CertificatePurpose purpose, DateTime? verificationTime, out string reason)
    {
        ArgumentNullException.ThrowIfNull(certificate);

        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.Add(_ca);
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.ApplicationPolicy.Add(purpose == CertificatePurpose.Server ? ServerAuth : ClientAuth);
        if (verificationTime is { } time)
        {
            policy.VerificationTime = time;
            policy.VerificationTimeIgnored = false;
        }

        if (!chain.Build(certificate))
        {
            reason = "certificate chain invalid: " + string.Join(", ", chain.ChainStatus.Select(s => s.Status));
            return false;
        }

        // CustomRootTrust accepts only roots in CustomTrustStore, but compare the root anyway so that a
        // certificate which is itself a (different) trusted root can never pass.
        var root = chain.ChainElements[^1].Certificate;
        if (chain.ChainElements.Count < 2 || !root.RawDataMemory.Span.SequenceEqual(_ca.RawDataMemory.Span))
        {
            reason = "certificate is not issued by the pinned CA";
            return false;
        }

        reason = string.Empty;
        return true;
    }
}
