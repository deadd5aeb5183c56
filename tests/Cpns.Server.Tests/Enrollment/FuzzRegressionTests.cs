using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Enrollment;
using Cpns.Server.Errors;

namespace Cpns.Server.Tests.Enrollment;

/// <summary>Inputs the fuzzer (fuzz/, target enrollment-csr) turned into findings, kept as ordinary tests.</summary>
public sealed class FuzzRegressionTests
{
    // DER of the P-256 curve OID 1.2.840.10045.3.1.7; the fuzzer changed 840 into 829 (0x48 into 0x3D).
    private static readonly byte[] P256Oid = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

    [Fact]
    public void CheckSigningRequest_KeyOnACurveOpenSslDoesNotKnow_RefusedAsInvalidRequest()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=gw-a", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var oid = csr.AsSpan().IndexOf(P256Oid);
        Assert.True(oid >= 0);
        csr[oid + 4] = 0x3D;

        // Before the fix PlatformNotSupportedException escaped, and the enrollment endpoint answered 500, not 400.
        Assert.Throws<ServerException>(() => EnrollmentService.CheckSigningRequest(csr));
    }

    [Fact]
    public void CheckSigningRequest_ValidP256Request_Accepted()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=gw-a", key, HashAlgorithmName.SHA256).CreateSigningRequest();

        EnrollmentService.CheckSigningRequest(csr);
    }
}
