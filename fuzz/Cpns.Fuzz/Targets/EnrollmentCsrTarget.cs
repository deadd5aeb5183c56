using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Enrollment;
using Cpns.Server.Errors;

namespace Cpns.Fuzz.Targets;

/// <summary>
/// <see cref="EnrollmentService.CheckSigningRequest"/>, the server's check of the PKCS#10 request a gateway sends to
/// enroll (before the enrollment token is spent): ServerException only, a 400 problem.
/// </summary>
internal sealed class EnrollmentCsrTarget : FuzzTarget
{
    public override string Name => "enrollment-csr";

    public override string Description => "EnrollmentService.CheckSigningRequest, a gateway's PKCS#10 request (ServerException only)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            EnrollmentService.CheckSigningRequest(input.ToArray());
        }
        catch (ServerException)
        {
        }
    }

    public override IEnumerable<KeyValuePair<string, byte[]>> Seeds()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        yield return new("valid-p256", new CertificateRequest("CN=gw-a", p256, HashAlgorithmName.SHA256).CreateSigningRequest());
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        yield return new("valid-p384", new CertificateRequest("CN=gw-b", p384, HashAlgorithmName.SHA256).CreateSigningRequest());
        using var p521 = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        yield return new("edge-p521", new CertificateRequest("CN=gw-c", p521, HashAlgorithmName.SHA256).CreateSigningRequest());
        using var rsa = RSA.Create(1024);
        yield return new("edge-rsa", new CertificateRequest("CN=gw-d", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest());
        yield return new("edge-empty", []);
    }
}
