using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cpns.Server.Enrollment;
using Cpns.Server.Errors;

namespace Cpns.Server.Tests.Enrollment;

/// <summary>Inputs the fuzzer (fuzz/, target enrollment-csr) turned into findings, kept as ordinary tests.</summary>
public sealed class FuzzRegressionTests
{
    // P-256's curve OID 1.2.840.10045.3.1.7 made 1.2.829... (OpenSSL: PlatformNotSupportedException), and the
    // signature algorithm ecdsa-with-SHA256 1.2.840.10045.4.3.2 made ...4.3.127 (.NET: NotSupportedException).
    [Theory]
    [InlineData(new byte[] { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 }, 4, 0x3D)]
    [InlineData(new byte[] { 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02 }, 9, 0x7F)]
    public void CheckSigningRequest_AlgorithmOrCurveNobodyKnows_RefusedAsInvalidRequest(byte[] oid, int index, byte value)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=gw-a", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var at = csr.AsSpan().IndexOf(oid);
        Assert.True(at >= 0);
        csr[at + index] = value;

        // Before the fix the exception escaped, and the enrollment endpoint answered 500, not a 400 problem.
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
