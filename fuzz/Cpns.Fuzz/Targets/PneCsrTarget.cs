using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Transport;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="CertificateAuthority.IssueClientCertificate(string, ReadOnlySpan{byte}, TimeSpan?)"/>, where a PN's
/// CA turns the PKCS#10 request of a pairing PNE's EU-Key Assignment Confirm into its client certificate (and the
/// server's CA a gateway's at enrollment): ArgumentException only, which the gateway answers with a refusal.
/// </summary>
internal sealed class PneCsrTarget : FuzzTarget
{
    private readonly CertificateAuthority _authority = CertificateAuthority.Create("CPNS Fuzz PN CA");

    public override string Name => "pne-csr";

    public override string Description => "CertificateAuthority.IssueClientCertificate, a pairing PNE's PKCS#10 (ArgumentException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            using var certificate = _authority.IssueClientCertificate("pne-fuzz", input);
            Check(_authority.ValidatePeerCertificate(certificate, CertificatePurpose.Client), "an issued certificate chains to its CA");
        }
        catch (ArgumentException)
        {
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        using (var pne = ClientKeyPair.Create())
        {
            yield return new("valid-client-key-pair", pne.CreateSigningRequest("pne-a1"));
        }

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        yield return new("valid-p384", new CertificateRequest("CN=pne-b", p384, HashAlgorithmName.SHA256).CreateSigningRequest());
        using var rsa = RSA.Create(1024);
        yield return new("edge-rsa", new CertificateRequest("CN=pne-c", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest());
        yield return new("edge-empty", []);
    }
}
